using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.Towers;

/// <summary>
/// A tower in managed code: [id embedding | categorical embeddings | mean-bag embeddings | numeric] →
/// dense layers with ReLU (and dropout) → d → optional L2 normalisation. Every dense product goes through
/// <see cref="Gemm"/>. Buffers grow to the largest batch and are reused: no allocation per step.
/// Not thread-safe: one Forward/Backward at a time. The per-step methods are compiled fully optimised on first
/// call: tier-0 code made the first epoch of a 14-epoch ML-100K run take about 30% of the training time.
/// </summary>
public sealed class ManagedTower : ITower
{
    private readonly TowerArchitecture _arch;
    private readonly FeatureTable _features;
    private readonly Parameter? _id;
    private readonly Parameter[] _categorical;
    private readonly Parameter[] _bags;
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;
    private readonly int[] _widths;
    private readonly List<Parameter> _parameters = new();
    private Random _dropoutRandom;
    private readonly int _threads;
    private int _capacity;
    private float[][] _activations = Array.Empty<float[]>();
    private float[] _output = Array.Empty<float>();
    private float[] _norms = Array.Empty<float>();
    private float[] _gradA = Array.Empty<float>();
    private float[] _gradB = Array.Empty<float>();
    private int[] _keys = Array.Empty<int>();
    private int[] _heldOut = Array.Empty<int>();
    private readonly int _heldOutBag = -1;
    private int _rows;
    private bool _trainingPass;

    /// <summary>Creates a tower; parameters use Keras-like initialisation (embeddings U(±0.05), Glorot-uniform weights, zero biases).</summary>
    public ManagedTower(string name, TowerArchitecture architecture, FeatureTable features, int seed, int threads = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(features);
        architecture.Validate(name);
        if (features.EntityCount < 1) throw new ArgumentException($"{name} tower: the feature table has no entities.", nameof(features));
        if (!architecture.UseIdEmbedding && features.IsEmpty)
            throw new ArgumentException($"{name} tower: without an id embedding the tower needs features, but none were given.", nameof(architecture));
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Must be ≥ 1.");
        Name = name;
        _arch = architecture;
        _features = features;
        _threads = threads;
        var rng = new Random(seed);
        _dropoutRandom = new Random(unchecked(seed * 31 + 7));
        var inputWidth = 0;
        if (architecture.UseIdEmbedding)
        {
            _id = Add(new Parameter($"{name}.id_embedding", features.EntityCount, architecture.IdEmbeddingDimension, isSparse: true));
            FillUniform(_id.Value, 0.05f, rng);
            inputWidth += architecture.IdEmbeddingDimension;
        }
        var f = architecture.FeatureEmbeddingDimension;
        _categorical = features.Categoricals.Select(c =>
        {
            var p = Add(new Parameter($"{name}.{c.Name}_embedding", c.Cardinality, f, isSparse: true));
            FillUniform(p.Value, 0.05f, rng);
            return p;
        }).ToArray();
        _bags = features.Bags.Select(b =>
        {
            var p = Add(new Parameter($"{name}.{b.Name}_embedding", b.VocabularySize, f, isSparse: true));
            FillUniform(p.Value, 0.05f, rng);
            return p;
        }).ToArray();
        if (architecture.HeldOutBag is { } held)
        {
            _heldOutBag = features.Bags.Select(b => b.Name).ToList().IndexOf(held);
            if (_heldOutBag < 0)
                throw new ArgumentException($"{name} tower: HeldOutBag '{held}' is not a bag feature (bags: {string.Join(", ", features.Bags.Select(b => b.Name))}).", nameof(architecture));
        }
        inputWidth += f * (_categorical.Length + _bags.Length) + features.NumericDimension;
        _widths = new[] { inputWidth }.Concat(architecture.HiddenLayers).Append(architecture.OutputDimension).ToArray();
        var layers = _widths.Length - 1;
        _weights = new Parameter[layers];
        _biases = new Parameter[layers];
        for (var l = 0; l < layers; l++)
        {
            _weights[l] = Add(new Parameter($"{name}.layer{l}.weight", _widths[l + 1], _widths[l], isSparse: false));
            FillUniform(_weights[l].Value, MathF.Sqrt(6f / (_widths[l] + _widths[l + 1])), rng);
            _biases[l] = Add(new Parameter($"{name}.layer{l}.bias", 1, _widths[l + 1], isSparse: false, applyWeightDecay: false));
        }
    }

