using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// A new user of a two-tower model, solved for with the model's own training objective: the unit vector u that maximises
/// Σ_h log softmax(u·v_h / T) over the catalogue for the user's items h, plus a prior pull (weight <see cref="SoftmaxFoldInOptions.PriorWeight"/>, in items)
/// towards the user tower's vector from the user's features (else the cold-start vector). Item vectors stay fixed; the
/// objective is smooth on the sphere and solved by projected gradient ascent with a backtracking step.
/// Unlike the mean of the items' vectors it accounts for what the catalogue offers: items every user is near do not pull.
/// </summary>
public sealed class SoftmaxFoldInUserEmbedder : INewUserEmbedder
{
    private readonly TwoTowerRecommender _model;
    private readonly ItemCatalog _catalog;
    private readonly SoftmaxFoldInOptions _options;
    private readonly float[] _partition; // the catalogue items of the softmax's denominator, row-major
    private readonly int _partitionRows;
    private readonly float _temperature;

    /// <summary>Folds users into <paramref name="model"/>, reading history vectors from <paramref name="catalog"/> (which sees live updates).</summary>
    /// <exception cref="ArgumentException">The model's vectors are not L2-normalised (see <see cref="CanFoldIn"/>) or have no temperature.</exception>
    public SoftmaxFoldInUserEmbedder(TwoTowerRecommender model, ItemCatalog catalog, SoftmaxFoldInOptions? options = null)
        : this(model, catalog, options, modelChecked: false)
    {
    }

