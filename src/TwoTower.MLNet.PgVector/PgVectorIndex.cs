using System.Globalization;
using System.Text;
using Npgsql;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.PgVector;

/// <summary>
/// An <see cref="IVectorIndex"/> whose vectors live in a PostgreSQL table with the pgvector extension and its HNSW index:
/// for catalogues that outgrow one process, or that other services already keep in PostgreSQL. Same input rules, score
/// conventions and search options as the in-process indexes: inner product and cosine (vectors normalised on the way in)
/// use <c>vector_ip_ops</c>, L2 uses <c>vector_l2_ops</c> with score −‖q − x‖². The table is created when missing; an
/// existing one must have the same dimension and metric. Opens of one table take turns at that step (an advisory lock,
/// <see cref="SetupLockClass"/>), so processes opening a new table at once all open the one table one of them made.
/// </summary>
/// <remarks>
/// Allow-lists are pushed into the SQL (<c>id = ANY(...)</c>); a <see cref="SearchOptions.Filter"/> predicate runs here,
/// on pages of candidates that grow until k pass it. With pgvector 0.8 or later the HNSW scan is iterative
/// (<c>hnsw.iterative_scan = strict_order</c>), but it still stops after <c>hnsw.max_scan_tuples</c> rows (20 000 by
/// default; before 0.8, after <c>hnsw.ef_search</c>): when a page comes back short while the table (or the allow-list)
/// holds more rows, that query runs again as an exact scan (index scans off: the server reads and sorts every eligible
/// row), so a search returns k hits whenever k eligible rows exist, at the cost of a full read for selective filters on
/// large tables. Equal scores go to the smaller id, as in the in-process indexes: a tie at the k-th place is followed
/// through the HNSW scan for up to 64·k rows, and a longer one is settled by the same exact scan, in (distance, id) order.
/// Queries of a batch run one after another on one pooled connection (<see cref="SearchOptions.Threads"/> is not used:
/// the database spreads work across its clients). The index has no file form: <see cref="Save(string)"/> throws, because the
/// database is where it is kept. When the table is dropped while an index is open on it, that index's calls throw an
/// <see cref="InvalidOperationException"/> naming the table (opening it again creates it anew).
/// </remarks>
public sealed class PgVectorIndex : IVectorIndex
{
    /// <summary>Kind name, as in the other indexes.</summary>
    public const string Kind = "PGVECTOR";

    /// <summary>The largest dimension pgvector's HNSW index takes for its <c>vector</c> type.</summary>
    public const int MaxDimension = 2000;

    /// <summary>
    /// First key of the transaction-scoped advisory locks (<c>pg_advisory_xact_lock(key1, key2)</c>) that an open takes before
    /// it creates what is missing ("TwTw" in ASCII), so that concurrent opens find what the first one made: second key 0 before
    /// it creates the pgvector extension, and <c>hashtext('schema.table')</c> before it looks up, creates or checks the table
    /// and its HNSW index. Another program that creates these tables can take the same lock.
    /// </summary>
    public const int SetupLockClass = 0x54775477;

    private const string Marker = "twotower vector index, metric ";
    private readonly NpgsqlDataSource _source;
    private readonly bool _ownsSource;
    private readonly PgVectorOptions _options;
    private readonly string _table;
    private readonly string _operator;
    private readonly bool _iterativeScan;
    private bool _disposed;

    /// <summary>Opens (creating when missing) the index table through <paramref name="source"/>, which the caller keeps and disposes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is outside 1..<see cref="MaxDimension"/>.</exception>
    /// <exception cref="InvalidOperationException">The table exists with another dimension or metric, or pgvector is missing or older than 0.5.</exception>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public PgVectorIndex(NpgsqlDataSource source, int dimension, VectorMetric metric = VectorMetric.InnerProduct, PgVectorOptions? options = null)
        : this(source, ownsSource: false, dimension, metric, options)
    {
    }

    private PgVectorIndex(NpgsqlDataSource source, bool ownsSource, int dimension, VectorMetric metric, PgVectorOptions? options)
    {
        ArgumentNullException.ThrowIfNull(source);
        // Checked before the table is made: pgvector's vector type takes 16000 values but its HNSW index only 2000, so a wider
        // table was created and then its index refused, leaving a table no later open could use.
        if (dimension is < 1 or > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"Dimension must be in 1..{MaxDimension} (the most pgvector's HNSW index takes for the vector type).");
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected a defined VectorMetric.");
        // A copy, checked once: the settings are read on every call, and a caller's later change skipped the check
        // (InsertBatch ≤ 0 broke Add).
        _options = (options ?? new PgVectorOptions()).Copy();
        _options.Validate();
        (_source, _ownsSource, Dimension, Metric) = (source, ownsSource, dimension, metric);
        _table = QuoteName(_options.Table);
        _operator = metric == VectorMetric.L2 ? "<->" : "<#>";
        _iterativeScan = Setup();
    }

