using System.Collections;
using System.Diagnostics;
using Npgsql;
using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.PgVector.Tests;

[TestClass]
public sealed class PgVectorIndexTests
{
    private const int D = 16;

    private static float[] Random(int rows, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * D).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static long[] Ids(int n, long offset = 0) => Enumerable.Range(0, n).Select(i => i + offset).ToArray();

    private static PgVectorIndex Open(VectorMetric metric = VectorMetric.InnerProduct, string? table = null, int dimension = D) =>
        PgVectorIndex.Open(TestDatabase.ConnectionString, dimension, metric, new PgVectorOptions { Table = table ?? TestDatabase.NewTable(), EfSearch = 100 });

    private static float Exact(VectorMetric metric, ReadOnlySpan<float> q, ReadOnlySpan<float> x)
    {
        double dot = 0, qq = 0, xx = 0, l2 = 0;
        for (var j = 0; j < q.Length; j++)
        {
            dot += q[j] * x[j];
            qq += q[j] * q[j];
            xx += x[j] * x[j];
            l2 += (q[j] - x[j]) * (q[j] - x[j]);
        }
        return (float)(metric switch { VectorMetric.L2 => -l2, VectorMetric.Cosine => dot / Math.Sqrt(qq * xx), _ => dot });
    }

    // Exact top-k ids of query row i among the eligible rows.
    private static long[] BruteForce(VectorMetric metric, float[] x, float[] q, int i, int k, Func<long, bool>? eligible = null) =>
        Enumerable.Range(0, x.Length / D).Where(r => eligible?.Invoke(r) ?? true)
            .OrderByDescending(r => Exact(metric, q.AsSpan(i * D, D), x.AsSpan(r * D, D))).Take(k).Select(r => (long)r).ToArray();

    [TestMethod]
    [DataRow(VectorMetric.InnerProduct)]
    [DataRow(VectorMetric.Cosine)]
    [DataRow(VectorMetric.L2)]
    public void Search_RandomVectors_MatchesBruteForceWithExactScores(VectorMetric metric)
    {
        const int n = 1500, nq = 20, k = 10;
        var x = Random(n, 1);
        var q = Random(nq, 2);
        using var index = Open(metric);
        index.Add(Ids(n), x);
        Assert.AreEqual(n, index.Count);
        var r = index.Search(q, k);
        var hits = 0;
        for (var i = 0; i < nq; i++)
        {
            var truth = BruteForce(metric, x, q, i, k);
            hits += r.Ids.Skip(i * k).Take(k).Count(truth.Contains);
            for (var j = 0; j < k; j++)
            {
                var id = r.Ids[i * k + j];
                Assert.AreEqual(Exact(metric, q.AsSpan(i * D, D), x.AsSpan((int)id * D, D)), r.Scores[i * k + j], 1e-4f, $"score of id {id}");
                if (j > 0) Assert.IsLessThanOrEqualTo(r.Scores[i * k + j - 1], r.Scores[i * k + j], "best first");
            }
        }
        Assert.IsGreaterThanOrEqualTo(0.95, hits / (double)(nq * k), $"recall@{k} against brute force");
    }

    [TestMethod]
    public void Search_AllowListAndFilter_ReturnOnlyEligibleIdsAndAllKOfThem()
    {
        const int n = 1000, k = 10;
        var x = Random(n, 3);
        var q = Random(5, 4);
        using var index = Open(VectorMetric.L2);
        index.Add(Ids(n), x);
        var allow = new BitArray(n);
        for (var i = 0; i < n; i += 20) allow[i] = true;
        var byList = index.Search(q, k, new SearchOptions { AllowList = allow });
        Assert.IsTrue(byList.Ids.All(id => id >= 0 && allow[(int)id]), "allow-list");
        var byFilter = index.Search(q, k, new SearchOptions { Filter = id => id % 23 == 0 });
        Assert.IsTrue(byFilter.Ids.All(id => id >= 0 && id % 23 == 0), "predicate filter, 44 eligible rows: every slot is filled");
        // HNSW is approximate (and pgvector draws its levels at random): recall against the filtered brute force, not equality.
        var hits = Enumerable.Range(0, 5).Sum(i => byFilter.Ids.Skip(i * k).Take(k).Count(BruteForce(VectorMetric.L2, x, q, i, k, id => id % 23 == 0).Contains));
        Assert.IsGreaterThanOrEqualTo(0.9, hits / 50.0, "filtered recall@10");
        var few = index.Search(q, k, new SearchOptions { Filter = id => id < 3 });
        CollectionAssert.AreEqual(new long[] { -1, -1, -1, -1, -1, -1, -1 }, few.Ids.Skip(3).Take(7).ToArray(), "missing hits are -1");
        Assert.IsTrue(float.IsNegativeInfinity(few.Scores[9]));
    }

