namespace TwoTower.MLNet.PgVector;

/// <summary>Settings of a <see cref="PgVectorIndex"/>: where its table is and how pgvector builds and searches its HNSW index.</summary>
public sealed class PgVectorOptions
{
    /// <summary>Table holding the vectors (created when missing; default "twotower_items"). Letters, digits and underscores, optionally schema-qualified; folded to lower case as PostgreSQL folds an unquoted name, and quoted in the SQL, so reserved words such as "user" are table names too.</summary>
    public string Table { get; set; } = "twotower_items";

    /// <summary>HNSW links per node (pgvector's <c>m</c>, default 16).</summary>
    public int M { get; set; } = 16;

    /// <summary>Candidate list size while building (pgvector's <c>ef_construction</c>, default 64).</summary>
    public int EfConstruction { get; set; } = 64;

    /// <summary>Candidate list size while searching, unless <see cref="Index.SearchOptions.EfSearch"/> says otherwise (default 64; raised to k + 1 when smaller, since one row past k shows a tie at the cut, and capped at pgvector's 1000).</summary>
    public int EfSearch { get; set; } = 64;

    /// <summary>Rows per INSERT statement when adding (default 1000).</summary>
    public int InsertBatch { get; set; } = 1000;

    // A new object with the same settings.
    internal PgVectorOptions Copy() => (PgVectorOptions)MemberwiseClone();

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or the table name is not a plain identifier.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Table) || !System.Text.RegularExpressions.Regex.IsMatch(Table, @"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$"))
            throw new ArgumentException($"Table '{Table}' is not a plain identifier (letters, digits, underscores; optionally schema.table).", nameof(Table));
        if (M is < 2 or > 100) throw new ArgumentOutOfRangeException(nameof(M), M, "M must be in 2..100 (pgvector's range).");
        if (EfConstruction < 2 * M || EfConstruction > 1000)
            throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, $"EfConstruction must be in {2 * M}..1000 (at least 2·M, pgvector's rule).");
        if (EfSearch is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "EfSearch must be in 1..1000 (pgvector's range).");
        if (InsertBatch < 1) throw new ArgumentOutOfRangeException(nameof(InsertBatch), InsertBatch, "InsertBatch must be ≥ 1.");
    }
}
