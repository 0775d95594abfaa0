using System.Globalization;
using System.Text.Json;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Onnx.Recommending;
using TwoTower.MLNet.Onnx.Towers;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet;

/// <summary>
/// Exports a vector model as ONNX (opset 17, IR 8) for serving outside .NET: <c>query_tower.onnx</c> (int64 [N,1]
/// user index → float [N,d]), <c>item_tower.onnx</c> (int64 [N,1] item index → float [N,d]), <c>recommend.onnx</c>
/// (string [N, 1] raw user id → top-K raw item ids and scores, optionally without seen items) and <c>metadata.json</c>
/// (<see cref="OnnxExportManifest"/>). Tower inputs are index = key + 1 with 0 for unknown ids.
/// </summary>
/// <remarks>
/// A two-tower model that kept its towers exports them as networks (<see cref="TowerNetworkSpec"/>: the id input plus
/// one input per feature, named after the feature and described in the manifest), so a new user or item is embedded
/// from its features outside .NET exactly as <see cref="TwoTowerModel.TwoTowerRecommender.EmbedNewItem"/> does. Other
/// vector models export lookups: the model's vectors as an embedding table, the unknown-user row being the cold-start vector.
/// </remarks>
public static class OnnxModelExporter
{
    /// <summary>File name of the query (user) tower.</summary>
    public const string QueryTowerFile = "query_tower.onnx";

    /// <summary>File name of the item tower.</summary>
    public const string ItemTowerFile = "item_tower.onnx";

    /// <summary>File name of the end-to-end recommend graph.</summary>
    public const string RecommendFile = "recommend.onnx";

    /// <summary>File name of the manifest.</summary>
    public const string ManifestFile = "metadata.json";

    /// <summary>
    /// Writes the ONNX files and the manifest into <paramref name="directory"/> (created when missing). All of them are built,
    /// then written to temporaries, then renamed into place: a refused export writes nothing, and one that fails while
    /// writing replaces no earlier file (only a crash between the renames can mix an old export with a new one).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="directory">Output folder.</param>
    /// <param name="seen">Seen items as a user × item matrix keyed by the model's maps (e.g. <c>Interactions.ToUserItemMatrix()</c>): recommend.onnx then excludes them; null = no exclusion.</param>
    /// <param name="k">Items per user of recommend.onnx, 1..catalogue size.</param>
    /// <param name="userInputName">Name of the query tower's input (after the user id column).</param>
    /// <param name="itemInputName">Name of the item tower's input (after the item id column).</param>
    /// <returns>The manifest written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">k is out of range or the input names are empty or equal.</exception>
    /// <exception cref="ArgumentException"><paramref name="seen"/> has more rows or columns than the model has users or items.</exception>
    public static OnnxExportManifest Export(IEmbeddingRecommender model, string directory, SparseMatrix? seen = null, int k = 10, string userInputName = "UserId", string itemInputName = "ItemId")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (k < 1 || k > model.Items.Count)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{model.Items.Count} (the catalogue size).");
        if (string.IsNullOrWhiteSpace(userInputName)) throw new ArgumentOutOfRangeException(nameof(userInputName), userInputName, "userInputName must be a name.");
        if (string.IsNullOrWhiteSpace(itemInputName) || itemInputName == userInputName)
            throw new ArgumentOutOfRangeException(nameof(itemInputName), itemInputName, $"itemInputName must be a name other than userInputName ('{userInputName}').");

        var networks = model is TwoTowerModel.TwoTowerRecommender { UserTower: { } ut, ItemTower: { } it } ? (User: ut, Item: it) : default;
        var query = networks.User is not null ? TowerNetworkSpec.Create(networks.User, "query_tower", userInputName) : QueryTower(model, userInputName);
        var item = networks.Item is not null ? TowerNetworkSpec.Create(networks.Item, "item_tower", itemInputName) : ItemTower(model, itemInputName);
        var queryBytes = OnnxTowerExporter.ToBytes(query);
        var itemBytes = OnnxTowerExporter.ToBytes(item);
        var (users, cold) = RecommenderEstimator.UserVectors(model);
        int[]? ptr = null, seenItems = null;
        if (seen is not null) (ptr, seenItems) = SeenRows(seen, model.Users.Count, model.Items.Count);
        var recommendBytes = OnnxRecommenderExporter.ToBytes(new OnnxRecommenderSpec
        {
            UserIds = model.Users.RawIds, UserVectors = users, ColdUserVector = cold,
            ItemIds = model.Items.RawIds, ItemVectors = model.ItemVectors.ToArray(), Dimension = model.Dimension, K = k,
            SeenPointers = ptr, SeenItems = seenItems, UserIdInputName = userInputName,
        });

