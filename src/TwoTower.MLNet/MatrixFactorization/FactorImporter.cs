using System.Globalization;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Imports user and item factors trained elsewhere (implicit, Spark, a PyTorch model, ...) into a
/// <see cref="MatrixFactorizationModel"/>, keyed by raw id, so they can serve or warm-start the two-tower model.
/// </summary>
/// <remarks>
/// Formats: CSV with the raw id in the first column and one factor per further column (an optional header line is
/// detected when its second field is not a number); or a 2-D float32/float64 .npy matrix plus a text file with one raw
/// id per line, in row order. When target maps are given, rows are placed at the maps' keys: an id the map does not know
/// is an error; a map user absent from the file gets the cold-start vector an unknown user gets (the mean of the imported
/// users with <see cref="ColdUserStrategy.MeanUser"/>, else zero), as <see cref="ImplicitAlsTrainer"/> does for users
/// without interactions; a map item absent from the file gets zero factors. Errors name the file, the line and the value.
/// </remarks>
public static class FactorImporter
{
    /// <summary>Reads user and item factors from two CSV files.</summary>
    /// <param name="userFactorsPath">CSV: raw user id, then the factors.</param>
    /// <param name="itemFactorsPath">CSV: raw item id, then the factors.</param>
    /// <param name="users">Target user map (e.g. the training data's); null builds a map in file order.</param>
    /// <param name="items">Target item map; null builds a map in file order.</param>
    /// <param name="separator">Field separator. Default ','.</param>
    /// <param name="coldUser">What the model answers for unknown users.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="FormatException">A row is ragged or holds a value that is not a finite number, an id is empty, unknown
    /// to a target map or repeated, a file holds no rows, or the two files have different factor counts.</exception>
    public static MatrixFactorizationModel FromCsv(string userFactorsPath, string itemFactorsPath, IdMap? users = null, IdMap? items = null,
        char separator = ',', ColdUserStrategy coldUser = ColdUserStrategy.MeanUser)
    {
        var (uIds, uVals, uDim) = ReadCsv(userFactorsPath, separator);
        var (iIds, iVals, iDim) = ReadCsv(itemFactorsPath, separator);
        return Build(userFactorsPath, uIds, uVals, uDim, itemFactorsPath, iIds, iVals, iDim, users, items, coldUser);
    }

    /// <summary>Reads user and item factors from .npy matrices with id lists (one raw id per line, in row order).</summary>
    /// <param name="userFactorsPath">.npy: 2-D float32 or float64 matrix, one row of user factors per id in <paramref name="userIdsPath"/>.</param>
    /// <param name="userIdsPath">Text file: one raw user id per line, in row order.</param>
    /// <param name="itemFactorsPath">.npy: 2-D float32 or float64 matrix of item factors.</param>
    /// <param name="itemIdsPath">Text file: one raw item id per line, in row order.</param>
    /// <param name="users">Target user map (e.g. the training data's); null builds a map in file order.</param>
    /// <param name="items">Target item map; null builds a map in file order.</param>
    /// <param name="coldUser">What the model answers for unknown users.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A .npy file is not a 2-D C-order float32/float64 matrix or is malformed or
    /// truncated (see <see cref="NpyReader"/>).</exception>
    /// <exception cref="FormatException">A matrix has no rows or factors or a value that is not finite, an id list's length differs
    /// from its matrix's rows, an id is unknown to a target map or repeated, or the two matrices have different factor counts.</exception>
    public static MatrixFactorizationModel FromNpy(string userFactorsPath, string userIdsPath, string itemFactorsPath, string itemIdsPath,
        IdMap? users = null, IdMap? items = null, ColdUserStrategy coldUser = ColdUserStrategy.MeanUser)
    {
        var (uIds, uVals, uDim) = ReadNpy(userFactorsPath, userIdsPath);
        var (iIds, iVals, iDim) = ReadNpy(itemFactorsPath, itemIdsPath);
        return Build(userFactorsPath, uIds, uVals, uDim, itemFactorsPath, iIds, iVals, iDim, users, items, coldUser);
    }

