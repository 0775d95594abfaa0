namespace TwoTower.MLNet.Onnx.Recommending;

/// <summary>
/// Describes an id → vector lookup graph: raw id (string [N,1]) → ai.onnx.ml LabelEncoder (unknown ids
/// map to an extra row holding <see cref="UnknownVector"/>) → Gather → output float [N, Dimension].
/// Used to expose precomputed user or item vectors as an ML.NET column.
/// </summary>
public sealed class OnnxLookupSpec
{
    /// <summary>Raw ids; row r of <see cref="Vectors"/> belongs to Ids[r]. Distinct.</summary>
    public required IReadOnlyList<string> Ids { get; init; }

    /// <summary>Vectors, row-major [Ids.Count, Dimension].</summary>
    public required float[] Vectors { get; init; }

    /// <summary>The vector returned for an id not in <see cref="Ids"/>, length Dimension.</summary>
    public required float[] UnknownVector { get; init; }

    /// <summary>Vector width d.</summary>
    public required int Dimension { get; init; }

    /// <summary>ONNX input name of the raw id.</summary>
    public required string InputName { get; init; }

    /// <summary>ONNX output name of the vector.</summary>
    public required string OutputName { get; init; }

    /// <summary>Graph name (default "lookup").</summary>
    public string Name { get; init; } = "lookup";

    /// <summary>Checks sizes, finiteness and names.</summary>
    /// <exception cref="ArgumentException">The first problem found, naming the member, the value and what was expected.</exception>
    public void Validate()
    {
        if (Dimension <= 0) throw new ArgumentException($"Dimension is {Dimension}; expected a positive vector width.", "spec");
        if (Ids is null || Ids.Count == 0) throw new ArgumentException("Ids is empty; expected at least one id.", "spec");
        CheckIds(Ids, nameof(Ids));
        CheckMatrix(Vectors, Ids.Count, Dimension, nameof(Vectors));
        CheckMatrix(UnknownVector, 1, Dimension, nameof(UnknownVector));
        if (string.IsNullOrWhiteSpace(InputName) || string.IsNullOrWhiteSpace(OutputName) || InputName == OutputName)
            throw new ArgumentException($"InputName '{InputName}' and OutputName '{OutputName}' must be non-empty and distinct.", "spec");
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("Name is empty; expected a graph name.", "spec");
    }

    internal static void CheckIds(IReadOnlyList<string> ids, string member)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is null) throw new ArgumentException($"{member}[{i}] is null; expected a raw id.", "spec");
            if (!seen.Add(ids[i])) throw new ArgumentException($"{member}[{i}] is '{ids[i]}', a duplicate; expected distinct ids.", "spec");
        }
    }

    internal static void CheckMatrix(float[]? values, int rows, int dimension, string member)
    {
        if (values is null || (long)values.Length != (long)rows * dimension)
            throw new ArgumentException($"{member} has length {values?.Length ?? 0}; expected {rows}*{dimension} = {(long)rows * dimension}.", "spec");
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{member}[{i}] (row {i / dimension}) is {values[i]}; expected a finite number.", "spec");
    }
}
