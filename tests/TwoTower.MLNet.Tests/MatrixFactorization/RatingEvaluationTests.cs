using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.MatrixFactorization;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class RatingEvaluationTests
{
    [TestMethod]
    public void Compare_Rmse_DeltaMethodUsesEachModelsOwnRmse()
    {
        // Three users with one row each. Model MSEs 4, 1, 4 (RMSE √3); baseline 1, 1, 1 (RMSE 1).
        // Linearised per user: a_u/(2√3) − b_u/2, deviations (1, −2, 1)/(2√3): sample variance (6/12)/2 = 1/4, s.e. √(1/4)/√3 = 1/(2√3).
        // Scaling both by the baseline's 1/(2·1) would give sd(3, 0, 3)/√3 / 2 = 1/2.
        var model = Result([4, 1, 4]);
        var baseline = Result([1, 1, 1]);
        var c = RatingEvaluation.Compare(model, baseline, "RMSE");
        Assert.AreEqual(Math.Sqrt(3) - 1, c.Difference, 1e-12);
        Assert.AreEqual(1 / (2 * Math.Sqrt(3)), c.StandardError, 1e-12);
        // The p-value stays the MSE comparison's: equal RMSEs are equal MSEs.
        Assert.AreEqual(EvaluationComparison.Compare(model, baseline, "MSE").PValue, c.PValue, 1e-15);
    }

    [TestMethod]
    public void Compare_Rmse_AgainstAPerfectModel_IsTheOtherModelsOwnError()
    {
        // A model with RMSE 0 has no error to linearise: its term is 0, not 0 × ∞ (the s.e. was NaN).
        // Model MSEs 4, 1, 4: linearised a_u/(2√3) = (4, 1, 4)/(2√3), sample sd √3/(2√3) = 1/2, s.e. 1/(2√3).
        var c = RatingEvaluation.Compare(Result([4, 1, 4]), Result([0, 0, 0]), "RMSE");
        Assert.AreEqual(Math.Sqrt(3), c.Difference, 1e-12);
        Assert.AreEqual(1 / (2 * Math.Sqrt(3)), c.StandardError, 1e-12);
        Assert.AreEqual(0.0, RatingEvaluation.Compare(Result([0, 0, 0]), Result([0, 0, 0]), "RMSE").StandardError);
    }

    [TestMethod]
    public void Compare_ModelsThatScoredDifferentRows_SaysWhy()
    {
        // Models trained on different data skip different test rows (items one of them does not know).
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RatingEvaluation.Compare(Result([1, 1], [2, 1]), Result([1, 1], [1, 1]), "RMSE"));
        StringAssert.Contains(ex.Message, "user 'u0' has 2 and 1 test rows");
        StringAssert.Contains(ex.Message, "A rating evaluation leaves out the rows whose item a model does not know");
    }

    [TestMethod]
    public void Compare_Rmse_StandardErrorMatchesBootstrapOverUsers()
    {
        // Independent errors, the model's twice the baseline's: the delta-method s.e. of RMSE_a − RMSE_b must agree with a
        // bootstrap over users (a shared scale would overstate it about 1.8-fold here).
        var rng = new Random(7);
        const int users = 400;
        var (a, b, w) = (new double[users], new double[users], new double[users]);
        for (var u = 0; u < users; u++)
        {
            var rows = rng.Next(1, 30);
            w[u] = rows;
            for (var r = 0; r < rows; r++)
            {
                a[u] += Math.Pow(1.8 * Gaussian(rng), 2) / rows;
                b[u] += Math.Pow(0.9 * Gaussian(rng), 2) / rows;
            }
        }
        var c = RatingEvaluation.Compare(Result(a, w), Result(b, w), "RMSE");
        var draws = new double[2000];
        for (var s = 0; s < draws.Length; s++)
        {
            double swa = 0, swb = 0, sw = 0;
            for (var k = 0; k < users; k++)
            {
                var u = rng.Next(users);
                swa += w[u] * a[u]; swb += w[u] * b[u]; sw += w[u];
            }
            draws[s] = Math.Sqrt(swa / sw) - Math.Sqrt(swb / sw);
        }
        var mean = draws.Average();
        var bootstrap = Math.Sqrt(draws.Sum(x => (x - mean) * (x - mean)) / (draws.Length - 1));
        Assert.AreEqual(bootstrap, c.StandardError, 0.1 * bootstrap);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    // A rating result over users u0, u1, ... with these per-user MSEs (MAE set equal; unused) and row weights (1 each by default).
    private static EvaluationResult Result(double[] mse, double[]? weights = null)
    {
        var w = weights ?? mse.Select(_ => 1.0).ToArray();
        var ids = Enumerable.Range(0, mse.Length).Select(u => $"u{u}").ToArray();
        var mean = mse.Zip(w, (x, v) => x * v).Sum() / w.Sum();
        var perUser = new PerUserMetrics(ids, w, new Dictionary<string, double[]>(StringComparer.Ordinal) { ["MSE"] = mse, ["MAE"] = mse });
        return new EvaluationResult("rating", [new("RMSE", Math.Sqrt(mean)), new("MAE", mean), new("MSE", mean)], ids.Length, (int)w.Sum(), 0, 0, 0, perUser);
    }
}
