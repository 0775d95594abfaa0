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

    /// <summary>
    /// As the weighted overload, with several score rows per user: <paramref name="rowUsers"/>[r] is the index of row r's user
    /// among the batch's users, in [0, rows) (empty = every row its own user). A column that is a positive of one of a user's
    /// rows is a positive of all of them, so it is never that user's negative (pairwise losses) and is left out of every
    /// softmax of that user with <see cref="InBatchSoftmaxLoss.MaskOtherPositives"/>. Rows of the same user arise when the user
    /// tower reads the history without each example's own item (one row per example).
    /// </summary>
    float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, ReadOnlySpan<int> rowUsers, Span<float> gradScores);
}
