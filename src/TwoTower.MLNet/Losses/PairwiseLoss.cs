namespace TwoTower.MLNet.Losses;

/// <summary>
/// The loop BPR and hinge share: every example against each batch column that is not a positive of its user (over all of the user's rows), each
/// pair weighted 1 / (examples · negatives of the row). Only the per-pair term differs.
/// </summary>
internal static class PairwiseLoss
{
    /// <summary>One pair's contribution: its weighted loss and the gradient on the negative's score (the positive gets minus it).</summary>
    public interface ITerm
    {
        /// <summary>False when the pair contributes nothing (e.g. a hinge already satisfied).</summary>
        bool Pair(float positive, float negative, double weight, out double loss, out double gradNegative);
    }

    // A struct term lets the JIT specialise and inline the per-pair call.
    public static float Compute<TTerm>(TTerm term, PositiveMask mask, ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows,
        ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, ReadOnlySpan<int> rowUsers, Span<float> gradScores) where TTerm : struct, ITerm
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        var total = LossInputs.CheckWeights(exampleWeights, exampleRows.Length);
        LossInputs.CheckRowUsers(rowUsers, rows);
        mask.Build(rows, columns, exampleRows, exampleColumns, rowUsers);
        gradScores[..(rows * columns)].Clear();
        var n = exampleRows.Length;
        double loss = 0;
        for (var b = 0; b < n; b++)
        {
            int r = exampleRows[b], pc = exampleColumns[b];
            var neg = mask.NegativeCount(r);
            if (neg == 0) continue;
            var w = (exampleWeights.IsEmpty ? 1.0 : exampleWeights[b]) / (total * neg);
            var sp = scores[r * columns + pc];
            double gPos = 0;
            for (var c = 0; c < columns; c++)
            {
                if (mask.IsPositive(r, c, columns)) continue;
                if (!term.Pair(sp, scores[r * columns + c], w, out var l, out var g)) continue;
                loss += l;
                gPos -= g;
                gradScores[r * columns + c] += (float)g;
            }
            gradScores[r * columns + pc] += (float)gPos;
        }
        return (float)loss;
    }
}
