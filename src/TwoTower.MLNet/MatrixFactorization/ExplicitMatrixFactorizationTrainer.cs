using System.Diagnostics;
using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Rating-prediction matrix factorization r̂ = μ + b_u + b_i + x_u·y_i fitted by alternating least squares with
/// count-weighted L2 (ALS-WR): minimises Σ_observed (r − r̂)² + λ (Σ_u n_u ‖[x_u, b_u]‖² + Σ_i n_i ‖[y_i, b_i]‖²).
/// The counterpart of ML.NET's MatrixFactorizationTrainer (LIBMF); evaluate with <see cref="RatingMetrics"/>.
/// </summary>
/// <remarks>
/// Only observed ratings enter the loss (unlike <see cref="ImplicitAlsTrainer"/>). Each half-step solves every row's
/// (k+1)-dimensional normal equations exactly, in parallel; the last pair of a repeated (user, item) wins.
/// </remarks>
public sealed class ExplicitMatrixFactorizationTrainer : IRecommenderTrainer
{
    /// <summary>Creates a trainer; the options are validated here.</summary>
    public ExplicitMatrixFactorizationTrainer(ExplicitMatrixFactorizationOptions? options = null)
    {
        Options = options ?? new ExplicitMatrixFactorizationOptions();
        Options.Validate();
    }

    /// <summary>The hyper-parameters.</summary>
    public ExplicitMatrixFactorizationOptions Options { get; }

    /// <inheritdoc />
    public string ModelType => MatrixFactorizationModel.ExplicitModelType;

    /// <inheritdoc />
    IRecommender IRecommenderTrainer.Fit(TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(data, progress, cancellationToken);

    /// <summary>Fits on <see cref="TrainingData.Train"/>; reports the training RMSE per iteration as a metric and validation RMSE when given.</summary>
    public MatrixFactorizationModel Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(data.Train, data.Validation, progress, cancellationToken);
    }

    /// <summary>Fits on rated interactions; <paramref name="validation"/> (same maps) adds "RMSE(valid)" to each progress report.</summary>
    /// <exception cref="ArgumentException"><paramref name="train"/> is empty or holds a rating that is not a finite number.</exception>
    public MatrixFactorizationModel Fit(Interactions train, Interactions? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        if (train.Count == 0) throw new ArgumentException("The training interactions are empty: at least one rating is needed.", nameof(train));
        // Interactions built in code are not checked like loaded files: a NaN would poison μ and every row's solve.
        var ratings = train.Ratings;
        for (var row = 0; row < ratings.Length; row++)
            if (!float.IsFinite(ratings[row]))
                throw new ArgumentException($"Training row {row} (user '{train.Users.GetRawId(train.UserKeys[row])}', item '{train.Items.GetRawId(train.ItemKeys[row])}') " +
                    $"has rating {ratings[row]}; ratings must be finite numbers.", nameof(train));
        var o = Options;
        var k = o.Factors;
        var w = k + 1; // factors plus the row's own bias
        var threads = o.Threads == 0 ? Environment.ProcessorCount : o.Threads;
        var total = Stopwatch.StartNew();

        var userItem = train.ToUserItemMatrix(binary: false);
        var itemUser = userItem.Transpose();
        double sum = 0;
        foreach (var r in userItem.Values) sum += r;
        var mu = o.UseBiases ? (float)(sum / userItem.NonZeros) : 0f;

        var u = FactorTable.Allocate(userItem.Rows, w, "users");
        var v = FactorTable.Allocate(userItem.Columns, w, "items");
        var rng = new Random(o.Seed);
        InitFactors(u, userItem.Rows, k, rng);
        InitFactors(v, userItem.Columns, k, rng);

        var losses = new List<double>();
        for (var it = 1; it <= o.Iterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            HalfStep(userItem, v, u, k, mu, o.Regularization, o.UseBiases, threads, train.Users);
            HalfStep(itemUser, u, v, k, mu, o.Regularization, o.UseBiases, threads, train.Items);
            var seconds = sw.Elapsed.TotalSeconds;
            var (loss, sse) = Objective(userItem, u, v, k, mu, o.Regularization);
            losses.Add(loss);
            var metrics = new Dictionary<string, double> { ["RMSE(train)"] = Math.Sqrt(sse / userItem.NonZeros) };
            if (validation is not null && validation.Count > 0)
            {
                var model = Build(train, u, v, k, mu, o, threads, total.Elapsed.TotalSeconds, loss);
                metrics["RMSE(valid)"] = RatingMetrics.Evaluate(model, validation).RootMeanSquaredError;
            }
            progress?.Report(new TrainingProgress("iteration", it, o.Iterations, loss, metrics, userItem.NonZeros / Math.Max(seconds, 1e-9), seconds));
        }
        return Build(train, u, v, k, mu, o, threads, total.Elapsed.TotalSeconds, losses[^1]);
    }

    private static MatrixFactorizationModel Build(Interactions train, float[] u, float[] v, int k, float mu, ExplicitMatrixFactorizationOptions o, int threads, double seconds, double loss)
    {
        var (x, bu) = Split(u, train.Users.Count, k);
        var (y, bi) = Split(v, train.Items.Count, k);
        var summary = new Dictionary<string, object?>
        {
            ["factors"] = k,
            ["regularization"] = o.Regularization,
            ["iterations"] = o.Iterations,
            ["useBiases"] = o.UseBiases,
            ["seed"] = o.Seed,
            ["threads"] = threads,
            ["trainSeconds"] = seconds,
            ["finalLoss"] = loss,
        };
        return new MatrixFactorizationModel(MatrixFactorizationModel.ExplicitModelType, train.Users.Clone(), train.Items.Clone(), x, y, k,
            o.UseBiases ? bu : null, o.UseBiases ? bi : null, mu, ColdUserStrategy.Zero, summary);
    }

