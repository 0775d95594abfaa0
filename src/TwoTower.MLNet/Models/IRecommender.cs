using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Models;

/// <summary>
/// A trained model that scores users against the whole item catalogue. The evaluator and the
/// recommender use only this interface, so every model (baselines, MF, two-tower) plugs in the same way.
/// </summary>
public interface IRecommender
{
    /// <summary>Model type name, as written in the model file (e.g. "popularity").</summary>
    string ModelType { get; }

    /// <summary>Users known to the model.</summary>
    Data.IdMap Users { get; }

    /// <summary>The item catalogue: every item the model can score.</summary>
    Data.IdMap Items { get; }

    /// <summary>
    /// Scores every item for each user: <paramref name="scores"/> is row-major userKeys.Length × Items.Count.
    /// A user key of -1 means a user unknown to the model; the model gives its cold-start answer.
    /// Higher is better. Implementations are thread-safe for concurrent calls.
    /// </summary>
    void Score(ReadOnlySpan<int> userKeys, Span<float> scores);

    /// <summary>Writes the model's sections (parameters, id maps, hyper-parameters) into a container.</summary>
    void Save(ModelContainerWriter writer);

    /// <summary>Facts to report after training (sizes, hyper-parameters, training summary), JSON-friendly values.</summary>
    IReadOnlyDictionary<string, object?> Describe();
}

/// <summary>
/// A model whose scores are inner products of a user vector and an item vector, so that
/// retrieval can go through a vector index.
/// </summary>
public interface IEmbeddingRecommender : IRecommender
{
    /// <summary>Vector dimension.</summary>
    int Dimension { get; }

    /// <summary>Item vectors, row-major Items.Count × Dimension.</summary>
    ReadOnlyMemory<float> ItemVectors { get; }

    /// <summary>Writes the user vector of each key into <paramref name="vectors"/> (row-major keys × Dimension); -1 = unknown user.</summary>
    void EmbedUsers(ReadOnlySpan<int> userKeys, Span<float> vectors);
}
