using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): the closed-form item-item model
/// B = argmin ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0, i.e. P = (XᵀX + λI)⁻¹ and B = I − P · diag(1/diag P).
/// The strongest simple baseline in published comparisons; every new model should be compared with it.
/// </summary>
/// <remarks>
/// X is the binary user × item matrix. XᵀX is accumulated sparsely in parallel over items (O(Σ_u n_u²)); the inverse
/// is a blocked Cholesky inverse whose O(n³) part runs in the shared GEMM kernel.
/// </remarks>
public sealed class EaseTrainer : IRecommenderTrainer
{
    /// <summary>Creates a trainer; the options are validated here.</summary>
    public EaseTrainer(EaseOptions? options = null)
    {
        Options = options ?? new EaseOptions();
        Options.Validate();
    }

    /// <summary>The hyper-parameters.</summary>
    public EaseOptions Options { get; }

    /// <inheritdoc />
    public string ModelType => EaseModel.EaseModelType;

    /// <inheritdoc />
    IRecommender IRecommenderTrainer.Fit(TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(data, progress, cancellationToken);

    /// <summary>Fits B on <see cref="TrainingData.Train"/>.</summary>
    public EaseModel Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(data.Train, progress, cancellationToken);
    }

    /// <summary>Fits B on encoded interactions (binary: repeats count once).</summary>
    public EaseModel Fit(Interactions train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        if (train.Count == 0) throw new ArgumentException("The training interactions are empty: at least one interaction is needed.", nameof(train));
        var n = train.Items.Count;
        if (n > EaseOptions.MaxItems)
            throw new ArgumentException($"EASE needs a dense {n} × {n} item matrix; at most {EaseOptions.MaxItems} items are supported.", nameof(train));
        var threads = Options.Threads == 0 ? Environment.ProcessorCount : Options.Threads;
        var sw = Stopwatch.StartNew();
        var x = train.ToUserItemMatrix(binary: true);
        // The token reaches inside the O(n³) steps: checked only between them, a cancel waited for the whole inverse (minutes at 20,000 items).
        var g = Gram(x, Options.Lambda, threads, cancellationToken);
        var p = DenseSpdInverse.Invert(g, n, threads, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var b = WeightsFromInverse(p, n, threads);
        var seconds = sw.Elapsed.TotalSeconds;
        progress?.Report(new TrainingProgress("fit", 1, 1, null, null, train.Count / Math.Max(seconds, 1e-9), seconds));
        var summary = new Dictionary<string, object?> { ["lambda"] = Options.Lambda, ["threads"] = threads, ["trainSeconds"] = seconds };
        return new EaseModel(train.Users.Clone(), train.Items.Clone(), b, x.RowPointers, x.ColumnIndices, Options.Lambda, summary);
    }

    /// <summary>G = XᵀX + λI (dense, row-major) from a binary user × item CSR matrix, in parallel over item rows.</summary>
    internal static float[] Gram(SparseMatrix x, float lambda, int threads, CancellationToken cancellationToken = default)
    {
        var n = x.Columns;
        var xt = x.Transpose();
        var g = new float[(long)n * n];
        // The caller takes rows too: Parallel.For waited for a pool thread when a fit was called from outside a busy pool.
        CallerLedLoop.For(n, threads, i =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = g.AsSpan(i * n, n);
            foreach (var u in xt.RowIndices(i))
                foreach (var j in x.RowIndices(u)) row[j] += 1f;
            row[i] += lambda;
        });
        return g;
    }

    /// <summary>B[i, j] = −P[i, j] / P[j, j] for i ≠ j and B[j, j] = 0 (the closed form under the zero-diagonal constraint).</summary>
    internal static float[] WeightsFromInverse(float[] p, int n, int threads)
    {
        var invDiag = new float[n];
        for (var j = 0; j < n; j++) invDiag[j] = -1f / p[j * n + j];
        CallerLedLoop.For(n, threads, i =>
        {
            var row = p.AsSpan(i * n, n);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, invDiag, row);
            row[i] = 0f;
        });
        return p;
    }
}
