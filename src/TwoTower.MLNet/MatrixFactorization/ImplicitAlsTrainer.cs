using System.Diagnostics;
using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Implicit-feedback matrix factorization by alternating least squares (Hu, Koren, Volinsky 2008): minimises
/// Σ_{u,i} c_ui (p_ui − x_u·y_i)² + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖² over all user-item cells (λ_u = λ n_u^ν, constant λ by default), with binary preference p_ui = 1
/// for every observed pair and confidence c_ui from the pair's interaction count (1 for unobserved cells).
/// </summary>
/// <remarks>
/// Each half-step solves every row in closed form with the YᵀY + Yᵤᵀ(Cᵤ − I)Yᵤ trick, so a row costs O(n_u k² + k³)
/// instead of O(|items| k²). Rows are solved in parallel with per-thread scratch; each row's result does not
/// depend on the thread that solved it, so the same seed gives the same factors at any thread count.
/// </remarks>
public sealed class ImplicitAlsTrainer : IRecommenderTrainer
{
    /// <summary>Creates a trainer; the options are validated here.</summary>
    public ImplicitAlsTrainer(ImplicitAlsOptions? options = null)
    {
        Options = options ?? new ImplicitAlsOptions();
        Options.Validate();
    }

    /// <summary>The hyper-parameters.</summary>
    public ImplicitAlsOptions Options { get; }

    /// <inheritdoc />
    public string ModelType => MatrixFactorizationModel.ImplicitModelType;

    /// <inheritdoc />
    IRecommender IRecommenderTrainer.Fit(TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(data, progress, cancellationToken);

    /// <summary>
    /// Fits user and item factors on <see cref="TrainingData.Train"/>. With <see cref="ImplicitAlsOptions.ValidateEachIteration"/>
    /// and validation data, each progress report carries full-ranking validation metrics (train items excluded).
    /// </summary>
    public MatrixFactorizationModel Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(data.Train, Options.ValidateEachIteration ? data.Validation : null, progress, cancellationToken);
    }