    /// <summary>Opens the index through a new pooled connection source for <paramref name="connectionString"/>, disposed with the index.</summary>
    public static PgVectorIndex Open(string connectionString, int dimension, VectorMetric metric = VectorMetric.InnerProduct, PgVectorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var source = NpgsqlDataSource.Create(connectionString);
        try
        {
            return new PgVectorIndex(source, ownsSource: true, dimension, metric, options);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <summary>A copy of the settings this index was opened with (changing it, or the object passed at open, changes nothing).</summary>
    public PgVectorOptions Options => _options.Copy();

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            ThrowIfDisposed();
            using var conn = _source.OpenConnection();
            using var cmd = new NpgsqlCommand($"SELECT count(*)::int FROM {_table}", conn);
            return (int)OnTable(cmd.ExecuteScalar)!;
        }
    }

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public bool IsTrained => true;

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors) => Train(vectors, CancellationToken.None);

    /// <summary>Nothing to learn (pgvector's HNSW needs no training); checks the rows like the other indexes do.</summary>
    public void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        VectorInput.CountRows(vectors, Dimension, nameof(vectors));
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => Add(ids, vectors, CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>One transaction: a batch that fails adds nothing, and so does a cancelled one (checked before each insert of <see cref="PgVectorOptions.InsertBatch"/> rows).</remarks>
    /// <exception cref="ArgumentException">The rows or ids are invalid, or an id is stored already, also when another writer
    /// (a second index or thread on the same table) added it while this call ran.</exception>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var rows = VectorInput.CountRows(vectors, Dimension, nameof(vectors));
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors));
        var idArray = ids.ToArray();
        using var conn = _source.OpenConnection();
        VectorInput.CheckIds(ids, rows, Stored(conn, idArray).Contains);
        // One transaction: a failed batch adds nothing.
        using var tx = conn.BeginTransaction();
        try
        {
            for (var start = 0; start < rows; start += _options.InsertBatch)
            {
                // Rolled back with the transaction when it throws: nothing of the batch is added.
                cancellationToken.ThrowIfCancellationRequested();
                var n = Math.Min(_options.InsertBatch, rows - start);
                var texts = new string[n];
                for (var i = 0; i < n; i++) texts[i] = VectorText(prepared.AsSpan((start + i) * Dimension, Dimension));
                using var insert = new NpgsqlCommand($"INSERT INTO {_table} (id, embedding) SELECT i, e::vector FROM unnest($1::bigint[], $2::text[]) AS u(i, e)", conn, tx);
                insert.Parameters.AddWithValue(idArray[start..(start + n)]);
                insert.Parameters.AddWithValue(texts);
                OnTable(insert.ExecuteNonQuery);
            }
            tx.Commit();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another writer added one of these ids after the look-up above (two indexes, or two threads, on one table):
            // the same ArgumentException as when it was stored before, naming the id when the look-up now finds it.
            tx.Rollback();
            VectorInput.CheckIds(idArray, rows, Stored(conn, idArray).Contains);
            throw new ArgumentException("An id of this batch was added by another writer while this batch was being added, " +
                "and is gone again; nothing was added. Ids must be new: retry with ids that are not stored.", nameof(ids), e);
        }
    }

    // The ids of the batch that the table holds.
    private HashSet<long> Stored(NpgsqlConnection conn, long[] ids)
    {
        var stored = new HashSet<long>();
        using var find = new NpgsqlCommand($"SELECT id FROM {_table} WHERE id = ANY($1)", conn);
        find.Parameters.AddWithValue(ids);
        using var reader = OnTable(find.ExecuteReader);
        while (reader.Read()) stored.Add(reader.GetInt64(0));
        return stored;
    }

    /// <inheritdoc/>
    public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        (options, var nq, var q, var ids, var scores) = VectorInput.StartSearch(queries, k, options, Dimension, Metric);
        Array.Fill(ids, -1);
        Array.Fill(scores, float.NegativeInfinity);
        if (nq == 0) return new SearchResults(0, k, ids, scores);
        long[]? allowed = null;
        if (options.AllowList is { } allow)
        {
            var list = new List<long>();
            for (var i = 0; i < allow.Length; i++) if (allow[i]) list.Add(i);
            allowed = list.ToArray();
        }
        // Refused as HNSW refuses it (it was quietly raised to k); above pgvector's 1000 it is capped there.
        if (options.EfSearch is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.EfSearch, "options.EfSearch must be ≥ 1.");
        var ef = Math.Min(Math.Max(options.EfSearch ?? _options.EfSearch, k + 1), 1000);
        using var conn = _source.OpenConnection();
        // SET LOCAL, ending with the transaction: a plain SET stayed on the pooled connection, and with No Reset On Close a
        // caller's own queries on a source it shares with the index ran with this search's settings.
        using var tx = conn.BeginTransaction();
        using (var set = new NpgsqlCommand($"SET LOCAL hnsw.ef_search = {ef.ToString(CultureInfo.InvariantCulture)}" + (_iterativeScan ? "; SET LOCAL hnsw.iterative_scan = strict_order" : ""), conn, tx))
            set.ExecuteNonQuery();
        var where = allowed is null ? "" : "WHERE id = ANY($3)";
        var ordered = $"SELECT id, embedding {_operator} $1::vector AS d FROM {_table} {where} ORDER BY embedding {_operator} $1::vector";
        using var cmd = new NpgsqlCommand("", conn, tx);
        var vector = cmd.Parameters.Add(new NpgsqlParameter { Value = "" });
        var limit = cmd.Parameters.Add(new NpgsqlParameter { Value = 0L });
        if (allowed is not null) cmd.Parameters.AddWithValue(allowed);
        long? eligible = null;
        var hits = new List<(long Id, float Score)>();
        for (var i = 0; i < nq; i++)
        {
            vector.Value = VectorText(q.AsSpan(i * Dimension, Dimension));
            // One row past k shows whether the k-th place ties with the next; ties go to the smaller id, as in the in-process
            // kinds (the server's order listed equal vectors by storage place), so a tie at the cut fetches on (64·k rows, then exactly).
            // A predicate filter runs here: pages grow until k rows pass it or the table has no more.
            var exact = false;
            for (long page = options.Filter is null ? k + 1L : 4L * k + 1; ;)
            {
                var rows = Fetch(cmd, exact ? ordered + ", id" : ordered, limit, page, exact, tx, options.Filter, hits);
                if (exact)
                {
                    // In (distance, id) order: the first k rows that pass are the answer.
                    if (rows < page || hits.Count >= k) break;
                }
                else if (rows < page)
                {
                    // Fewer rows than asked: either the table (or allow-list) has no more, or pgvector's HNSW scan stopped
                    // early (hnsw.max_scan_tuples; hnsw.ef_search before 0.8), and then an exact scan finds the rest.
                    eligible ??= CountEligible(conn, tx, allowed);
                    if (rows >= eligible) break;
                    exact = true;
                    continue;
                }
                else if (hits.Count > k && hits[k].Score != hits[k - 1].Score) break;
                else if (hits.Count > k && page > 64L * k)
                {
                    // A tie at the cut longer than 64·k rows: an exact scan in (distance, id) order names its smallest ids.
                    exact = true;
                    continue;
                }
                page *= 4;
            }
            hits.Sort(static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
            for (var j = 0; j < Math.Min(k, hits.Count); j++) (ids[(long)i * k + j], scores[(long)i * k + j]) = hits[j];
        }
        tx.Commit();
        return new SearchResults(nq, k, ids, scores);
    }

    // Runs one page of a search into hits (those that pass the filter, with their scores); returns the rows read.
    private int Fetch(NpgsqlCommand cmd, string ordered, NpgsqlParameter limit, long page, bool exact, NpgsqlTransaction tx,
        Func<long, bool>? filter, List<(long Id, float Score)> hits)
    {
        cmd.CommandText = ordered + " LIMIT $2";
        limit.Value = page;
        hits.Clear();
        // Exact: index scans off, so the server reads every row and sorts; the savepoint's rollback turns them on again.
        if (exact)
        {
            tx.Save("exact");
            using var off = new NpgsqlCommand("SET LOCAL enable_indexscan = off", cmd.Connection, tx);
            off.ExecuteNonQuery();
        }
        var rows = 0;
        using (var reader = OnTable(cmd.ExecuteReader))
            while (reader.Read())
            {
                rows++;
                var id = reader.GetInt64(0);
                if (filter is not null && !filter(id)) continue;
                var d = reader.GetDouble(1);
                hits.Add((id, (float)(Metric == VectorMetric.L2 ? -d * d : -d)));
            }
        if (exact)
        {
            tx.Rollback("exact");
            tx.Release("exact");
        }
        return rows;
    }

    // Rows a search can return before the filter: the table's, or those of the allow-list that are stored.
    private long CountEligible(NpgsqlConnection conn, NpgsqlTransaction tx, long[]? allowed)
    {
        using var count = new NpgsqlCommand($"SELECT count(*) FROM {_table}" + (allowed is null ? "" : " WHERE id = ANY($1)"), conn, tx);
        if (allowed is not null) count.Parameters.AddWithValue(allowed);
        return (long)OnTable(count.ExecuteScalar)!;
    }

    /// <inheritdoc/>
    public bool Remove(long id)
    {
        ThrowIfDisposed();
        using var conn = _source.OpenConnection();
        using var cmd = new NpgsqlCommand($"DELETE FROM {_table} WHERE id = $1", conn);
        cmd.Parameters.AddWithValue(id);
        return OnTable(cmd.ExecuteNonQuery) > 0;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One UPDATE of the id's row: PostgreSQL's snapshots show a search running meanwhile the old row or the new one, never
    /// neither or both. The old version is reclaimed by vacuum, as a deleted row is (<see cref="IVectorIndex.RemovedCount"/> stays 0).
    /// </remarks>
    public void Replace(long id, ReadOnlySpan<float> vector)
    {
        ThrowIfDisposed();
        VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        var prepared = VectorInput.Prepare(vector, Dimension, Metric, nameof(vector));
        using var conn = _source.OpenConnection();
        using var cmd = new NpgsqlCommand($"UPDATE {_table} SET embedding = $2::vector WHERE id = $1", conn);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(VectorText(prepared));
        if (OnTable(cmd.ExecuteNonQuery) == 0) throw VectorInput.NotStored(id);
    }

    /// <summary>Deletes every vector (TRUNCATE), keeping the table and its HNSW index: e.g. before loading a new model's items.</summary>
    public void Clear()
    {
        ThrowIfDisposed();
        using var conn = _source.OpenConnection();
        using var cmd = new NpgsqlCommand($"TRUNCATE {_table}", conn);
        OnTable(cmd.ExecuteNonQuery);
    }

    /// <summary>VACUUMs the table: PostgreSQL reclaims deleted rows and pgvector repairs the HNSW graph around them.</summary>
    public void Compact()
    {
        ThrowIfDisposed();
        using var conn = _source.OpenConnection();
        using var cmd = new NpgsqlCommand($"VACUUM {_table}", conn);
        OnTable(cmd.ExecuteNonQuery);
    }

    /// <inheritdoc cref="Save(string, CancellationToken)"/>
    public void Save(string path) => Save(path, CancellationToken.None);

    /// <summary>Not supported: the vectors are kept by PostgreSQL (back them up with the database; to get a file, add them to a <see cref="Index.Flat.FlatIndex"/> or an HNSW index).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void Save(string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"A pgvector index lives in PostgreSQL table '{_options.Table}' and is saved by the database; it has no file form. " +
            "Copy its vectors into a FlatIndex or HnswIndex to write an index file.");

    /// <summary>Disposes the connection source when the index opened it (<see cref="Open"/>); the table stays.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsSource) _source.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // Runs a command on the index's table. When the table was dropped after this index opened it (by another program, or by
    // hand while a search ran), PostgreSQL's undefined_table (42P01) reached the caller raw; it becomes the documented error.
    private T OnTable<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new InvalidOperationException($"Table '{_options.Table}' of this index no longer exists: it was dropped after the index was opened. " +
                "Open the index again to create it.", e);
        }
    }

    // Creates or checks the table and its HNSW index; returns whether pgvector can scan iteratively (0.8+).
    private bool Setup()
    {
        using var conn = _source.OpenConnection();
        // One transaction: a table is never left without its marker or its HNSW index.
        using var tx = conn.BeginTransaction();
        // Two processes opening a new table at once both found it missing and both created it, and the later one failed with
        // PostgreSQL's duplicate_table (42P07) or, before the first committed, unique_violation (23505) on pg_type; two first
        // CREATE EXTENSIONs collided the same way. So each creation step first takes a transaction-scoped advisory lock, held
        // until this transaction ends, and the later open waits there and then finds what the first one made. Always the
        // extension's lock before the table's, so that no two opens each hold a lock the other waits for.
        const string findVersion = "SELECT extversion FROM pg_extension WHERE extname = 'vector'";
        var version = Scalar(conn, findVersion) as string;
        if (version is null)
        {
            Execute(conn, $"SELECT pg_advisory_xact_lock({SetupLockClass}, 0)");
            try
            {
                Execute(conn, "CREATE EXTENSION IF NOT EXISTS vector");
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.FeatureNotSupported or PostgresErrorCodes.UndefinedFile or PostgresErrorCodes.InsufficientPrivilege)
            {
                // Not on the server (0A000; 58P01 before PostgreSQL 15), or this role may not create it: the documented error.
                throw new InvalidOperationException($"The pgvector extension is not installed in this database and could not be created ({e.MessageText}). " +
                    "Install pgvector on the server, or have the database owner run CREATE EXTENSION vector.", e);
            }
            version = Scalar(conn, findVersion) as string
                ?? throw new InvalidOperationException("The pgvector extension is not installed in this database.");
        }
        var v = Version.TryParse(version, out var parsed) ? parsed : new Version(0, 0);
        if (v < new Version(0, 5)) throw new InvalidOperationException($"pgvector {version} has no HNSW index; version 0.5 or later is needed.");
        var table = _options.Table;
        var expected = Marker + Metric;
        // The table's lock: its name with the schema it is made in (the first of the search path when none is given).
        var dot = table.LastIndexOf('.');
        using (var lockTable = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SetupLockClass}, hashtext(coalesce(nullif($1, ''), current_schema()) || '.' || $2))", conn))
        {
            lockTable.Parameters.AddWithValue(dot < 0 ? "" : table[..dot].ToLowerInvariant());
            lockTable.Parameters.AddWithValue(table[(dot + 1)..].ToLowerInvariant());
            lockTable.ExecuteNonQuery();
        }
        if (Scalar(conn, "SELECT to_regclass($1)::text", _table) is not string)
        {
            Execute(conn, $"CREATE TABLE {_table} (id bigint PRIMARY KEY, embedding vector({Dimension}) NOT NULL)");
            Execute(conn, $"COMMENT ON TABLE {_table} IS '{expected}'");
        }
        else
        {
            var type = Scalar(conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'", _table) as string;
            if (type != $"vector({Dimension})")
                throw new InvalidOperationException($"Table '{table}' holds {(type is null ? "no embedding column" : type)}; this index has dimension {Dimension}. Use another table.");
            var comment = Scalar(conn, "SELECT obj_description($1::regclass, 'pg_class')", _table) as string;
            if (comment != expected)
                throw new InvalidOperationException($"Table '{table}' was made {(comment?.StartsWith(Marker, StringComparison.Ordinal) == true ? "for metric " + comment[Marker.Length..] : "by something else")}; this index uses {Metric}. Use another table.");
        }
        // Looked up on the table, not by name: when another relation had the name (a table called t_embedding_hnsw, opened before
        // t), CREATE INDEX IF NOT EXISTS skipped it and the table was searched without an index.
        const string findHnsw = "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam " +
            "WHERE i.indrelid = $1::regclass AND a.amname = 'hnsw')";
        if (Scalar(conn, findHnsw, _table) is not true)
        {
            var ops = Metric == VectorMetric.L2 ? "vector_l2_ops" : "vector_ip_ops";
            var name = table[(table.LastIndexOf('.') + 1)..] + "_embedding_hnsw";
            // The usual name when it is free and within PostgreSQL's 63 bytes; else PostgreSQL picks a free one.
            var free = name.Length <= 63 && Scalar(conn, "SELECT to_regclass($1)::text", QuoteName(SchemaOf(table) + name)) is not string;
            var named = free ? QuoteName(name) + " " : "";
            Execute(conn, $"CREATE INDEX {named}ON {_table} USING hnsw (embedding {ops}) WITH (m = {_options.M}, ef_construction = {_options.EfConstruction})");
        }
        tx.Commit();
        return v >= new Version(0, 8);
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection conn, string sql, string? parameter = null)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        if (parameter is not null) cmd.Parameters.AddWithValue(parameter);
        var value = cmd.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    // "schema." of a qualified table name, else "" (an unqualified index name is made in the table's schema).
    private static string SchemaOf(string table) => table[..(table.LastIndexOf('.') + 1)];

    // Each part folded to lower case, as PostgreSQL folds an unquoted name (so tables made unquoted before keep their name),
    // then double-quoted, so that reserved words such as user or order are table names too (they were syntax errors).
    // Validate has already limited the parts to letters, digits and underscores.
    private static string QuoteName(string name) =>
        string.Join('.', name.Split('.').Select(part => "\"" + part.ToLowerInvariant() + "\""));

    // pgvector's text form, '[x1,x2,...]', with round-trippable floats.
    private static string VectorText(ReadOnlySpan<float> v)
    {
        var sb = new StringBuilder(v.Length * 10 + 2).Append('[');
        for (var i = 0; i < v.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(v[i].ToString("R", CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }
}
