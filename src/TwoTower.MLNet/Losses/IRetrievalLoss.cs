namespace TwoTower.MLNet.Losses;

/// <summary>
/// A retrieval loss over one batch's score matrix. Rows are the batch's distinct users, columns its
/// distinct items (positives first, then any extra negatives); example b is the positive pair
/// (exampleRows[b], exampleColumns[b]). Compute returns the mean loss over examples and overwrites
/// <c>gradScores</c> with ∂loss/∂scores. Instances keep scratch buffers: one instance per thread.
/// </summary>
public interface IRetrievalLoss
{
    /// <summary>Short name (e.g. "softmax").</summary>
    string Name { get; }

    /// <summary>Computes the mean loss and its gradient with respect to <paramref name="scores"/> (rows × columns).</summary>
    /// <param name="scores">Similarities, row-major rows × columns.</param>
    /// <param name="rows">Distinct users in the batch.</param>
    /// <param name="columns">Item columns.</param>
    /// <param name="exampleRows">Row of each example.</param>
    /// <param name="exampleColumns">Column of each example's positive item.</param>
    /// <param name="columnLogQ">log sampling probability per column (empty = no correction; losses that do not use it ignore it).</param>
    /// <param name="gradScores">Output gradient, rows × columns.</param>
    float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores);

    /// <summary>
    /// As <see cref="Compute(ReadOnlySpan{float}, int, int, ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/> with example
    /// b's loss weighted by <paramref name="exampleWeights"/>[b] (finite, &gt; 0; empty = all 1): returns Σ w_b·loss_b / Σ w_b.
    /// </summary>
    float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, Span<float> gradScores);
}