    private static (float[] Factors, float[] Biases) Split(float[] z, int rows, int k)
    {
        var f = new float[rows * k];
        var b = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            z.AsSpan(r * (k + 1), k).CopyTo(f.AsSpan(r * k));
            b[r] = z[r * (k + 1) + k];
        }
        return (f, b);
    }

    private static void InitFactors(float[] z, int rows, int k, Random rng)
    {
        for (var r = 0; r < rows; r++)
            for (var d = 0; d < k; d++) z[r * (k + 1) + d] = 0.1f * ImplicitAlsTrainer.Gaussian(rng);
    }

    /// <summary>
    /// Solves every row of <paramref name="ratings"/> for [x, b] given the other side's [y, b'] rows:
    /// (Σ ỹỹᵀ + λ n I) z = Σ (r − μ − b') ỹ with ỹ = [y, 1] (the bias column is fixed at 0 without biases).
    /// A row that cannot be solved throws <see cref="TrainingFailedException"/> naming its raw id from <paramref name="rowIds"/>.
    /// </summary>
    internal static void HalfStep(SparseMatrix ratings, float[] other, float[] target, int k, float mu, float reg, bool biases, int threads, IdMap rowIds)
    {
        var w = k + 1;
        var dim = biases ? w : k; // without biases the system is k × k and the bias stays 0
        var maxLen = 0;
        for (var r = 0; r < ratings.Rows; r++) maxLen = Math.Max(maxLen, ratings.RowLength(r));
        SolveAll(ratings, other, target, k, mu, reg, biases, threads, w, dim, maxLen, rowIds);
    }

    private static void SolveAll(SparseMatrix ratings, float[] other, float[] target, int k, float mu, float reg, bool biases, int threads, int w, int dim, int maxLen, IdMap rowIds)
    {
        // The caller takes rows too: Parallel.For waited for a pool thread when a fit was called from outside a busy pool.
        CallerLedLoop.For(ratings.Rows, threads,
            () => (A: new float[dim * dim], B: new float[dim], G: new float[Math.Max(1, maxLen) * dim]),
            (row, s) =>
            {
                var idx = ratings.RowIndices(row);
                var vals = ratings.RowValues(row);
                var z = target.AsSpan(row * w, w);
                if (idx.Length == 0)
                {
                    z.Clear();
                    return;
                }
                var b = s.B.AsSpan();
                b.Clear();
                for (var p = 0; p < idx.Length; p++)
                {
                    var src = other.AsSpan(idx[p] * w, w);
                    var g = s.G.AsSpan(p * dim, dim);
                    src[..k].CopyTo(g);
                    if (biases) g[k] = 1f;
                    var t = vals[p] - mu - (biases ? src[k] : 0f);
                    TensorPrimitives.MultiplyAdd(g, t, b, b);
                }
                var a = s.A.AsSpan();
                var gathered = s.G.AsSpan(0, idx.Length * dim);
                Gemm.MultiplyTransposedA(gathered, gathered, a, dim, dim, idx.Length);
                var lambda = reg * idx.Length;
                for (var d = 0; d < dim; d++) a[d * dim + d] += lambda;
                if (!SmallCholesky.Factor(a, dim))
                {
                    var who = $"{rowIds.Kind} '{rowIds.GetRawId(row)}' ({idx.Length} rating{(idx.Length == 1 ? "" : "s")})";
                    throw new TrainingFailedException(reg > 0 || !float.IsFinite(TensorPrimitives.Sum(b))
                        // With a ridge the system is positive definite: a failure means values too large for float (e.g. ratings of 1e37).
                        ? $"The normal equations of {who} overflowed float precision: the ratings or factors are too large (scale the ratings to a range such as 1–5)."
                        : $"The normal equations of {who} are singular (Regularization = {reg}): without a ridge a row needs at least as many ratings as its {dim} unknowns; use Regularization > 0.");
                }
                SmallCholesky.Solve(a, dim, b);
                b[..k].CopyTo(z);
                z[k] = biases ? b[k] : 0f;
            });
    }

    /// <summary>The ALS-WR objective and the plain sum of squared errors.</summary>
    internal static (double Objective, double SquaredError) Objective(SparseMatrix ratings, float[] u, float[] v, int k, float mu, float reg)
    {
        var w = k + 1;
        double sse = 0, regTerm = 0;
        var itemCounts = new int[ratings.Columns];
        for (var row = 0; row < ratings.Rows; row++)
        {
            var idx = ratings.RowIndices(row);
            var vals = ratings.RowValues(row);
            var zu = u.AsSpan(row * w, w);
            for (var p = 0; p < idx.Length; p++)
            {
                var zi = v.AsSpan(idx[p] * w, w);
                double pred = mu + zu[k] + zi[k] + TensorPrimitives.Dot(zu[..k], zi[..k]);
                var e = vals[p] - pred;
                sse += e * e;
                itemCounts[idx[p]]++;
            }
            regTerm += idx.Length * (double)TensorPrimitives.Dot(zu, zu);
        }
        for (var i = 0; i < ratings.Columns; i++)
        {
            var zi = v.AsSpan(i * w, w);
            regTerm += itemCounts[i] * (double)TensorPrimitives.Dot(zi, zi);
        }
        return (sse + reg * regTerm, sse);
    }
}
