namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>A source of candidates (ANN over model vectors, "because you watched", popularity, …).</summary>
public interface ICandidateSource
{
    /// <summary>Name used in configuration and reported with every candidate (e.g. "twotower", "itemknn", "popularity").</summary>
    string Name { get; }

    /// <summary>
    /// Appends up to <paramref name="quota"/> candidates for <paramref name="query"/> to <paramref name="output"/>, best first,
    /// each item at most once and only items that <see cref="CandidateQuery.Allows"/>. Thread-safe.
    /// </summary>
    void Generate(CandidateQuery query, int quota, List<Candidate> output);
}
