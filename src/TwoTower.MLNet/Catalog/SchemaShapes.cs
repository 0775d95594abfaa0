using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// Builds output <see cref="SchemaShape"/>s through public ML.NET API only: <see cref="SchemaShape.Column"/>'s
/// constructor is internal, so the added columns come from the output shape of a <c>CustomMapping</c>
/// estimator (never fitted) whose output schema definition carries the wanted names and types.
/// </summary>
internal static class SchemaShapes
{
    private static readonly MLContext Shaper = new(seed: 0);

    /// <summary><paramref name="input"/> with <paramref name="added"/> columns appended (replacing same-named ones).</summary>
    /// <exception cref="ArgumentException">A type other than a float or text vector or a text scalar was requested.</exception>
    public static SchemaShape With(SchemaShape input, IEnumerable<(string Name, DataViewType Type)> added)
    {
        var list = added.ToList();
        var definition = SchemaDefinition.Create(typeof(ShapeRow));
        var used = new List<SchemaDefinition.Column>();
        int floats = 0, texts = 0, text = 0;
        foreach (var (name, type) in list)
        {
            var member = type switch
            {
                VectorDataViewType { ItemType: NumberDataViewType n } when n == NumberDataViewType.Single => "Floats" + floats++,
                VectorDataViewType { ItemType: TextDataViewType } => "Texts" + texts++,
                TextDataViewType => "Text" + text++,
                _ => throw new ArgumentException($"Column '{name}' has type {type}; only float and text vectors and text scalars are shaped here.", nameof(added)),
            };
            if (floats > ShapeRow.Slots || texts > ShapeRow.Slots || text > ShapeRow.Slots)
                throw new ArgumentException($"At most {ShapeRow.Slots} float vector, {ShapeRow.Slots} text vector and {ShapeRow.Slots} text columns can be added at once.", nameof(added));
            var column = definition[member];
            column.ColumnName = name;
            column.ColumnType = type;
            used.Add(column);
        }
        definition.RemoveAll(c => !used.Contains(c));
        var shaper = Shaper.Transforms.CustomMapping<NoInput, ShapeRow>(static (_, _) => { }, contractName: null, outputSchemaDefinition: definition);
        var extra = shaper.GetOutputSchema(new SchemaShape([]));
        var names = new HashSet<string>(list.Select(a => a.Name), StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(extra));
    }

    /// <summary>The column of <paramref name="shape"/> named <paramref name="name"/>, or null.</summary>
    public static SchemaShape.Column? Find(SchemaShape shape, string name)
    {
        foreach (var c in shape)
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
                return c;
        return null;
    }

    /// <summary>A row with no input columns (the shaping mapping reads nothing).</summary>
    private sealed class NoInput;

    /// <summary>Members the output definition maps added columns onto.</summary>
    private sealed class ShapeRow
    {
        public const int Slots = 4;
        public float[] Floats0 { get; set; } = [];
        public float[] Floats1 { get; set; } = [];
        public float[] Floats2 { get; set; } = [];
        public float[] Floats3 { get; set; } = [];
        public string[] Texts0 { get; set; } = [];
        public string[] Texts1 { get; set; } = [];
        public string[] Texts2 { get; set; } = [];
        public string[] Texts3 { get; set; } = [];
        public string Text0 { get; set; } = "";
        public string Text1 { get; set; } = "";
        public string Text2 { get; set; } = "";
        public string Text3 { get; set; } = "";
    }
}
