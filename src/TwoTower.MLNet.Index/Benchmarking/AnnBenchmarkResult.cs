using System.Text.Json;
using System.Text.Json.Serialization;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>Outcome of one <see cref="AnnBenchmark"/> run; serialises to the <c>twotower index bench --json</c> line.</summary>
public sealed record AnnBenchmarkResult
{
    /// <summary>Index spec, e.g. "HNSW16".</summary>
    [JsonPropertyName("index")] public required string Index { get; init; }

    /// <summary>Wall-clock seconds to train and add all base vectors.</summary>
    [JsonPropertyName("build_seconds")] public required double BuildSeconds { get; init; }

    /// <summary>Saved file size divided by the vector count.</summary>
    [JsonPropertyName("bytes_per_vector")] public required double BytesPerVector { get; init; }

    /// <summary>One entry per ef / nprobe value.</summary>
    [JsonPropertyName("points")] public required IReadOnlyList<AnnBenchmarkPoint> Points { get; init; }

    /// <summary>The one-line JSON form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);
}

/// <summary>Recall and speed at one search setting.</summary>
public sealed record AnnBenchmarkPoint
{
    /// <summary>HNSW efSearch of this point (absent for other index types).</summary>
    [JsonPropertyName("ef"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Ef { get; init; }

    /// <summary>IVF nProbe of this point (absent for other index types).</summary>
    [JsonPropertyName("nprobe"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? NProbe { get; init; }

    /// <summary>Mean recall@k against the ground truth.</summary>
    [JsonPropertyName("recall")] public required double Recall { get; init; }

    /// <summary>Queries per second with all queries in one Search call.</summary>
    [JsonPropertyName("qps_batch")] public required double QpsBatch { get; init; }

    /// <summary>Queries per second with one query per Search call.</summary>
    [JsonPropertyName("qps_single")] public required double QpsSingle { get; init; }
}
