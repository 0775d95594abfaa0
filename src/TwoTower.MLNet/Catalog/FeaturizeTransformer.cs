using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// The fitted Featurize step: runs and saves as its chain of ML.NET transforms, but first checks that the input has every
/// column the step reads, so that a request type without one (a PredictionEngine fed a user id only) is told which column,
/// which option named it and what to do, instead of ML.NET's bare "Could not find input column".
/// </summary>
internal sealed class FeaturizeTransformer(ITransformer chain, IReadOnlyList<(string Column, string Option)> reads) : ITransformer
{
    public bool IsRowToRowMapper => chain.IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        Check(reads, inputSchema, serving: true);
        return chain.GetOutputSchema(inputSchema);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        Check(reads, inputSchema, serving: true);
        return chain.GetRowToRowMapper(inputSchema);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(reads, input.Schema, serving: true);
        return chain.Transform(input);
    }

    // The chain writes itself: the saved model holds ML.NET's own transforms only.
    void ICanSaveModel.Save(ModelSaveContext ctx) => chain.Save(ctx);

    /// <summary>Checks that <paramref name="inputSchema"/> has every column the step reads (at Fit, or whenever the fitted step runs: <paramref name="serving"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the step reads is not in <paramref name="inputSchema"/> (parameter "inputSchema", as ML.NET's own check).</exception>
    internal static void Check(IReadOnlyList<(string Column, string Option)> reads, DataViewSchema inputSchema, bool serving)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var (column, option) in reads)
            if (inputSchema.GetColumnOrNull(column) is null)
                throw Missing(column, option, inputSchema.Where(c => !c.IsHidden).Select(c => c.Name), serving);
    }

    /// <summary>
    /// The error for a column the step reads that the input lacks. When serving (a fitted step), it says the step reads the
    /// column at every run and how a request supplies it; at Fit, only that the data lacks it.
    /// </summary>
    internal static ArgumentOutOfRangeException Missing(string column, string option, IEnumerable<string> available, bool serving)
    {
        var names = string.Join(", ", available.Select(c => $"'{c}'"));
        var has = names.Length == 0 ? "none" : names;
        if (!serving)
            return new ArgumentOutOfRangeException("inputSchema", $"The Featurize step reads the column '{column}' ({option}), and the input has no such column (its columns: {has}).");
        // Only the item id has a serving-time alternative: the trainers can read the raw id column themselves.
        var instead = option == "FeaturizerOptions.ItemIdColumn"
            ? $"; or fit with FeaturizerOptions.ItemIdColumn = null, the trainer reading the raw '{column}' column itself (its ItemIdColumn), so that requests need no item"
            : "";
        return new ArgumentOutOfRangeException("inputSchema",
            $"The Featurize step reads the column '{column}' ({option}) whenever the model runs, serving included, and the input has no such column " +
            $"(its columns: {has}): give the input a '{column}' column, e.g. a property named {column} on the PredictionEngine's input class{instead}.");
    }
}