    /// <summary>Fits user and item factors on encoded interactions (all rows are positives; repeats raise the confidence).</summary>
    public MatrixFactorizationModel Fit(Interactions train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Fit(train, null, progress, cancellationToken);

    private MatrixFactorizationModel Fit(Interactions train, Interactions? validation, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        if (train.Count == 0) throw new ArgumentException("The training interactions are empty: at least one interaction is needed.", nameof(train));
        var o = Options;
        var k = o.Factors;
        var threads = o.Threads == 0 ? Environment.ProcessorCount : o.Threads;
        var total = Stopwatch.StartNew();

        // r = interaction count of the pair; the matrix stores c − 1 = alpha·r (or the log form).
        var ones = RecencyExampleWeights.Compute(train, o.RecencyBoost, halfLife: 0);
        var userItem = SparseMatrix.FromCoordinates(train.Users.Count, train.Items.Count, train.UserKeys, train.ItemKeys, ones, (a, b) => a + b);
        ToConfidenceMinusOne(userItem.Values, o);
        var itemUser = userItem.Transpose();

        var x = FactorTable.Allocate(userItem.Rows, k, "users");
        var y = FactorTable.Allocate(userItem.Columns, k, "items");
        InitGaussian(x, y, o.Seed);

        var gram = new float[k * k];
        var losses = new List<double>(o.Iterations);
        for (var it = 1; it <= o.Iterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            ComputeGram(y, userItem.Columns, k, gram, threads);
            SolveRows(userItem, y, gram, x, k, o.Regularization, o.Solver, o.ConjugateGradientSteps, threads, o.RegularizationExponent, "user");
            cancellationToken.ThrowIfCancellationRequested();
            ComputeGram(x, userItem.Rows, k, gram, threads);
            SolveRows(itemUser, x, gram, y, k, o.Regularization, o.Solver, o.ConjugateGradientSteps, threads, o.RegularizationExponent, "item");
            var seconds = sw.Elapsed.TotalSeconds;
            double? loss = null;
            if (o.ComputeLoss)
            {
                loss = Objective(userItem, x, y, k, o.Regularization, threads, o.RegularizationExponent);
                losses.Add(loss.Value);
            }
            IReadOnlyDictionary<string, double>? metrics = null;
            if (validation is not null && validation.Count > 0 && progress is not null)
            {
                // Users without training rows answer as in the returned model (the cold-start vector), not with their zero rows.
                var users = (float[])x.Clone();
                GiveUnfittedUsersTheColdVector(userItem, users, k, o.ColdUser);
                var snapshot = new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, train.Users, train.Items, users, y, k, coldUser: o.ColdUser);
                metrics = Evaluation.RetrievalEvaluator.EvaluateFullRanking(snapshot, train, validation, threads: threads, cancellationToken: cancellationToken).Metrics;
            }
            progress?.Report(new TrainingProgress("iteration", it, o.Iterations, loss, metrics, userItem.NonZeros / Math.Max(seconds, 1e-9), seconds));
        }

        GiveUnfittedUsersTheColdVector(userItem, x, k, o.ColdUser);
        var summary = new Dictionary<string, object?>
        {
            ["factors"] = k,
            ["regularization"] = o.Regularization,
            ["regularizationExponent"] = o.RegularizationExponent,
            ["alpha"] = o.Alpha,
            ["recencyBoost"] = o.RecencyBoost,
            ["epsilon"] = o.Epsilon,
            ["iterations"] = o.Iterations,
            ["confidenceScaling"] = o.ConfidenceScaling.ToString(),
            ["solver"] = o.Solver.ToString(),
            ["seed"] = o.Seed,
            ["threads"] = threads,
            ["trainSeconds"] = total.Elapsed.TotalSeconds,
            ["finalLoss"] = losses.Count > 0 ? losses[^1] : null,
        };
        return new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, train.Users.Clone(), train.Items.Clone(), x, y, k,
            coldUser: o.ColdUser, trainingSummary: summary);
    }

    /// <summary>
    /// A user without training interactions (e.g. one listed only in the user metadata) has nothing to fit: the solver leaves
    /// it at (about) zero, so every item would score about 0 for it. It gets the cold-start vector instead, the one an unknown
    /// user gets: the mean of the fitted users (which the model's own cold vector then equals) or exactly zero.
    /// </summary>
    internal static void GiveUnfittedUsersTheColdVector(SparseMatrix userItem, float[] x, int k, ColdUserStrategy cold)
    {
        var mean = new double[k];
        var fitted = 0;
        for (var u = 0; u < userItem.Rows; u++)
        {
            if (userItem.RowLength(u) == 0) continue;
            for (var d = 0; d < k; d++) mean[d] += x[u * k + d];
            fitted++;
        }
        if (fitted == userItem.Rows) return;
        var vector = new float[k];
        if (cold == ColdUserStrategy.MeanUser && fitted > 0)
            for (var d = 0; d < k; d++) vector[d] = (float)(mean[d] / fitted);
        for (var u = 0; u < userItem.Rows; u++)
            if (userItem.RowLength(u) == 0) vector.CopyTo(x.AsSpan(u * k, k));
    }

    /// <summary>Replaces each interaction count r by c − 1 (alpha·r or alpha·log(1 + r/epsilon)).</summary>
    internal static void ToConfidenceMinusOne(Span<float> counts, ImplicitAlsOptions o)
    {
        for (var p = 0; p < counts.Length; p++)
            counts[p] = o.ConfidenceScaling == ConfidenceScaling.Linear
                ? o.Alpha * counts[p]
                : o.Alpha * MathF.Log(1f + counts[p] / o.Epsilon);
    }

    /// <summary>Fills both factor matrices with N(0, 0.01²) draws from one seeded stream (users first).</summary>
    internal static void InitGaussian(Span<float> x, Span<float> y, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < x.Length; i++) x[i] = 0.01f * Gaussian(rng);
        for (var i = 0; i < y.Length; i++) y[i] = 0.01f * Gaussian(rng);
    }

    internal static float Gaussian(Random rng)
    {
        // Box-Muller; 1 − u keeps the log argument in (0, 1].
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>G = FᵀF (k × k) of a rows × k factor matrix.</summary>
    internal static void ComputeGram(float[] f, int rows, int k, float[] gram, int threads) =>
        Gemm.MultiplyTransposedA(f, f, gram, k, k, rows, accumulate: false, maxThreads: threads);

    /// <summary>
    /// One half-step: for every row u of <paramref name="confidence"/> (values c − 1, preference 1 on stored entries),
    /// solves (G + λI + Yᵤᵀ(Cᵤ − I)Yᵤ) x_u = Yᵤᵀ Cᵤ 1 into row u of <paramref name="target"/>. A row whose system is beyond
    /// float precision (confidences or regularisation too large) throws <see cref="InvalidOperationException"/> naming the
    /// <paramref name="rowKind"/> key, instead of leaving wrong or non-finite factors.
    /// </summary>
    internal static void SolveRows(SparseMatrix confidence, float[] fixedFactors, float[] gram, float[] target, int k, float reg,
        AlsSolver solver, int cgSteps, int threads, float regExponent = 0f, string rowKind = "row")
    {
        var maxLen = 0;
        for (var r = 0; r < confidence.Rows; r++) maxLen = Math.Max(maxLen, confidence.RowLength(r));
        // The caller takes rows too: Parallel.For waited for a pool thread when a fit was called from outside a busy pool.
        CallerLedLoop.For(confidence.Rows, threads, () => new RowScratch(k, maxLen), (row, s) =>
        {
            var rowReg = RowRegularization(reg, regExponent, confidence.RowLength(row));
            if (solver == AlsSolver.Cholesky) SolveRowCholesky(confidence, row, fixedFactors, gram, target, k, rowReg, s, rowKind);
            else SolveRowConjugateGradient(confidence, row, fixedFactors, gram, target, k, rowReg, cgSteps, s, rowKind);
        });
    }

    /// <summary>λ · n^ν: frequency-scaled L2 (Rendle et al. 2021); ν = 0 is the classic constant λ.</summary>
    internal static float RowRegularization(float reg, float exponent, int count) =>
        exponent == 0f || count == 0 ? reg : reg * MathF.Pow(count, exponent);

    private static void SolveRowCholesky(SparseMatrix conf, int row, float[] yAll, float[] gram, float[] target, int k, float reg, RowScratch s, string rowKind)
    {
        var x = target.AsSpan(row * k, k);
        var idx = conf.RowIndices(row);
        var cm1 = conf.RowValues(row);
        var n = idx.Length;
        if (n == 0)
        {
            // No positives: the right-hand side is 0, so the exact solution is 0.
            x.Clear();
            return;
        }
        var a = s.A.AsSpan();
        gram.AsSpan().CopyTo(a);
        for (var d = 0; d < k; d++) a[d * k + d] += reg;
        var b = s.B.AsSpan();
        b.Clear();
        for (var p = 0; p < n; p++)
        {
            var yi = yAll.AsSpan(idx[p] * k, k);
            yi.CopyTo(s.Yu.AsSpan(p * k, k));
            TensorPrimitives.Multiply(yi, cm1[p], s.YuScaled.AsSpan(p * k, k));
            TensorPrimitives.MultiplyAdd(yi, 1f + cm1[p], b, b);
        }
        // A += Yᵤᵀ (Cᵤ − I) Yᵤ as one small GEMM over the gathered rows.
        Gemm.MultiplyTransposedA(s.YuScaled.AsSpan(0, n * k), s.Yu.AsSpan(0, n * k), a, k, k, n, accumulate: true);
        // With λ > 0 (Validate) the system is positive definite: a failed pivot means float precision ran out.
        if (!SmallCholesky.Factor(a, k)) throw BeyondFloatPrecision(rowKind, row, reg, cm1);
        SmallCholesky.Solve(a, k, b);
        b.CopyTo(x);
    }

    private static void SolveRowConjugateGradient(SparseMatrix conf, int row, float[] yAll, float[] gram, float[] target, int k, float reg, int steps, RowScratch s, string rowKind)
    {
        var x = target.AsSpan(row * k, k);
        var idx = conf.RowIndices(row);
        var cm1 = conf.RowValues(row);
        if (idx.IsEmpty)
        {
            // No positives: the exact solution is 0, which steps from the previous (random at first) row only approach.
            x.Clear();
            return;
        }
        var r = s.B.AsSpan();
        var p = s.P.AsSpan();
        var ap = s.Ap.AsSpan();
        // r = b − A x with b = Σ c_i y_i.
        ApplyNormal(gram, yAll, idx, cm1, k, reg, x, r);
        TensorPrimitives.Negate(r, r);
        for (var q = 0; q < idx.Length; q++)
            TensorPrimitives.MultiplyAdd(yAll.AsSpan(idx[q] * k, k), 1f + cm1[q], r, r);
        r.CopyTo(p);
        var rsOld = TensorPrimitives.Dot(r, r);
        for (var step = 0; step < steps; step++)
        {
            // An overflowed residual or curvature would end the loop below silently, leaving the row unfitted, or make it NaN.
            if (!float.IsFinite(rsOld)) throw BeyondFloatPrecision(rowKind, row, reg, cm1);
            if (rsOld < 1e-20f) break;
            ApplyNormal(gram, yAll, idx, cm1, k, reg, p, ap);
            var pAp = TensorPrimitives.Dot(p, ap);
            if (!float.IsFinite(pAp)) throw BeyondFloatPrecision(rowKind, row, reg, cm1);
            if (!(pAp > 0f)) break;
            var alpha = rsOld / pAp;
            TensorPrimitives.MultiplyAdd(p, alpha, x, x);
            TensorPrimitives.MultiplyAdd(ap, -alpha, r, r);
            var rsNew = TensorPrimitives.Dot(r, r);
            TensorPrimitives.MultiplyAdd(p, rsNew / rsOld, r, p);
            rsOld = rsNew;
        }
    }

    private static TrainingFailedException BeyondFloatPrecision(string rowKind, int row, float reg, ReadOnlySpan<float> cm1) =>
        new($"The least-squares system of {rowKind} key {row} is beyond float precision (largest confidence {1f + (cm1.IsEmpty ? 0f : TensorPrimitives.Max(cm1))}, " +
            $"regularization {reg}): lower Alpha or RecencyBoost (or use ConfidenceScaling.Log), or Regularization.");

    // dst = (G + λI) v + Σ (c_i − 1)(y_i · v) y_i, without forming the row's matrix.
    private static void ApplyNormal(float[] gram, float[] yAll, ReadOnlySpan<int> idx, ReadOnlySpan<float> cm1, int k, float reg, ReadOnlySpan<float> v, Span<float> dst)
    {
        for (var d = 0; d < k; d++) dst[d] = TensorPrimitives.Dot(gram.AsSpan(d * k, k), v) + reg * v[d];
        for (var q = 0; q < idx.Length; q++)
        {
            var yi = yAll.AsSpan(idx[q] * k, k);
            TensorPrimitives.MultiplyAdd(yi, cm1[q] * TensorPrimitives.Dot(yi, v), dst, dst);
        }
    }

    /// <summary>
    /// The full objective Σ_all c(p − s)² + λ(‖X‖² + ‖Y‖²), computed in O(nnz·k + (|U| + |I|)k²) as
    /// Σ_all s² + Σ_observed [c(1 − s)² − s²] with Σ_all s² = ⟨XᵀX, YᵀY⟩.
    /// </summary>
    internal static double Objective(SparseMatrix confidence, float[] x, float[] y, int k, float reg, int threads, float regExponent = 0f)
    {
        var gx = new float[k * k];
        var gy = new float[k * k];
        ComputeGram(x, confidence.Rows, k, gx, threads);
        ComputeGram(y, confidence.Columns, k, gy, threads);
        double all = 0;
        for (var i = 0; i < gx.Length; i++) all += (double)gx[i] * gy[i];
        var perRow = new double[confidence.Rows];
        CallerLedLoop.For(confidence.Rows, threads, u =>
        {
            var xu = x.AsSpan(u * k, k);
            var idx = confidence.RowIndices(u);
            var cm1 = confidence.RowValues(u);
            double acc = 0;
            for (var p = 0; p < idx.Length; p++)
            {
                double sc = TensorPrimitives.Dot(xu, y.AsSpan(idx[p] * k, k));
                acc += (1.0 + cm1[p]) * (1.0 - sc) * (1.0 - sc) - sc * sc;
            }
            perRow[u] = acc;
        });
        double observed = 0;
        foreach (var v in perRow) observed += v; // sequential sum: deterministic
        var itemCounts = new int[confidence.Columns];
        foreach (var i in confidence.ColumnIndices) itemCounts[i]++;
        double penalty = 0;
        for (var u = 0; u < confidence.Rows; u++)
            penalty += RowRegularization(reg, regExponent, confidence.RowLength(u)) * (double)TensorPrimitives.Dot(x.AsSpan(u * k, k), x.AsSpan(u * k, k));
        for (var i = 0; i < confidence.Columns; i++)
            penalty += RowRegularization(reg, regExponent, itemCounts[i]) * (double)TensorPrimitives.Dot(y.AsSpan(i * k, k), y.AsSpan(i * k, k));
        return all + observed + penalty;
    }

    private sealed class RowScratch
    {
        public RowScratch(int k, int maxLen)
        {
            A = new float[k * k];
            B = new float[k];
            P = new float[k];
            Ap = new float[k];
            Yu = new float[Math.Max(1, maxLen) * k];
            YuScaled = new float[Math.Max(1, maxLen) * k];
        }

        public float[] A { get; }
        public float[] B { get; }
        public float[] P { get; }
        public float[] Ap { get; }
        public float[] Yu { get; }
        public float[] YuScaled { get; }
    }
}
