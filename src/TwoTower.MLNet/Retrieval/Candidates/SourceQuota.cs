using System.Text.Json.Serialization;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>How many candidates one source contributes and how much its normalised scores weigh.</summary>
/// <param name="Source">Source name (see <see cref="ICandidateSource.Name"/>).</param>
/// <param name="Quota">Maximum candidates from this source (≥ 1).</param>
/// <param name="Weight">Multiplier of the normalised score (&gt; 0 and at least 1.18E-38, the smallest normal float).</param>
public sealed record SourceQuota(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("quota")] int Quota,
    [property: JsonPropertyName("weight")] float Weight = 1f);