        var d = model.Dimension.ToString(CultureInfo.InvariantCulture);
        var manifest = new OnnxExportManifest
        {
            Model = model.ModelType,
            Dimension = model.Dimension,
            Normalization = VectorNorms.AreUnitLength(users, model.Dimension) && VectorNorms.AreUnitLength(model.ItemVectors.Span, model.Dimension) ? "l2" : "none",
            UserIds = model.Users.RawIds,
            ColdUserVector = cold,
            ItemIds = model.Items.RawIds,
            Towers = networks.User is not null ? "network" : "lookup",
            QueryFeatures = networks.User is not null ? Features(networks.User.Features, HistoryLength(model)) : [],
            ItemFeatures = networks.Item is not null ? Features(networks.Item.Features, null) : [],
            Files =
            [
                new OnnxExportFile { File = QueryTowerFile, Kind = "query_tower", Inputs = Inputs(query), Outputs = [new(TowerGraphSpec.OutputName, "float", ["N", d])] },
                new OnnxExportFile { File = ItemTowerFile, Kind = "item_tower", Inputs = Inputs(item), Outputs = [new(TowerGraphSpec.OutputName, "float", ["N", d])] },
                new OnnxExportFile
                {
                    File = RecommendFile, Kind = seen is null ? "recommend" : "recommend_exclude_seen", Inputs = [new(userInputName, "string", ["N", "1"])],
                    Outputs = [new("ItemIds", "string", ["N", k.ToString(CultureInfo.InvariantCulture)]), new("Scores", "float", ["N", k.ToString(CultureInfo.InvariantCulture)])],
                },
            ],
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true });

        // Every file is built (and so validated) before the first is written, and none replaces its old self before all
        // are written: a refused or failed export leaves an earlier one whole, not new towers beside an old metadata.json.
        Directory.CreateDirectory(directory);
        (string File, byte[] Bytes)[] files = [(QueryTowerFile, queryBytes), (ItemTowerFile, itemBytes), (RecommendFile, recommendBytes), (ManifestFile, json)];
        AtomicFile.WriteAll([.. files.Select(f => (Path.Combine(directory, f.File), (Action<Stream>)(s => s.Write(f.Bytes))))]);
        return manifest;
    }

    /// <summary>The query tower as a graph spec: row 0 = cold-start vector, row key + 1 = that user's vector.</summary>
    public static TowerGraphSpec QueryTower(IEmbeddingRecommender model, string inputName = "UserId")
    {
        ArgumentNullException.ThrowIfNull(model);
        var (users, cold) = RecommenderEstimator.UserVectors(model);
        var table = new float[users.Length + cold.Length];
        cold.CopyTo(table, 0);
        users.CopyTo(table, cold.Length);
        return new TowerGraphSpec { Name = "query_tower", IdInput = new TowerEmbeddingInput(inputName, new EmbeddingTable(model.Users.Count + 1, model.Dimension, table)) };
    }

    /// <summary>The item tower as a graph spec: row 0 = zero vector (unknown item), row key + 1 = that item's vector.</summary>
    public static TowerGraphSpec ItemTower(IEmbeddingRecommender model, string inputName = "ItemId")
    {
        ArgumentNullException.ThrowIfNull(model);
        var table = new float[(model.Items.Count + 1) * model.Dimension];
        model.ItemVectors.Span.CopyTo(table.AsSpan(model.Dimension));
        return new TowerGraphSpec { Name = "item_tower", IdInput = new TowerEmbeddingInput(inputName, new EmbeddingTable(model.Items.Count + 1, model.Dimension, table)) };
    }

    private static OnnxExportTensor[] Inputs(TowerGraphSpec spec) =>
        [.. spec.Inputs.Select(i => new OnnxExportTensor(i.Name, i.IsInt64 ? "int64" : "float", ["N", i.Width >= 0 ? i.Width.ToString(CultureInfo.InvariantCulture) : "L"]))];

    // The user history's cut, when the model was trained on each user's latest items only.
    private static int? HistoryLength(IEmbeddingRecommender model) =>
        model is TwoTowerModel.TwoTowerRecommender { UserHistoryLength: > 0 and var n } ? n : null;

    private static OnnxExportFeature[] Features(Features.FeatureSchema schema, int? historyLength) =>
    [
        .. schema.Categoricals.Select(c => new OnnxExportFeature { Name = c.Name, Kind = "categorical", Vocabulary = c.Vocabulary }),
        .. schema.Bags.Select(b => new OnnxExportFeature
        {
            Name = b.Name, Kind = "bag", Vocabulary = b.Vocabulary, Padding = b.Vocabulary.Count,
            MaxLength = b.Name == TwoTower.MLNet.Features.UserHistoryFeature.BagName ? historyLength : null,
        }),
        .. schema.Numerics.Select(n => new OnnxExportFeature { Name = n.Name, Kind = "numeric", Mean = n.Mean, Std = n.Std }),
    ];

    // CSR rows of the seen matrix, padded with empty rows up to the model's user count, each row sorted.
    private static (int[] Pointers, int[] Items) SeenRows(SparseMatrix seen, int users, int items)
    {
        if (seen.Rows > users || seen.Columns > items)
            throw new ArgumentException($"seen is {seen.Rows} × {seen.Columns}; the model has {users} users and {items} items: key it with the model's maps.", nameof(seen));
        var ptr = new int[users + 1];
        var all = new List<int>(seen.NonZeros);
        for (var u = 0; u < users; u++)
        {
            if (u < seen.Rows)
            {
                var row = seen.RowIndices(u).ToArray();
                Array.Sort(row);
                all.AddRange(row);
            }
            ptr[u + 1] = all.Count;
        }
        return (ptr, all.ToArray());
    }
}