    /// <summary>Tower name (prefix of its parameter names).</summary>
    public string Name { get; }

    /// <summary>Width of the concatenated input.</summary>
    public int InputWidth => _widths[0];

    /// <inheritdoc />
    public int OutputDimension => _arch.OutputDimension;

    /// <inheritdoc />
    public int EntityCount => _features.EntityCount;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The id embedding table, when the tower has one.</summary>
    public Parameter? IdEmbedding => _id;

    /// <inheritdoc />
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> keys, bool training) => Forward(keys, training, ReadOnlySpan<int>.Empty);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> keys, bool training, ReadOnlySpan<int> heldOutTokens)
    {
        var n = keys.Length;
        if (n == 0) throw new ArgumentException($"{Name} tower: Forward needs ≥ 1 key.", nameof(keys));
        for (var r = 0; r < n; r++)
            if ((uint)keys[r] >= (uint)EntityCount)
                throw new ArgumentOutOfRangeException(nameof(keys), keys[r], $"{Name} tower: key at position {r} must be in [0, {EntityCount}).");
        if (!heldOutTokens.IsEmpty)
        {
            if (_heldOutBag < 0) throw new ArgumentException($"{Name} tower: held-out tokens need TowerArchitecture.HeldOutBag to name a bag feature.", nameof(heldOutTokens));
            if (heldOutTokens.Length != n) throw new ArgumentException($"{Name} tower: heldOutTokens has {heldOutTokens.Length} entries; one per key ({n}) expected.", nameof(heldOutTokens));
        }
        Ensure(n);
        keys.CopyTo(_keys);
        if (heldOutTokens.IsEmpty) _heldOut.AsSpan(0, n).Fill(-1);
        else heldOutTokens.CopyTo(_heldOut);
        _rows = n;
        _trainingPass = training;
        Gather(keys, _activations[0]);
        var layers = _widths.Length - 1;
        for (var l = 0; l < layers; l++)
        {
            int inW = _widths[l], outW = _widths[l + 1];
            var a = _activations[l].AsSpan(0, n * inW);
            var z = (l == layers - 1 ? _output : _activations[l + 1]).AsSpan(0, n * outW);
            Gemm.MultiplyTransposedB(a, _weights[l].Value, z, n, outW, inW, accumulate: false, maxThreads: _threads);
            var bias = _biases[l].Value;
            for (var r = 0; r < n; r++) TensorPrimitives.Add(z.Slice(r * outW, outW), bias, z.Slice(r * outW, outW));
            if (l < layers - 1)
            {
                TensorPrimitives.Max(z, 0f, z);
                if (training && _arch.Dropout > 0) ApplyDropout(z);
            }
        }
        var d = OutputDimension;
        var y = _output.AsSpan(0, n * d);
        if (_arch.Normalize)
            for (var r = 0; r < n; r++)
            {
                var row = y.Slice(r * d, d);
                var norm = MathF.Max(TensorPrimitives.Norm(row), 1e-12f);
                _norms[r] = norm;
                TensorPrimitives.Multiply(row, 1f / norm, row);
            }
        return y;
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<float> gradOutput)
    {
        if (!_trainingPass) throw new InvalidOperationException($"{Name} tower: Backward needs a preceding Forward with training = true.");
        var n = _rows;
        var d = OutputDimension;
        if (gradOutput.Length < n * d) throw new ArgumentException($"{Name} tower: gradOutput has {gradOutput.Length} values; rows × dimension = {n * d} expected.", nameof(gradOutput));
        var dz = _gradA.AsSpan(0, n * d);
        if (_arch.Normalize)
        {
            // y = z/‖z‖ ⇒ ∂L/∂z = (g − y(y·g)) / ‖z‖.
            var y = _output.AsSpan(0, n * d);
            for (var r = 0; r < n; r++)
            {
                var yr = y.Slice(r * d, d);
                var gr = gradOutput.Slice(r * d, d);
                var dot = TensorPrimitives.Dot(yr, gr);
                var dr = dz.Slice(r * d, d);
                TensorPrimitives.MultiplyAdd(yr, -dot, gr, dr);
                TensorPrimitives.Multiply(dr, 1f / _norms[r], dr);
            }
        }
        else gradOutput[..(n * d)].CopyTo(dz);

        var cur = _gradA;
        var other = _gradB;
        for (var l = _widths.Length - 2; l >= 0; l--)
        {
            int inW = _widths[l], outW = _widths[l + 1];
            var g = cur.AsSpan(0, n * outW);
            var a = _activations[l].AsSpan(0, n * inW);
            Gemm.MultiplyTransposedA(g, a, _weights[l].Gradient, outW, inW, n, accumulate: true, maxThreads: _threads);
            var db = _biases[l].Gradient.AsSpan();
            for (var r = 0; r < n; r++) TensorPrimitives.Add(db, g.Slice(r * outW, outW), db);
            var gin = other.AsSpan(0, n * inW);
            Gemm.Multiply(g, _weights[l].Value, gin, n, inW, outW, accumulate: false, maxThreads: _threads);
            if (l > 0) ReluBackward(a, gin);
            (cur, other) = (other, cur);
        }
        Scatter(cur.AsSpan(0, n * _widths[0]));
    }

    /// <summary>A frozen copy of the current parameter values with the meaning of the feature inputs (for inference on new entities, saving and ONNX export).</summary>
    public TowerWeights ExportWeights() => new(
        _arch with { Dropout = 0, HeldOutBag = null },
        FeatureSchema.Of(_features),
        EntityCount,
        _id is null ? null : (float[])_id.Value.Clone(),
        _categorical.Select(p => (float[])p.Value.Clone()).ToArray(),
        _bags.Select(p => (float[])p.Value.Clone()).ToArray(),
        _weights.Select((w, l) => new DenseLayerWeights(_widths[l], _widths[l + 1], (float[])w.Value.Clone(), (float[])_biases[l].Value.Clone())).ToArray());

    /// <summary>Copies the tower's parameter values (best-epoch snapshots).</summary>
    public float[][] SnapshotValues() => _parameters.Select(p => (float[])p.Value.Clone()).ToArray();

    /// <summary>Restores values taken by <see cref="SnapshotValues"/>.</summary>
    public void RestoreValues(float[][] values)
    {
        for (var i = 0; i < _parameters.Count; i++) values[i].CopyTo(_parameters[i].Value, 0);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ReluBackward(ReadOnlySpan<float> activation, Span<float> grad)
    {
        // a > 0 ⇔ the unit was active and kept; kept units were scaled by 1/(1−p).
        var keep = _trainingPass && _arch.Dropout > 0 ? 1f / (1f - _arch.Dropout) : 1f;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vk = Vector512.Create(keep);
            ref var ra = ref MemoryMarshal.GetReference(activation);
            ref var rg = ref MemoryMarshal.GetReference(grad);
            for (; i <= grad.Length - 16; i += 16)
            {
                var active = Vector512.GreaterThan(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512<float>.Zero);
                (Vector512.LoadUnsafe(ref rg, (nuint)i) * vk & active).StoreUnsafe(ref rg, (nuint)i);
            }
        }
        for (; i < grad.Length; i++) grad[i] = activation[i] > 0f ? grad[i] * keep : 0f;
    }

    /// <summary>Restarts the dropout masks' random stream: the trainer does so every epoch, so that a resumed run draws the same masks.</summary>
    internal void ReseedDropout(int seed) => _dropoutRandom = new Random(seed);

    private void ApplyDropout(Span<float> z)
    {
        var keep = 1f / (1f - _arch.Dropout);
        var p = _arch.Dropout;
        for (var i = 0; i < z.Length; i++) z[i] = _dropoutRandom.NextSingle() < p ? 0f : z[i] * keep;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Gather(ReadOnlySpan<int> keys, float[] x)
    {
        var w = _widths[0];
        var f = _arch.FeatureEmbeddingDimension;
        for (var r = 0; r < keys.Length; r++)
        {
            var k = keys[r];
            var row = x.AsSpan(r * w, w);
            var o = 0;
            if (_id is not null)
            {
                _id.ValueRow(k).CopyTo(row);
                o += _id.Columns;
            }
            for (var c = 0; c < _categorical.Length; c++, o += f)
                _categorical[c].ValueRow(_features.Categoricals[c].Values[k]).CopyTo(row.Slice(o, f));
            for (var b = 0; b < _bags.Length; b++, o += f)
            {
                var bag = _features.Bags[b];
                var dst = row.Slice(o, f);
                dst.Clear();
                var skip = b == _heldOutBag ? _heldOut[r] : -1;
                int s = bag.Offsets[k], e = bag.Offsets[k + 1], used = 0;
                for (var t = s; t < e; t++)
                {
                    if (bag.Tokens[t] == skip) continue;
                    TensorPrimitives.Add(dst, _bags[b].ValueRow(bag.Tokens[t]), dst);
                    used++;
                }
                if (used > 1) TensorPrimitives.Multiply(dst, 1f / used, dst);
            }
            var nd = _features.NumericDimension;
            if (nd > 0) _features.Numeric.AsSpan(k * nd, nd).CopyTo(row.Slice(o, nd));
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Scatter(ReadOnlySpan<float> gx)
    {
        var w = _widths[0];
        var f = _arch.FeatureEmbeddingDimension;
        for (var r = 0; r < _rows; r++)
        {
            var k = _keys[r];
            var row = gx.Slice(r * w, w);
            var o = 0;
            if (_id is not null)
            {
                var g = _id.GradientRow(k);
                TensorPrimitives.Add(g, row[.._id.Columns], g);
                _id.Touch(k);
                o += _id.Columns;
            }
            for (var c = 0; c < _categorical.Length; c++, o += f)
            {
                var v = _features.Categoricals[c].Values[k];
                var g = _categorical[c].GradientRow(v);
                TensorPrimitives.Add(g, row.Slice(o, f), g);
                _categorical[c].Touch(v);
            }
            for (var b = 0; b < _bags.Length; b++, o += f)
            {
                var bag = _features.Bags[b];
                var skip = b == _heldOutBag ? _heldOut[r] : -1;
                int s = bag.Offsets[k], e = bag.Offsets[k + 1], used = 0;
                for (var t = s; t < e; t++) if (bag.Tokens[t] != skip) used++;
                if (used == 0) continue;
                var scale = 1f / used;
                for (var t = s; t < e; t++)
                {
                    if (bag.Tokens[t] == skip) continue;
                    var g = _bags[b].GradientRow(bag.Tokens[t]);
                    TensorPrimitives.MultiplyAdd(row.Slice(o, f), scale, g, g);
                    _bags[b].Touch(bag.Tokens[t]);
                }
            }
        }
    }

    private void Ensure(int n)
    {
        if (n <= _capacity) return;
        _capacity = Math.Max(n, 64);
        var layers = _widths.Length - 1;
        _activations = new float[layers][];
        for (var l = 0; l < layers; l++) _activations[l] = new float[_capacity * _widths[l]];
        _output = new float[_capacity * OutputDimension];
        _norms = new float[_capacity];
        var maxW = _widths.Max();
        _gradA = new float[_capacity * maxW];
        _gradB = new float[_capacity * maxW];
        _keys = new int[_capacity];
        _heldOut = new int[_capacity];
    }

    private Parameter Add(Parameter p)
    {
        _parameters.Add(p);
        return p;
    }

    private static void FillUniform(float[] values, float limit, Random rng)
    {
        for (var i = 0; i < values.Length; i++) values[i] = (rng.NextSingle() * 2f - 1f) * limit;
    }
}
