using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Persistence;

/// <summary>A loaded model file: the model, the items each known user has seen in training (for exclude-seen), and the training summary.</summary>
/// <param name="Model">The model.</param>
/// <param name="Seen">Users × items training interactions (keys of the model's maps), when saved.</param>
/// <param name="TrainingSummary">The training summary saved with the model (JSON object), when saved.</param>
public sealed record LoadedModel(IRecommender Model, SparseMatrix? Seen, System.Text.Json.Nodes.JsonObject? TrainingSummary);

/// <summary>
/// Saves and loads a model together with the training history ("seen" items) and summary, so that
/// <c>recommend --exclude-seen</c> works from the model file alone.
/// </summary>
public static class ModelFile
{
    private const string SeenPrefix = "_seen.";
    private const string SummaryEntry = "_training_summary";

    // Exclude-seen without a seen matrix: it was left out either when the file was saved or when the caller built the recommender.
    internal const string MissingSeenMessage = "exclude-seen needs the users' training items, and none were given: the model file was saved " +
        "without them (ModelFile.Save without seen), or no seen matrix was passed (seen: training.Train.ToUserItemMatrix()).";

    /// <summary>Saves a model atomically, with optional seen items and training summary.</summary>
    public static void Save(string path, IRecommender model, SparseMatrix? seen = null, IReadOnlyDictionary<string, object?>? trainingSummary = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var writer = new ModelContainerWriter(model.ModelType);
        model.Save(writer);
        if (seen is not null)
        {
            if (seen.Rows != model.Users.Count || seen.Columns != model.Items.Count)
                throw new ArgumentException($"seen is {seen.Rows}×{seen.Columns}; the model has {model.Users.Count} users × {model.Items.Count} items.", nameof(seen));
            writer.AddInts(SeenPrefix + "ptr", seen.RowPointers, seen.RowPointers.Length);
            writer.AddInts(SeenPrefix + "idx", seen.ColumnIndices, seen.ColumnIndices.Length);
        }
        if (trainingSummary is not null) writer.AddJson(SummaryEntry, trainingSummary);
        writer.Save(path);
    }

    /// <summary>Loads a model file (validated as a whole before anything is built).</summary>
    public static LoadedModel Load(string path)
    {
        var reader = ModelContainerReader.Open(path);
        var model = ModelRegistry.Load(reader);
        SparseMatrix? seen = null;
        if (reader.Contains(SeenPrefix + "ptr"))
        {
            var ptr = reader.ReadInts(SeenPrefix + "ptr", out _);
            var idx = reader.ReadInts(SeenPrefix + "idx", out _);
            if (ptr.Length != model.Users.Count + 1 || ptr[0] != 0 || ptr[^1] != idx.Length || idx.Any(i => (uint)i >= (uint)model.Items.Count))
                throw new ModelFormatException(path, "the seen-items section does not match the model's users and items.");
            for (var u = 0; u < model.Users.Count; u++)
            {
                if (ptr[u + 1] < ptr[u]) throw new ModelFormatException(path, $"the seen-items row pointers decrease at user key {u}.");
                // Exclude-seen finds an item by binary search in its user's row: out of order, it answered wrongly without a word.
                for (var j = ptr[u] + 1; j < ptr[u + 1]; j++)
                    if (idx[j] <= idx[j - 1]) throw new ModelFormatException(path, $"the seen items of user key {u} are not in increasing order without repeats.");
            }
            seen = new SparseMatrix(model.Users.Count, model.Items.Count, ptr, idx, new float[idx.Length]);
        }
        var summary = reader.Contains(SummaryEntry) ? reader.ReadJson<System.Text.Json.Nodes.JsonObject>(SummaryEntry) : null;
        return new LoadedModel(model, seen, summary);
    }
}
