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
            // Checked as Load checks it: a file saved with rows out of order could never be loaded again.
            if (SeenProblem(seen.RowPointers, seen.ColumnIndices, model.Users.Count, model.Items.Count) is { } problem)
                throw new ArgumentException($"seen cannot be saved: {problem}", nameof(seen));
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
            if (SeenProblem(ptr, idx, model.Users.Count, model.Items.Count) is { } problem) throw new ModelFormatException(path, problem);
            seen = new SparseMatrix(model.Users.Count, model.Items.Count, ptr, idx, new float[idx.Length]);
        }
        var summary = reader.Contains(SummaryEntry) ? reader.ReadJson<System.Text.Json.Nodes.JsonObject>(SummaryEntry) : null;
        var entries = reader.Manifest.Entries;
        LoadedContent.Remember(model, reader.Manifest, entries.Where(e => !e.Name.StartsWith(SeenPrefix, StringComparison.Ordinal) && e.Name != SummaryEntry));
        if (seen is not null) LoadedContent.Remember(seen, reader.Manifest, entries.Where(e => e.Name.StartsWith(SeenPrefix, StringComparison.Ordinal)));
        return new LoadedModel(model, seen, summary);
    }

    /// <summary>What is wrong with a seen-items section of <paramref name="users"/> rows over <paramref name="items"/> items, or null when nothing is.</summary>
    private static string? SeenProblem(int[] ptr, int[] idx, int users, int items)
    {
        if (ptr.Length != users + 1 || ptr[0] != 0 || ptr[^1] != idx.Length || idx.Any(i => (uint)i >= (uint)items))
            return "the seen-items section does not match the model's users and items.";
        for (var u = 0; u < users; u++)
        {
            if (ptr[u + 1] < ptr[u]) return $"the seen-items row pointers decrease at user key {u}.";
            // Exclude-seen finds an item by binary search in its user's row: out of order, it answered wrongly without a word.
            for (var j = ptr[u] + 1; j < ptr[u + 1]; j++)
                if (idx[j] <= idx[j - 1]) return $"the seen items of user key {u} are not in increasing order without repeats.";
        }
        return null;
    }
}
