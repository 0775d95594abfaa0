using Parquet;
using Parquet.Schema;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Batch;

/// <summary>
/// Batch recommendations as a Parquet file: columns <c>user_id</c> (string), <c>rank</c> (int32, 1-based),
/// <c>item_id</c> (string) and <c>score</c> (float), one row per recommended item, plus key-value metadata (model,
/// k, shard...). Any Parquet reader (Spark, pandas/pyarrow, DuckDB, Parquet.Net) reads it.
/// </summary>
public static class RecommendationParquet
{
    /// <summary>Rows per row group of <see cref="WriteAsync(string, BatchRecommendations, IReadOnlyDictionary{string, string}?, CancellationToken)"/> (batch runs: <see cref="BatchScoringOptions.RowsPerChunk"/>): bounded memory for readers and writers of large shards.</summary>
    public const int RowGroupSize = 1 << 20;

    private static readonly ParquetSchema Schema = new(
        new DataField<string>("user_id"), new DataField<int>("rank"), new DataField<string>("item_id"), new DataField<float>("score"));

    /// <summary>Writes <paramref name="recommendations"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static Task WriteAsync(string path, BatchRecommendations recommendations, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        return WriteAsync(path, Split(recommendations), metadata, cancellationToken);
    }

    /// <summary>
    /// Writes one row group per element of <paramref name="rowGroups"/> (empty ones are left out), enumerating them while
    /// the file is written, so a lazy sequence (<see cref="BatchScoringRun.Chunks"/>) streams through bounded memory.
    /// The file appears at <paramref name="path"/> only when the sequence is complete (see <see cref="AtomicFile"/>).
    /// </summary>
    public static Task WriteAsync(string path, IEnumerable<BatchRecommendations> rowGroups, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rowGroups);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(Schema, stream, cancellationToken: cancellationToken);
            if (metadata is not null) writer.CustomMetadata = metadata;
            var written = 0;
            foreach (var group in rowGroups)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (group.Count == 0) continue;
                await WriteGroup(writer, group, cancellationToken);
                written++;
            }
            // A file without rows still gets one (empty) row group, so readers see the schema and the metadata.
            if (written == 0) await WriteGroup(writer, new BatchRecommendations([], [], [], []), cancellationToken);
        }, cancellationToken);
    }

    private static async Task WriteGroup(ParquetWriter writer, BatchRecommendations rows, CancellationToken cancellationToken)
    {
        var fields = Schema.DataFields;
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(fields[0], rows.UserIds, null);
        await group.WriteAsync<int>(fields[1], rows.Ranks, null, null, cancellationToken);
        await group.WriteAsync(fields[2], rows.ItemIds, null);
        await group.WriteAsync<float>(fields[3], rows.Scores, null, null, cancellationToken);
        group.CompleteValidate();
    }

    // Pieces of at most RowGroupSize rows.
    private static IEnumerable<BatchRecommendations> Split(BatchRecommendations all)
    {
        if (all.Count <= RowGroupSize)
        {
            yield return all;
            yield break;
        }
        for (var start = 0; start < all.Count; start += RowGroupSize)
        {
            var n = Math.Min(RowGroupSize, all.Count - start);
            yield return new BatchRecommendations(all.UserIds[start..(start + n)], all.Ranks[start..(start + n)], all.ItemIds[start..(start + n)], all.Scores[start..(start + n)]);
        }
    }

    /// <summary>Reads a file written by <see cref="WriteAsync(string, IEnumerable{BatchRecommendations}, IReadOnlyDictionary{string, string}?, CancellationToken)"/>, with its metadata.</summary>
    /// <exception cref="InvalidDataException">The file is not Parquet or lacks one of the four columns.</exception>
    public static async Task<(BatchRecommendations Recommendations, IReadOnlyDictionary<string, string> Metadata)> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"File '{path}' does not exist.", path);
        await using var stream = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' is not a Parquet file ({ex.Message}).", ex);
        }
        await using (reader)
        {
            DataField Field(string name) => reader.Schema.DataFields.FirstOrDefault(f => f.Name == name)
                ?? throw new InvalidDataException($"'{path}' has no '{name}' column; expected user_id, rank, item_id and score.");
            var (user, rank, item, score) = (Field("user_id"), Field("rank"), Field("item_id"), Field("score"));
            var total = reader.RowGroups.Sum(g => g.RowCount);
            var users = new string?[total];
            var ranks = new int[total];
            var items = new string?[total];
            var scores = new float[total];
            var at = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = (int)group.RowCount;
                await group.ReadAsync(user, users.AsMemory(at, n), null, cancellationToken);
                await group.ReadAsync<int>(rank, ranks.AsMemory(at, n), null, cancellationToken);
                await group.ReadAsync(item, items.AsMemory(at, n), null, cancellationToken);
                await group.ReadAsync<float>(score, scores.AsMemory(at, n), null, cancellationToken);
                at += n;
            }
            string[] NonNull(string?[] column, string name) =>
                Array.ConvertAll(column, v => v ?? throw new InvalidDataException($"'{path}' has a null {name}."));
            return (new BatchRecommendations(NonNull(users, "user_id"), ranks, NonNull(items, "item_id"), scores), new Dictionary<string, string>(reader.CustomMetadata));
        }
    }
}
