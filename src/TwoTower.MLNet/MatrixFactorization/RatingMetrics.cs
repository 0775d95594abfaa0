using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>Rating-prediction error (what ML.NET's regression evaluator reports for MatrixFactorizationTrainer).</summary>
/// <param name="RootMeanSquaredError">√(mean (r̂ − r)²).</param>
/// <param name="MeanAbsoluteError">mean |r̂ − r|.</param>
/// <param name="Count">Number of rated pairs evaluated.</param>
/// <param name="UnknownRows">Rows skipped because the item is unknown to the model (unknown users get the cold-start answer).</param>
public sealed record RatingMetrics(double RootMeanSquaredError, double MeanAbsoluteError, int Count, int UnknownRows)
{
    /// <summary>RMSE and MAE of predictions against actual ratings.</summary>
    public static RatingMetrics Compute(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"predicted has {predicted.Length} values and actual {actual.Length}; they must be equal.", nameof(predicted));
        if (predicted.IsEmpty) throw new ArgumentException("No ratings to evaluate.", nameof(predicted));
        double se = 0, ae = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            double e = predicted[i] - actual[i];
            se += e * e;
            ae += Math.Abs(e);
        }
        return new RatingMetrics(Math.Sqrt(se / predicted.Length), ae / predicted.Length, predicted.Length, 0);
    }

    /// <summary>
    /// Evaluates a model on rated interactions. Ids are matched by raw id, so <paramref name="test"/> may use its own maps;
    /// unknown users get the model's cold-start answer, rows with unknown items are skipped and counted.
    /// </summary>
    public static RatingMetrics Evaluate(MatrixFactorizationModel model, Interactions test)
    {
        var result = RatingEvaluation.Evaluate(model, test);
        return new RatingMetrics(result["RMSE"], result["MAE"], result.Rows, result.UnknownItemRows);
    }
}
