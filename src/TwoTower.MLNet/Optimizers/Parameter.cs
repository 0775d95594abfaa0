namespace TwoTower.MLNet.Optimizers;

/// <summary>
/// A trainable tensor (row-major Rows × Columns) with its gradient and optimiser state. A sparse
/// parameter (an embedding table) records the rows touched in a step so that the optimiser updates only
/// those rows (lazy updates) and clears only their gradients.
/// </summary>
public sealed class Parameter
{
    private readonly bool[] _touched;
    private readonly List<int> _touchedRows = new();

    /// <summary>Creates a zero-initialised parameter.</summary>
    public Parameter(string name, int rows, int columns, bool isSparse, bool applyWeightDecay = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Parameter '{name}' needs ≥ 1 row.");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, $"Parameter '{name}' needs ≥ 1 column.");
        Name = name;
        Rows = rows;
        Columns = columns;
        IsSparse = isSparse;
        ApplyWeightDecay = applyWeightDecay;
        Value = new float[rows * columns];
        Gradient = new float[rows * columns];
        _touched = isSparse ? new bool[rows] : Array.Empty<bool>();
    }

    /// <summary>Name (unique within a model), e.g. "user.layer0.weight".</summary>
    public string Name { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Whether only touched rows are updated (embedding tables).</summary>
    public bool IsSparse { get; }

    /// <summary>Whether the optimiser's weight decay applies (off for biases).</summary>
    public bool ApplyWeightDecay { get; }

    /// <summary>When true the optimiser skips this parameter (warm-start freezing).</summary>
    public bool Frozen { get; set; }

    /// <summary>Values, row-major.</summary>
    public float[] Value { get; }

    /// <summary>Gradient of the current step, row-major.</summary>
    public float[] Gradient { get; }

    /// <summary>First optimiser state slot (e.g. Adam's m, Adagrad's accumulator, momentum), allocated by the optimiser.</summary>
    public float[]? State1 { get; set; }

    /// <summary>Second optimiser state slot (Adam's v).</summary>
    public float[]? State2 { get; set; }

    /// <summary>Rows touched since the last <see cref="ClearGradient"/> (sparse parameters only).</summary>
    public IReadOnlyList<int> TouchedRows => _touchedRows;

    /// <summary>Marks a row of a sparse parameter as touched in this step.</summary>
    public void Touch(int row)
    {
        if (!_touched[row])
        {
            _touched[row] = true;
            _touchedRows.Add(row);
        }
    }

    /// <summary>The gradient of one row.</summary>
    public Span<float> GradientRow(int row) => Gradient.AsSpan(row * Columns, Columns);

    /// <summary>The values of one row.</summary>
    public Span<float> ValueRow(int row) => Value.AsSpan(row * Columns, Columns);

    /// <summary>Sum of squared gradient entries (touched rows only when sparse).</summary>
    public double GradientSquaredNorm()
    {
        if (!IsSparse) return SquaredNorm(Gradient);
        double s = 0;
        foreach (var r in _touchedRows) s += SquaredNorm(GradientRow(r));
        return s;
    }

    // The float sum overflows once a value passes about 1.8e19 (an exploding gradient, what clipping is for): then it is summed in double.
    private static double SquaredNorm(ReadOnlySpan<float> values)
    {
        var s = System.Numerics.Tensors.TensorPrimitives.Dot(values, values);
        if (float.IsFinite(s)) return s;
        double d = 0;
        foreach (var v in values) d += (double)v * v;
        return d;
    }

    /// <summary>Multiplies the gradient by <paramref name="factor"/> (gradient clipping).</summary>
    public void ScaleGradient(float factor)
    {
        if (!IsSparse) System.Numerics.Tensors.TensorPrimitives.Multiply(Gradient, factor, Gradient);
        else foreach (var r in _touchedRows) System.Numerics.Tensors.TensorPrimitives.Multiply(GradientRow(r), factor, GradientRow(r));
    }

    /// <summary>Zeroes the gradient (touched rows only when sparse) and forgets the touched rows.</summary>
    public void ClearGradient()
    {
        if (!IsSparse)
        {
            Array.Clear(Gradient);
            return;
        }
        foreach (var r in _touchedRows)
        {
            GradientRow(r).Clear();
            _touched[r] = false;
        }
        _touchedRows.Clear();
    }
}