    private static MatrixFactorizationModel Build(string uPath, List<string> uIds, float[] uVals, int uDim, string iPath, List<string> iIds, float[] iVals, int iDim,
        IdMap? users, IdMap? items, ColdUserStrategy coldUser)
    {
        if (uDim != iDim)
            throw new FormatException($"Dimension mismatch: '{uPath}' has {uDim} factors per row but '{iPath}' has {iDim}.");
        // A user without a row would score every item 0 while an unknown user gets the mean user: give it the same answer.
        var (uMap, x) = Place(uPath, uIds, uVals, uDim, users, "user", meanForMissing: coldUser == ColdUserStrategy.MeanUser);
        var (iMap, y) = Place(iPath, iIds, iVals, iDim, items, "item", meanForMissing: false);
        var summary = new Dictionary<string, object?> { ["importedUsers"] = uPath, ["importedItems"] = iPath };
        return new MatrixFactorizationModel(MatrixFactorizationModel.ExplicitModelType, uMap, iMap, x, y, uDim, coldUser: coldUser, trainingSummary: summary);
    }

    private static (IdMap Map, float[] Factors) Place(string path, List<string> ids, float[] vals, int dim, IdMap? target, string kind, bool meanForMissing)
    {
        if (target is null)
        {
            try
            {
                return (new IdMap(kind, ids), vals);
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"'{path}': {ex.Message}", ex);
            }
        }
        var f = new float[(long)target.Count * dim];
        var seen = new bool[target.Count];
        for (var r = 0; r < ids.Count; r++)
        {
            if (!target.TryGetKey(ids[r], out var key))
                throw new FormatException($"'{path}' row {r + 1}: {kind} id '{ids[r]}' is unknown to the target {kind} map ({target.Count} ids).");
            if (seen[key]) throw new FormatException($"'{path}' row {r + 1}: duplicate {kind} id '{ids[r]}'.");
            seen[key] = true;
            vals.AsSpan(r * dim, dim).CopyTo(f.AsSpan(key * dim, dim));
        }
        if (meanForMissing && ids.Count < target.Count)
        {
            var sum = new double[dim];
            for (var p = 0; p < vals.Length; p++) sum[p % dim] += vals[p];
            var mean = Array.ConvertAll(sum, v => (float)(v / ids.Count));
            for (var key = 0; key < target.Count; key++)
                if (!seen[key]) mean.CopyTo(f.AsSpan(key * dim, dim));
        }
        return (target, f);
    }

    private static (List<string> Ids, float[] Values, int Dim) ReadCsv(string path, char separator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Factor file '{path}' does not exist.", path);
        var ids = new List<string>();
        var values = new List<float>();
        var dim = -1;
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(separator);
            if (fields.Length < 2)
                throw new FormatException($"'{path}' line {lineNo}: expected an id and at least one factor, found {fields.Length} field(s).");
            // A first line whose second field is not a number is a header.
            if (ids.Count == 0 && dim < 0 && !float.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                dim = fields.Length - 1;
                continue;
            }
            if (dim < 0) dim = fields.Length - 1;
            if (fields.Length - 1 != dim)
                throw new FormatException($"'{path}' line {lineNo}: ragged row with {fields.Length - 1} factors; expected {dim}.");
            var id = fields[0].Trim();
            if (id.Length == 0) throw new FormatException($"'{path}' line {lineNo}: empty id.");
            for (var c = 1; c < fields.Length; c++)
            {
                if (!float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw new FormatException($"'{path}' line {lineNo}, column {c + 1}: '{fields[c]}' is not a number.");
                if (!float.IsFinite(v))
                    throw new FormatException($"'{path}' line {lineNo}, column {c + 1}: factor value {fields[c]} is not finite.");
                values.Add(v);
            }
            ids.Add(id);
        }
        if (ids.Count == 0) throw new FormatException($"'{path}' holds no factor rows.");
        return (ids, values.ToArray(), dim);
    }

    private static (List<string> Ids, float[] Values, int Dim) ReadNpy(string npyPath, string idsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(npyPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(idsPath);
        if (!File.Exists(npyPath)) throw new FileNotFoundException($"Factor file '{npyPath}' does not exist.", npyPath);
        if (!File.Exists(idsPath)) throw new FileNotFoundException($"Id list '{idsPath}' does not exist.", idsPath);
        var (values, rows, dim) = NpyReader.ReadFloatMatrix(npyPath);
        if (rows == 0 || dim == 0) throw new FormatException($"'{npyPath}' has shape ({rows}, {dim}); expected at least one row and one factor.");
        var ids = File.ReadLines(idsPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (ids.Count != rows)
            throw new FormatException($"'{idsPath}' lists {ids.Count} ids but '{npyPath}' has {rows} rows.");
        var bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new FormatException($"'{npyPath}' row {bad / dim + 1} (id '{ids[bad / dim]}'), column {bad % dim + 1}: factor value {values[bad]} is not finite.");
        return (ids, values, dim);
    }
}
