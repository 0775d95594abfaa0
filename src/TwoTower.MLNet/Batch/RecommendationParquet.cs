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
    /// <summary>Rows per row group: bounded memory for readers and writers of large shards.</summary>
    public const int RowGroupSize = 1 << 20;

    private static readonly ParquetSchema Schema = new(
        new DataField<string>("user_id"), new DataField<int>("rank"), new DataField<string>("item_id"), new DataField<float>("score"));

    /// <summary>Writes <paramref name="recommendations"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static Task WriteAsync(string path, BatchRecommendations recommendations, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(Schema, stream, cancellationToken: cancellationToken);
            if (metadata is not null) writer.CustomMetadata = metadata;
            var fields = Schema.DataFields;
            // An empty shard still gets one (empty) row group, so readers see the schema and the metadata.
            for (var start = 0; start == 0 || start < recommendations.Count; start += RowGroupSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = Math.Min(RowGroupSize, recommendations.Count - start);
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(fields[0], new ArraySegment<string>(recommendations.UserIds, start, n), null);
                await group.WriteAsync<int>(fields[1], recommendations.Ranks.AsMemory(start, n), null, null, cancellationToken);
                await group.WriteAsync(fields[2], new ArraySegment<string>(recommendations.ItemIds, start, n), null);
                await group.WriteAsync<float>(fields[3], recommendations.Scores.AsMemory(start, n), null, null, cancellationToken);
                group.CompleteValidate();
            }
        }, cancellationToken);
    }

    /// <summary>Reads a file written by <see cref="WriteAsync"/>, with its metadata.</summary>
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
