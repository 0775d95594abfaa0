using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// Gives a vector in a model's user space to a user the model did not train on, from the items the user interacted
/// with (catalogue keys) and the user's features, without retraining ("fold-in").
/// </summary>
public interface INewUserEmbedder
{
    /// <summary>How the vector is made ("softmax_fold_in", "mean_of_items"), for logs and /health.</summary>
    string Method { get; }

    /// <summary>Width of the vectors.</summary>
    int Dimension { get; }

    /// <summary>
    /// Writes the user's vector into <paramref name="vector"/> (length <see cref="Dimension"/>). Items without a vector
    /// (unknown keys) are skipped; with no usable item and no features the model's cold-start vector is written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="vector"/> has the wrong length.</exception>
    void Embed(ReadOnlySpan<int> history, UserRecord? features, Span<float> vector);
}