    // modelChecked: the caller has just seen CanFoldIn(model) hold, so the norm scan over the catalogue is not run twice.
    private SoftmaxFoldInUserEmbedder(TwoTowerRecommender model, ItemCatalog catalog, SoftmaxFoldInOptions? options, bool modelChecked)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _options = options ?? new SoftmaxFoldInOptions();
        _options.Validate();
        if (!modelChecked && !CanFoldIn(model))
            throw new ArgumentException("Softmax fold-in needs a two-tower model with L2-normalised item vectors and a recorded temperature; use MeanOfItemsUserEmbedder.", nameof(model));
        _temperature = model.Temperature!.Value;
        var d = model.Dimension;
        var n = model.Items.Count;
        // A large catalogue's denominator is estimated on an even stride of items: the gradient is an expectation, and
        // a uniform subsample only shifts the log-partition by a constant.
        var stride = (n + _options.MaxPartitionItems - 1) / _options.MaxPartitionItems;
        _partitionRows = (n + stride - 1) / stride;
        _partition = new float[_partitionRows * d];
        var all = model.ItemVectors.Span;
        for (var r = 0; r < _partitionRows; r++) all.Slice(r * stride * d, d).CopyTo(_partition.AsSpan(r * d, d));
    }

    /// <summary>The fold-in for <paramref name="model"/>, or null when it does not suit one (<see cref="CanFoldIn"/>).</summary>
    internal static SoftmaxFoldInUserEmbedder? TryCreate(TwoTowerRecommender model, ItemCatalog catalog, SoftmaxFoldInOptions? options) =>
        CanFoldIn(model) ? new SoftmaxFoldInUserEmbedder(model, catalog, options, modelChecked: true) : null;

    /// <summary>Whether <paramref name="model"/> suits this fold-in: item vectors of unit length (cosine towers) and a known temperature.</summary>
    public static bool CanFoldIn(TwoTowerRecommender model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Temperature is not > 0f) return false;
        var v = model.ItemVectors.Span;
        var d = model.Dimension;
        for (var r = 0; r < model.Items.Count; r++)
            if (MathF.Abs(TensorPrimitives.Norm(v.Slice(r * d, d)) - 1f) > 1e-3f) return false;
        return model.Items.Count > 0;
    }

    /// <inheritdoc />
    public string Method => "softmax_fold_in";

    /// <inheritdoc />
    public int Dimension => _model.Dimension;

    /// <inheritdoc />
    public void Embed(ReadOnlySpan<int> history, UserRecord? features, Span<float> vector)
    {
        var d = Dimension;
        if (vector.Length != d) throw new ArgumentException($"vector has {vector.Length} values, expected {d}.", nameof(vector));
        var prior = Prior(features);
        var sum = new float[d]; // Σ_h v_h
        var used = MeanOfItemsUserEmbedder.Sum(_catalog, history, sum);
        if (used == 0) prior.CopyTo(vector);
        else Solve(sum, used, prior, vector);
    }

    // Projected gradient ascent on the unit sphere of J(u) = (u·(Σ v_h + m·u0) − n·T·logΣ_j exp(u·v_j / T)) / T.
    private void Solve(float[] itemSum, int n, float[] prior, Span<float> u)
    {
        var d = Dimension;
        var target = new float[d]; // Σ v_h + m·u0: the linear part of J
        TensorPrimitives.MultiplyAdd(prior, _options.PriorWeight, itemSum, target);
        target.AsSpan().CopyTo(u);
        if (!Normalize(u)) prior.CopyTo(u);
        var logits = new float[_partitionRows];
        var expected = new float[d];
        var expectedTrial = new float[d];
        var gradient = new float[d];
        var trial = new float[d];
        var value = Objective(u, target, n, logits, expected);
        // Curvature of J along the last step, from a quadratic fit; it turns a gradient norm into a step length.
        var curvature = float.NaN;
        for (var it = 0; it < _options.MaxIterations; it++)
        {
            // ∇J·T = target − n·E_p[v]; its tangent part moves u along the sphere.
            TensorPrimitives.MultiplyAdd(expected, -n, target, gradient);
            var radial = TensorPrimitives.Dot(gradient, u);
            TensorPrimitives.MultiplyAdd(u, -radial, gradient, gradient);
            var norm = TensorPrimitives.Norm(gradient);
            if (norm < _options.Tolerance * (n + _options.PriorWeight)) break;
            // The step is an angle-like length t (u + t·ĝ, renormalised), where J rises at rate ‖g‖. Try the maximum of the
            // quadratic model J(t) ≈ J + ‖g‖t − c t²/2 of the last curvature c; when J does not rise, fit c to the miss and
            // retry nearer (a quarter to a half of the step). This needs about one objective pass per step, where halving from a
            // fixed step needed two or three.
            var step = float.IsFinite(curvature) ? Math.Clamp(norm / curvature, 1e-4f, 1f) : 1f;
            var improved = false;
            for (var tries = 0; tries < 20 && !improved; tries++)
            {
                TensorPrimitives.MultiplyAdd(gradient, step / norm, u, trial);
                Normalize(trial);
                var trialValue = Objective(trial, target, n, logits, expectedTrial);
                var fitted = 2f * (value + norm * step - trialValue) / (step * step);
                if (trialValue > value)
                {
                    trial.AsSpan().CopyTo(u);
                    (expected, expectedTrial) = (expectedTrial, expected);
                    value = trialValue;
                    improved = true;
                    curvature = fitted > 0 ? fitted : curvature * 0.5f;
                }
                else step = fitted > 0 ? Math.Clamp(norm / fitted, 0.25f * step, 0.5f * step) : 0.5f * step;
            }
            if (!improved) break;
        }
    }

    // J(u)·T, and E_p[v] under p_j ∝ exp(u·v_j / T) into expected.
    private float Objective(ReadOnlySpan<float> u, float[] target, int n, float[] logits, float[] expected)
    {
        var d = Dimension;
        Gemv.Multiply(_partition, _partitionRows, d, u, logits);
        TensorPrimitives.Divide(logits, _temperature, logits);
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, logits);
        TensorPrimitives.Exp(logits, logits);
        var z = TensorPrimitives.Sum(logits);
        Gemv.MultiplyTransposed(_partition, _partitionRows, d, logits, expected);
        TensorPrimitives.Divide(expected, z, expected);
        var logPartition = max + MathF.Log(z / _partitionRows);
        return TensorPrimitives.Dot(u, target) - n * _temperature * logPartition;
    }

    // The user tower's vector from the features the tower reads, else the cold-start vector; unit length.
    private float[] Prior(UserRecord? features)
    {
        var d = Dimension;
        var prior = new float[d];
        var filled = false;
        if (features is not null && _model.UserTower is { Features: { IsEmpty: false } schema })
        {
            var raw = UserFeatureBuilder.Describe(features);
            raw.KeepOnly(schema.Names);
            if (raw.Categorical.Count + raw.Numeric.Count > 0)
            {
                _model.EmbedNewUser(raw).CopyTo(prior, 0);
                filled = true;
            }
        }
        if (!filled) _model.EmbedUsers([-1], prior);
        if (!Normalize(prior)) prior[0] = 1f;
        return prior;
    }

    private static bool Normalize(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (!(norm > 1e-12f) || !float.IsFinite(norm)) return false;
        TensorPrimitives.Multiply(v, 1f / norm, v);
        return true;
    }
}