    [TestMethod]
    public void RemoveAndCompact_RemovedIdsAreNeverReturned()
    {
        const int n = 600;
        var x = Random(n, 5);
        using var index = Open(VectorMetric.Cosine);
        index.Add(Ids(n), x);
        for (var id = 0; id < n; id += 3) Assert.IsTrue(index.Remove(id));
        Assert.IsFalse(index.Remove(0), "an id is removed once");
        Assert.IsFalse(index.Remove(10_000), "unknown id");
        Assert.AreEqual(n - 200, index.Count);
        index.Compact();
        // Queries at removed vectors: their own ids would otherwise be the best hits.
        var r = index.Search(x.AsSpan(0, 30 * D).ToArray(), 5);
        Assert.IsTrue(r.Ids.All(id => id >= 0 && id % 3 != 0));
        index.Add([0], x.AsSpan(0, D));
        Assert.AreEqual(0, index.Search(x.AsSpan(0, D), 1).Ids[0], "a removed id can be added again");
    }

    [TestMethod]
    public void Add_BadInput_FailsWithTheIndexesMessagesAndAddsNothing()
    {
        using var index = Open();
        index.Add([1, 2], Random(2, 6));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([3], new float[D + 1])).Message, "not a multiple of the index dimension 16");
        var nan = new float[D];
        nan[4] = float.NaN;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([3], nan)).Message, "row 0, column 4 is NaN");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([3, 3], Random(2, 7))).Message, "Id 3 appears twice in this batch");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([4, 2], Random(2, 8))).Message, "Id 2 is already in the index");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([-5], Random(1, 9))).Message, "Id -5 is negative");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Search(new float[D - 1], 1)).Message, "not a multiple of the index dimension 16");
        Assert.AreEqual("k", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search(new float[D], 0)).ParamName);
        // As the in-process HNSW index (found by an audit: 0 was quietly raised to k).
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search(new float[D], 1, new SearchOptions { EfSearch = 0 })).Message,
            "options.EfSearch must be ≥ 1");
        Assert.AreEqual(2, index.Search(new float[D], 2, new SearchOptions { EfSearch = 5000 }).Ids.Count(id => id >= 0), "past pgvector's 1000: capped there");
        Assert.AreEqual(2, index.Count, "no failed call added a row");
    }

    [TestMethod]
    public void Add_AnIdAnotherWriterAddedAfterTheCheck_FailsWithTheIndexesMessageAndAddsNothing()
    {
        // Found by an audit: two writers adding the same new id both passed the look-up of stored ids, and the later INSERT
        // failed with PostgreSQL's unique_violation (a raw PostgresException 23505) instead of the ArgumentException of the
        // other kinds. Here the other writer's row is committed just before this index sends its INSERT (a hook on Npgsql's
        // command tracing, which runs before the command is written), so the race happens every time.
        var table = TestDatabase.NewTable();
        var sneaked = false;
        var builder = new NpgsqlDataSourceBuilder(TestDatabase.ConnectionString);
        builder.ConfigureTracing(t => t.ConfigureCommandEnrichmentCallback((_, command) =>
        {
            if (sneaked || !command.CommandText.StartsWith("INSERT", StringComparison.Ordinal)) return;
            sneaked = true;
            TestDatabase.Scalar($"INSERT INTO {table} (id, embedding) VALUES (7, '[{string.Join(",", Enumerable.Repeat(1, D))}]')");
        }));
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = builder.Build();
        using var index = new PgVectorIndex(source, D, VectorMetric.InnerProduct, new PgVectorOptions { Table = table });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => index.Add([5, 6, 7, 8], Random(4, 17)));
        Assert.IsTrue(sneaked, "the other writer's row went in between the look-up and the INSERT");
        StringAssert.Contains(ex.Message, "Id 7 is already in the index");
        Assert.AreEqual("ids", ex.ParamName);
        Assert.AreEqual(1, index.Count, "the failed batch added nothing");
        index.Add([5, 6, 8], Random(3, 18));
        Assert.AreEqual(4, index.Count);
    }

    [TestMethod]
    public void Add_SameNewIdFromTwoIndexesAtOnce_OneAddsItAndTheOtherGetsTheArgumentException()
    {
        // The race itself, two index objects on one table adding the same new id from two threads: before the mapping of
        // unique_violation, about a third of 60 rounds on PGlite ended in a raw PostgresException 23505.
        var table = TestDatabase.NewTable();
        using var a = Open(VectorMetric.L2, table);
        using var b = Open(VectorMetric.L2, table);
        for (var id = 0L; id < 40; id++)
        {
            using var go = new ManualResetEventSlim();
            var vector = Random(1, (int)id);
            Exception? Run(PgVectorIndex index)
            {
                go.Wait();
                try
                {
                    index.Add([id], vector);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }
            var first = Task.Run(() => Run(a));
            var second = Task.Run(() => Run(b));
            go.Set();
            var failures = new[] { first.Result, second.Result }.OfType<Exception>().ToArray();
            Assert.HasCount(1, failures, $"id {id}: one of the two adds it");
            Assert.IsInstanceOfType<ArgumentException>(failures[0], $"id {id}: {failures[0]}");
            StringAssert.Contains(failures[0].Message, $"Id {id} is already in the index");
        }
        Assert.AreEqual(40, a.Count);
    }

    [TestMethod]
    public void Add_AConflictWhoseRowIsGoneAgain_IsStillAnArgumentException()
    {
        // The other writer's row can be gone by the time the ids are looked up again (its transaction rolled back, or a
        // Remove): there is then no id to name, but the failure is still the caller's ArgumentException, not the driver's.
        // A trigger makes the conflict: before the INSERT it adds id 2 in the same transaction, which the failure rolls back.
        var table = TestDatabase.NewTable();
        using var index = Open(table: table);
        TestDatabase.Scalar($"CREATE FUNCTION {table}_sneak() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
            $"IF pg_trigger_depth() = 1 THEN INSERT INTO {table} (id, embedding) VALUES (2, '[{string.Join(",", Enumerable.Repeat(1, D))}]'); END IF; " +
            $"RETURN NULL; END $$; CREATE TRIGGER sneak BEFORE INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_sneak()");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => index.Add([1, 2, 3], Random(3, 19)));
        StringAssert.Contains(ex.Message, "was added by another writer while this batch was being added");
        Assert.IsInstanceOfType<PostgresException>(ex.InnerException);
        Assert.AreEqual(0, index.Count);
    }

    [TestMethod]
    public void Replace_ChangesTheVectorOrFailsAsTheOtherKindsDo()
    {
        const int n = 50;
        var x = Random(n, 11);
        var y = Random(n, 12);
        using var index = Open(VectorMetric.L2);
        index.Add(Ids(n), x);
        for (var id = 0; id < 10; id++) index.Replace(id, y.AsSpan(id * D, D));
        Assert.AreEqual(n, index.Count, "a replace keeps the count");
        Assert.AreEqual(0, ((IVectorIndex)index).RemovedCount, "PostgreSQL's vacuum reclaims the old versions");
        for (var id = 0; id < 10; id++)
        {
            var r = index.Search(y.AsSpan(id * D, D), n);
            Assert.AreEqual(1, r.Ids.Count(i => i == id), $"id {id} listed once");
            Assert.AreEqual(0f, r.Scores[Array.IndexOf(r.Ids, (long)id)], 1e-4f, $"id {id} has its new vector");
        }
        Assert.IsTrue(index.Remove(20));
        StringAssert.Contains(Assert.ThrowsExactly<KeyNotFoundException>(() => index.Replace(20, x.AsSpan(0, D))).Message, "Id 20 is not in the index");
        StringAssert.Contains(Assert.ThrowsExactly<KeyNotFoundException>(() => index.Replace(10_000, x.AsSpan(0, D))).Message, "Id 10000 is not in the index");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Replace(1, new float[D + 1])).Message, "expected one vector of the index dimension 16");
        var nan = new float[D];
        nan[4] = float.NaN;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Replace(1, nan)).Message, "row 0, column 4 is NaN");
        Assert.AreEqual(0f, index.Search(y.AsSpan(D, D), 1).Scores[0], 1e-4f, "a refused replace changes nothing");
        Assert.AreEqual(n - 1, index.Count);
    }

    [TestMethod]
    public void Replace_WhileSearching_TheIdIsListedOnce()
    {
        // One UPDATE: a search sees the row's old version or its new one (a DELETE then an INSERT left a moment with neither).
        const int n = 40;
        var x = Random(n, 13);
        using var index = Open();
        index.Add(Ids(n), x);
        var vectors = new[] { x.AsSpan(3 * D, D).ToArray(), Random(1, 14) };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int searches = 0;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var listed = index.Search(x.AsSpan(0, D), n).Ids.Count(id => id == 3);
                if (listed != 1) errors.Enqueue($"id 3 listed {listed} times");
                Interlocked.Increment(ref searches);
            }
        });
        for (var i = 1; i <= 150 && errors.IsEmpty; i++) index.Replace(3, vectors[i % 2]);
        stop.Cancel();
        reader.Wait();
        Assert.IsTrue(errors.IsEmpty, string.Join("\n", errors.Take(3)));
        Assert.IsGreaterThan(5, searches);
        Assert.AreEqual(n, index.Count);
    }

    [TestMethod]
    public void Reopen_SameTable_KeepsTheVectorsAndRefusesAnotherDimensionOrMetric()
    {
        var table = TestDatabase.NewTable();
        using (var first = Open(VectorMetric.InnerProduct, table)) first.Add(Ids(50), Random(50, 10));
        using (var again = Open(VectorMetric.InnerProduct, table)) Assert.AreEqual(50, again.Count, "the vectors live in the database");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => Open(VectorMetric.InnerProduct, table, dimension: 8)).Message,
            $"Table '{table}' holds vector(16); this index has dimension 8");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => Open(VectorMetric.L2, table)).Message,
            $"Table '{table}' was made for metric InnerProduct; this index uses L2");
    }

    // A source whose commands, in the order sent, are recorded; onCommand runs before each is written to the server.
    private static NpgsqlDataSource Traced(Action<string> onCommand, out ActivityListener listener, string? connectionString = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString ?? TestDatabase.ConnectionString);
        builder.ConfigureTracing(t => t.ConfigureCommandEnrichmentCallback((_, command) => onCommand(command.CommandText)));
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        return builder.Build();
    }

    // Where the first command starting with start is in commands; fails when there is none.
    private static int Position(List<string> commands, string start)
    {
        var at = commands.FindIndex(c => c.StartsWith(start, StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(0, at, $"'{start}' among: {string.Join("\n", commands)}");
        return at;
    }

    [TestMethod]
    public void Open_TakesTheTablesSetupLockBeforeItLooksUpOrCreatesTheTable()
    {
        // Found by an audit: two processes opening a new table at once both found it missing and both ran CREATE TABLE, and the
        // later one failed with PostgreSQL's duplicate_table (42P07) or, before the first committed, a unique_violation (23505) on
        // pg_type. PGlite cannot show that race (its connections share one backend and its socket server runs one transaction at
        // a time), so this checks what makes the opens take turns: the table's transaction-scoped lock comes before its look-up.
        var commands = new List<string>();
        using var source = Traced(commands.Add, out var listener);
        using (listener)
        using (var index = new PgVectorIndex(source, D, VectorMetric.L2, new PgVectorOptions { Table = TestDatabase.NewTable() }))
            index.Add([1], Random(1, 25));
        var tableLock = $"SELECT pg_advisory_xact_lock({PgVectorIndex.SetupLockClass}, hashtext(";
        var locked = Position(commands, tableLock);
        Assert.IsLessThan(Position(commands, "SELECT to_regclass"), locked);
        Assert.IsLessThan(Position(commands, "CREATE TABLE"), locked);
        Assert.IsLessThan(Position(commands, "CREATE INDEX"), locked);
        Assert.AreEqual(1, commands.Count(c => c.StartsWith(tableLock, StringComparison.Ordinal)), "taken once, by the open only");
    }

    [TestMethod]
    public void Open_TakesTheExtensionsSetupLockBeforeItCreatesTheExtension()
    {
        // As above for CREATE EXTENSION IF NOT EXISTS, which two first opens in a database ran at once (unique_violation on
        // pg_extension); shown on the server without pgvector, where every open tries to create it.
        var commands = new List<string>();
        using var source = Traced(commands.Add, out var listener, TestDatabase.WithoutPgvector());
        using (listener)
            Assert.ThrowsExactly<InvalidOperationException>(() => new PgVectorIndex(source, D));
        Assert.IsLessThan(Position(commands, "CREATE EXTENSION"), Position(commands, $"SELECT pg_advisory_xact_lock({PgVectorIndex.SetupLockClass}, 0)"));
    }

    [TestMethod]
    [DataRow(D)]
    [DataRow(8)]
    public void Open_AnotherOpenWhileTheFirstCreatesTheTable_OpensTheSameTableOrGetsTheDimensionError(int otherDimension)
    {
        // The race itself: when this open is about to send CREATE TABLE (its look-up found no table), a second open of the same
        // table starts and gets a second to run. Without the setup lock, on a PostgreSQL server the second open finds no table
        // either and creates it, and this one then fails with duplicate_table; with it, the second waits for this open to
        // commit and then checks the table it made. On PGlite the second open waits for this transaction in any case (one
        // backend), so there this shows that concurrent opens neither deadlock nor fail; the race needs TWOTOWER_PG.
        var table = TestDatabase.NewTable();
        Task<Exception?>? other = null;
        using var source = Traced(sql =>
        {
            if (other is not null || !sql.StartsWith("CREATE TABLE", StringComparison.Ordinal)) return;
            other = Task.Run(() =>
            {
                try
                {
                    using var second = Open(VectorMetric.InnerProduct, table, otherDimension);
                    second.Add([2], new float[otherDimension]);
                    return (Exception?)null;
                }
                catch (Exception e)
                {
                    return e;
                }
            });
            other.Wait(TimeSpan.FromSeconds(1));
        }, out var listener);
        using (listener)
        {
            using var first = new PgVectorIndex(source, D, VectorMetric.InnerProduct, new PgVectorOptions { Table = table });
            first.Add([1], Random(1, 26));
            Assert.IsNotNull(other, "the second open started while the first was creating the table");
            var error = other.Result;
            if (otherDimension == D)
            {
                Assert.IsNull(error, error?.ToString());
                Assert.AreEqual(2, first.Count, "both opens use the one table");
            }
            else
            {
                Assert.IsInstanceOfType<InvalidOperationException>(error, error?.ToString());
                StringAssert.Contains(error.Message, $"Table '{table}' holds vector(16); this index has dimension 8");
            }
        }
        Assert.AreEqual(1L, TestDatabase.Scalar($"SELECT count(*) FROM pg_index WHERE indrelid = '{table}'::regclass AND NOT indisprimary"), "one HNSW index");
    }

    [TestMethod]
    public void Calls_AfterTheTableWasDropped_FailWithAnErrorNamingTheTable()
    {
        // Found by an audit: when the table was dropped while an index was open on it (by hand, or by another program, also
        // while a search ran), every call failed with PostgreSQL's raw undefined_table (42P01) instead of the index's own error.
        var table = TestDatabase.NewTable();
        using var index = Open(VectorMetric.L2, table);
        index.Add(Ids(3), Random(3, 27));
        TestDatabase.Scalar($"DROP TABLE {table}");
        var calls = new (string Name, Action Call)[]
        {
            ("Count", () => _ = index.Count),
            ("Add", () => index.Add([5], Random(1, 28))),
            ("Search", () => index.Search(Random(1, 29), 2)),
            ("Search with an allow-list", () => index.Search(Random(1, 29), 2, new SearchOptions { AllowList = new BitArray(4, true) })),
            ("Remove", () => index.Remove(1)),
            ("Replace", () => index.Replace(1, Random(1, 30))),
            ("Clear", index.Clear),
            ("Compact", index.Compact),
        };
        foreach (var (name, call) in calls)
        {
            var ex = Assert.ThrowsExactly<InvalidOperationException>(call, name);
            StringAssert.Contains(ex.Message, $"Table '{table}' of this index no longer exists", name);
            Assert.AreEqual(PostgresErrorCodes.UndefinedTable, ((PostgresException)ex.InnerException!).SqlState, name);
        }
        using var again = Open(VectorMetric.L2, table);
        Assert.AreEqual(0, again.Count, "opening again makes the table anew");
        Assert.AreEqual(0, index.Count, "and the first index works on it again");
    }

    [TestMethod]
    public void SaveAndOptions_ExplainWhatIsNotPossible()
    {
        using var index = Open();
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => index.Save("x.ttvx")).Message, "is saved by the database; it has no file form");
        Assert.IsTrue(index.IsTrained);
        Assert.IsFalse(index.IsExact);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PgVectorOptions { Table = "items; DROP TABLE x" }.Validate()).Message, "is not a plain identifier");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PgVectorOptions { M = 16, EfConstruction = 20 }.Validate()).Message, "EfConstruction must be in 32..1000");
        index.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => _ = index.Count);
    }

    [TestMethod]
    public void Options_ChangedAfterOpen_ChangeNothing()
    {
        // Found by an audit: the index kept the caller's PgVectorOptions, checked once at open and read again on every call, so
        // InsertBatch = -1 set afterwards (on the caller's object or on index.Options) made Add fail with an OverflowException
        // (0 made it loop for ever), and a new Table made Save's message name a table the index does not use.
        var table = TestDatabase.NewTable();
        var options = new PgVectorOptions { Table = table, InsertBatch = 2 };
        using var source = NpgsqlDataSource.Create(TestDatabase.ConnectionString);
        using var index = new PgVectorIndex(source, D, VectorMetric.InnerProduct, options);
        options.InsertBatch = -1;
        options.Table = "elsewhere";
        index.Options.InsertBatch = -1;
        index.Add(Ids(5), Random(5, 24));
        Assert.AreEqual(5, index.Count);
        Assert.AreEqual(2, index.Options.InsertBatch, "the settings the index was opened with");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => index.Save("x.ttvx")).Message, $"table '{table}'");
    }

    [TestMethod]
    public void Open_DimensionPastTheHnswLimit_RefusedBeforeATableIsMade()
    {
        // Found by an audit: 2001..16000 passed the check, the table was created and pgvector then refused its HNSW index,
        // leaving a table every later open failed on.
        var table = TestDatabase.NewTable();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Open(table: table, dimension: 2001));
        Assert.AreEqual("dimension", ex.ParamName);
        StringAssert.Contains(ex.Message, "Dimension must be in 1..2000");
        Assert.IsNull(TestDatabase.Scalar($"SELECT to_regclass('{table}')::text"), "no table is left behind");
        using var widest = Open(table: table, dimension: PgVectorIndex.MaxDimension);
        widest.Add([7], Enumerable.Repeat(0.5f, PgVectorIndex.MaxDimension).ToArray());
        Assert.AreEqual(7, widest.Search(Enumerable.Repeat(1f, PgVectorIndex.MaxDimension).ToArray(), 1).Ids[0]);
    }

    [TestMethod]
    [DataRow("user", "user")]
    [DataRow("Order", "order")]
    [DataRow("public.Select", "select")]
    public void Open_ReservedWordAsTableName_IsATableNameFoldedToLowerCase(string table, string stored)
    {
        // Found by an audit: the name went into the SQL unquoted, so a valid name that is a reserved word was a syntax error.
        TestDatabase.Scalar($"DROP TABLE IF EXISTS public.\"{stored}\"");
        using (var index = Open(VectorMetric.L2, table))
        {
            index.Add(Ids(3), Random(3, 11));
            Assert.AreEqual(3, index.Count);
            Assert.AreEqual(1, index.Search(Random(3, 11).AsSpan(D, D), 1).Ids[0]);
            Assert.IsTrue(index.Remove(2));
            index.Compact();
            index.Clear();
            index.Add(Ids(2), Random(2, 12));
        }
        // Folded as PostgreSQL folds an unquoted name, so tables made before quoting keep being found.
        Assert.IsNotNull(TestDatabase.Scalar($"SELECT to_regclass('public.\"{stored}\"')::text"), $"table {stored}");
        using var again = Open(VectorMetric.L2, table);
        Assert.AreEqual(2, again.Count);
    }

    [TestMethod]
    public void Open_ARelationAlreadyHasTheIndexName_TheTableStillGetsItsHnswIndex()
    {
        // Found by an audit: the HNSW index was made with CREATE INDEX IF NOT EXISTS table_embedding_hnsw, so when that name was taken
        // (here by another index table, opened first) PostgreSQL skipped it and the table was searched without an index.
        var table = TestDatabase.NewTable();
        using (var first = Open(VectorMetric.L2, table + "_embedding_hnsw")) first.Add(Ids(2), Random(2, 13));
        using (var index = Open(VectorMetric.L2, table)) index.Add(Ids(2), Random(2, 14));
        const string countHnsw = "SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam " +
            "WHERE i.indrelid = '{0}'::regclass AND a.amname = 'hnsw'";
        Assert.AreEqual(1, TestDatabase.Scalar(string.Format(System.Globalization.CultureInfo.InvariantCulture, countHnsw, table)), $"HNSW indexes on {table}");
        using (var again = Open(VectorMetric.L2, table)) Assert.AreEqual(2, again.Count);
        Assert.AreEqual(1, TestDatabase.Scalar(string.Format(System.Globalization.CultureInfo.InvariantCulture, countHnsw, table)), "reopening makes no second index");
    }

    [TestMethod]
    [DataRow(VectorMetric.InnerProduct)]
    [DataRow(VectorMetric.Cosine)]
    [DataRow(VectorMetric.L2)]
    public void ExactTies_SmallerIdFirstAsInTheOtherKinds(VectorMetric metric)
    {
        // Found by an audit: hits came in the server's order, which lists equal vectors by storage place, so of 12 copies stored
        // under descending ids k = 14 listed them out of id order and k = 3 need not be the three smallest ids (IVectorIndex.Search).
        var rng = new Random(5);
        var copy = Enumerable.Range(0, D).Select(_ => (float)rng.NextDouble()).ToArray();
        var vectors = new List<float>();
        var ids = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var dup = i % 25 == 0;
            vectors.AddRange(dup ? copy : Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f));
            ids.Add(dup ? 1000 - i : i);
        }
        using var index = Open(metric);
        // The copies are stored in descending id order.
        index.Add(ids.ToArray(), vectors.ToArray());
        var copies = ids.Where(id => id > 700).Order().ToArray();
        foreach (var k in new[] { 1, 3, 12, 14 })
        {
            var got = index.Search(copy, k).IdsOf(0).ToArray();
            CollectionAssert.AreEqual(copies.Take(k).ToArray(), got.Take(Math.Min(k, 12)).ToArray(), $"{metric} k={k}: {string.Join(",", got)}");
        }
        var allowed = new BitArray(1001);
        foreach (var id in copies.Skip(4)) allowed[(int)id] = true;
        CollectionAssert.AreEqual(copies.Skip(4).Take(3).ToArray(), index.Search(copy, 3, new SearchOptions { AllowList = allowed }).IdsOf(0).ToArray(), "allow-list");
        CollectionAssert.AreEqual(copies.Where(id => id % 2 == 0).Take(3).ToArray(), index.Search(copy, 3, new SearchOptions { Filter = id => id % 2 == 0 }).IdsOf(0).ToArray(), "filter");
    }

    [TestMethod]
    public void ExactTies_MoreThan64kCopies_SmallerIdFirstAllTheSame()
    {
        // Found by an audit: a tie at the k-th place was followed for 64·k rows and then cut, so of 300 copies stored under
        // descending ids, k = 1 and 3 were the smallest ids among the copies the scan happened to list first, not overall.
        var rng = new Random(21);
        var copy = Enumerable.Range(0, D).Select(_ => (float)rng.NextDouble()).ToArray();
        var vectors = new List<float>();
        var ids = new List<long>();
        for (var i = 0; i < 600; i++)
        {
            var dup = i % 2 == 0;
            vectors.AddRange(dup ? copy : Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f));
            ids.Add(dup ? 10_000 - i : i);
        }
        using var index = Open(VectorMetric.L2);
        index.Add(ids.ToArray(), vectors.ToArray());
        var copies = ids.Where(id => id > 5000).Order().ToArray();
        foreach (var k in new[] { 1, 3 })
            CollectionAssert.AreEqual(copies.Take(k).ToArray(), index.Search(copy, k).IdsOf(0).ToArray(), $"k={k}");
        CollectionAssert.AreEqual(copies.Where(id => id % 3 == 0).Take(2).ToArray(),
            index.Search(copy, 2, new SearchOptions { Filter = id => id % 3 == 0 }).IdsOf(0).ToArray(), "filter");
    }

    [TestMethod]
    public void Search_HnswScanStopsShort_FallsBackToAnExactScanAndReturnsAllKEligibleRows()
    {
        // Found by an audit: pgvector's iterative scan stops after hnsw.max_scan_tuples (20 000 by default), and a page that
        // came back short was taken for the end of the table, so a selective filter or allow-list returned fewer than k hits
        // although k eligible rows existed. Here the limit is lowered to 50 on this source's connections, so 2000 rows show it.
        const int n = 2000, k = 10;
        var x = Random(n, 22);
        var q = Random(3, 23);
        var builder = new NpgsqlDataSourceBuilder(TestDatabase.ConnectionString + ";No Reset On Close=true");
        builder.UsePhysicalConnectionInitializer(conn =>
        {
            using var set = new NpgsqlCommand("SET hnsw.max_scan_tuples = 50", conn);
            set.ExecuteNonQuery();
        }, _ => throw new NotSupportedException());
        using var source = builder.Build();
        try
        {
            using var index = new PgVectorIndex(source, D, VectorMetric.L2, new PgVectorOptions { Table = TestDatabase.NewTable(), EfSearch = 10 });
            index.Add(Ids(n), x);
            static bool Rare(long id) => id % 97 == 0;
            var byFilter = index.Search(q, k, new SearchOptions { Filter = Rare });
            // Allowed: the half of the rows farthest from the first query, which an HNSW scan from the query reaches last.
            var far = BruteForce(VectorMetric.L2, x, q, 0, n).Skip(n / 2).ToHashSet();
            var allow = new BitArray(n);
            foreach (var id in far) allow[(int)id] = true;
            var byList = index.Search(q.AsSpan(0, D), k, new SearchOptions { AllowList = allow });
            for (var i = 0; i < 3; i++)
                CollectionAssert.AreEqual(BruteForce(VectorMetric.L2, x, q, i, k, Rare), byFilter.IdsOf(i).ToArray(), $"filter, query {i}: {string.Join(",", byFilter.IdsOf(i).ToArray())}");
            CollectionAssert.AreEqual(BruteForce(VectorMetric.L2, x, q, 0, k, far.Contains), byList.IdsOf(0).ToArray(), $"allow-list: {string.Join(",", byList.IdsOf(0).ToArray())}");
            Assert.AreEqual(k, index.Search(q.AsSpan(0, D), k).IdsOf(0).ToArray().Count(id => id >= 0), "an unfiltered search is unchanged");
            // The exact scan turns index scans off for its one query (SET LOCAL in a savepoint), not on the connection.
            using var conn = source.OpenConnection();
            using var show = new NpgsqlCommand("SHOW enable_indexscan", conn);
            Assert.AreEqual("on", show.ExecuteScalar());
        }
        finally
        {
            using var conn = source.OpenConnection();
            using var reset = new NpgsqlCommand("RESET hnsw.max_scan_tuples", conn);
            reset.ExecuteNonQuery();
        }
    }

    [TestMethod]
    public void Search_OnACallersSource_LeavesItsConnectionsSettingsAsTheyWere()
    {
        // Found by an audit: Search ran SET hnsw.ef_search / hnsw.iterative_scan on the pooled connection; Npgsql's reset on
        // close undid that by default, but with No Reset On Close the caller's own queries on the shared source inherited them.
        var builder = new NpgsqlDataSourceBuilder(TestDatabase.ConnectionString + ";No Reset On Close=true");
        using var source = builder.Build();
        string Setting()
        {
            using var conn = source.OpenConnection();
            using var cmd = new NpgsqlCommand("SHOW hnsw.ef_search", conn);
            return (string)cmd.ExecuteScalar()!;
        }
        using var index = new PgVectorIndex(source, D, VectorMetric.InnerProduct, new PgVectorOptions { Table = TestDatabase.NewTable(), EfSearch = 100 });
        index.Add(Ids(20), Random(20, 15));
        var before = Setting();
        Assert.AreEqual(20, index.Search(Random(1, 16), 20, new SearchOptions { EfSearch = 321 }).Ids.Count(id => id >= 0));
        Assert.AreEqual(before, Setting());
    }

    [TestMethod]
    public void Open_ServerWithoutPgvector_IsTheDocumentedInvalidOperationException()
    {
        // Found by an audit: the docs promise an InvalidOperationException when pgvector is missing, but CREATE EXTENSION's
        // own failure came out as a PostgresException (0A000, extension "vector" is not available).
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => PgVectorIndex.Open(TestDatabase.WithoutPgvector(), D));
        StringAssert.Contains(ex.Message, "pgvector extension is not installed in this database and could not be created");
        StringAssert.Contains(ex.Message, "extension \"vector\" is not available");
        Assert.IsInstanceOfType<PostgresException>(ex.InnerException);
    }

    [TestMethod]
    public void Open_NoServer_ThrowsTheDriversConnectionError()
    {
        Assert.Throws<NpgsqlException>(() => PgVectorIndex.Open("Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2", D));
    }
}
