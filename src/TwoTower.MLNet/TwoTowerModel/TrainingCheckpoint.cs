using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// The whole state of a two-tower training run after an epoch: parameters with their optimiser moments, the parameter
/// averages, the step count, the early-stopping bookkeeping and the curves so far. Saved atomically in the versioned model
/// container (checksummed entries); a run resumed from it continues exactly as the uninterrupted run would have.
/// </summary>
internal sealed class TrainingCheckpoint
{
    /// <summary>The container's model type.</summary>
    public const string ModelType = "twotower-checkpoint";

    /// <summary>The layout this code writes; a file of a later layout is refused.</summary>
    public const int Version = 1;

    /// <summary>Options that may change between a run and its resumption: they do not affect the trained model.</summary>
    private static readonly HashSet<string> FreeOptions = new(StringComparer.Ordinal)
    {
        nameof(TwoTowerTrainerOptions.CheckpointDirectory), nameof(TwoTowerTrainerOptions.ComputeQualityReport),
    };

    public required int Epoch { get; init; }
    public required long Step { get; init; }
    public required bool Finished { get; init; }
    public required string[] Options { get; init; }
    public required string Data { get; init; }
    public required Parameter[] Parameters { get; init; }
    public required TrainingState State { get; init; }
    public float[][]? BestValues { get; init; }
    public ParameterAveraging.Snapshot? Averages { get; init; }

    /// <summary>The JSON part: counters, early stopping and the report's curves.</summary>
    public sealed class TrainingState
    {
        public double Best { get; set; } = double.NegativeInfinity;
        public int BestEpoch { get; set; }
        public int SinceBest { get; set; }
        public List<double> LossCurve { get; set; } = new();
        public List<double> ExamplesPerSecond { get; set; } = new();
        public List<Dictionary<string, double>> ValidationCurve { get; set; } = new();
    }

    private sealed class Header
    {
        public int Version { get; set; }
        public int Epoch { get; set; }
        public long Step { get; set; }
        public bool Finished { get; set; }
        public string[] Options { get; set; } = [];
        public string Data { get; set; } = "";
        public string[] ParameterNames { get; set; } = [];
        public bool HasBest { get; set; }
        public bool HasAverages { get; set; }
        public List<double>? LogDecaySum { get; set; }
        public TrainingState State { get; set; } = new();
    }

    /// <summary>The file of ensemble member <paramref name="member"/> in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, int member) => Path.Combine(directory, $"twotower-member{member}.ckpt");

    /// <summary>Every option that shapes the model, as Name=Value (arrays by length and content hash), in a fixed order.</summary>
    public static string[] Describe(TwoTowerTrainerOptions options) =>
        typeof(TwoTowerTrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && !FreeOptions.Contains(p.Name))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Format(p.GetValue(options))}")
            .ToArray();

    /// <summary>The map sizes, the training rows (user and item keys, in order) and the validation size, as one fingerprint.</summary>
    public static string Fingerprint(TrainingData data)
    {
        // Everything training reads: the rows with their ratings and times (recency weights), the raw ids, the
        // validation rows (early stopping) and the metadata the feature towers embed.
        var hash = Fnv(MemoryMarshal.AsBytes(data.Train.UserKeys), 14695981039346656037UL);
        hash = Fnv(MemoryMarshal.AsBytes(data.Train.ItemKeys), hash);
        hash = Fnv(MemoryMarshal.AsBytes(data.Train.Ratings), hash);
        hash = Fnv(MemoryMarshal.AsBytes(data.Train.Timestamps), hash);
        foreach (var id in data.Users.RawIds.Concat(data.Items.RawIds)) hash = Fnv(System.Text.Encoding.UTF8.GetBytes(id + "\n"), hash);
        var validation = 14695981039346656037UL;
        if (data.Validation is { } v)
        {
            validation = Fnv(MemoryMarshal.AsBytes(v.UserKeys), validation);
            validation = Fnv(MemoryMarshal.AsBytes(v.ItemKeys), validation);
        }
        var metadata = 14695981039346656037UL;
        foreach (var r in data.ItemMetadata?.Records ?? [])
            metadata = Fnv(System.Text.Encoding.UTF8.GetBytes($"{r.Id}\t{r.Title}\t{string.Join('|', r.Genres)}\t{r.ReleaseDate}\n"), metadata);
        foreach (var r in data.UserMetadata?.Records ?? [])
            metadata = Fnv(System.Text.Encoding.UTF8.GetBytes($"{r.Id}\t{r.Age}\t{r.Gender}\t{r.Occupation}\t{r.ZipCode}\n"), metadata);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Users.Count} users, {data.Items.Count} items, {data.Train.Count} training rows ({hash:x16}), {data.Validation?.Count ?? 0} validation rows ({validation:x16}), metadata ({metadata:x16})");
    }

    /// <summary>Writes the checkpoint atomically (a crash mid-write leaves the previous one).</summary>
    public void Save(string path)
    {
        var w = new ModelContainerWriter(ModelType, Version);
        w.AddJson("checkpoint.json", new Header
        {
            Version = Version, Epoch = Epoch, Step = Step, Finished = Finished, Options = Options, Data = Data,
            ParameterNames = Parameters.Select(p => p.Name).ToArray(), HasBest = BestValues is not null, HasAverages = Averages is not null,
            LogDecaySum = Averages?.LogDecaySum, State = State,
        });
        for (var i = 0; i < Parameters.Length; i++)
        {
            var p = Parameters[i];
            w.AddFloats($"p{i}.value", p.Value, p.Value.Length);
            if (p.State1 is not null) w.AddFloats($"p{i}.state1", p.State1, p.State1.Length);
            if (p.State2 is not null) w.AddFloats($"p{i}.state2", p.State2, p.State2.Length);
            if (BestValues is not null) w.AddFloats($"p{i}.best", BestValues[i], BestValues[i].Length);
            if (Averages is not null)
            {
                w.AddFloats($"p{i}.average", Averages.Averages[i], Averages.Averages[i].Length);
                if (Averages.RowCurrentAt[i] is { } rows) w.AddInts($"p{i}.average_rows", rows, rows.Length);
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        w.Save(path);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> into <paramref name="parameters"/> (values and optimiser moments) after checking
    /// that it was written for these options, data and parameters; nothing is changed when a check fails.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is corrupt, not a checkpoint, or of a later layout.</exception>
    /// <exception cref="InvalidOperationException">It was written for other options, data or parameters (the message says which).</exception>
    public static TrainingCheckpoint Load(string path, string[] options, string data, Parameter[] parameters)
    {
        ModelContainerReader r;
        try
        {
            r = ModelContainerReader.Open(path);
        }
        catch (ModelFormatException ex)
        {
            throw new ModelFormatException(path, $"a training checkpoint that cannot be read ({ex.Reason}); delete its folder to start the training over.", ex);
        }
        if (r.ModelType != ModelType) throw new ModelFormatException(path, $"holds a '{r.ModelType}', not a two-tower training checkpoint.");
        var h = r.ReadJson<Header>("checkpoint.json");
        if (h.Version > Version) throw new ModelFormatException(path, $"checkpoint layout {h.Version} is newer than this library reads ({Version}); upgrade TwoTower.MLNet or delete the checkpoint.");
        var changed = options.Except(h.Options, StringComparer.Ordinal).Select(o => o[..o.IndexOf('=')]).ToArray();
        if (changed.Length > 0 || h.Options.Length != options.Length)
        {
            var what = changed.Length == 0 ? "the option list differs" : $"{string.Join(", ", changed)} differ{(changed.Length == 1 ? "s" : "")}";
            throw new InvalidOperationException($"Checkpoint '{path}' was written with other options ({what}). Resume with the same options, or delete it to start over.");
        }
        if (h.Data != data)
            throw new InvalidOperationException($"Checkpoint '{path}' was written for other training data ({h.Data}; this data: {data}). Resume with the same data, or delete it to start over.");
        if (!h.ParameterNames.SequenceEqual(parameters.Select(p => p.Name)))
            throw new InvalidOperationException($"Checkpoint '{path}' holds parameters [{string.Join(", ", h.ParameterNames)}]; these towers have [{string.Join(", ", parameters.Select(p => p.Name))}].");
        // Read everything before writing anything, so a bad entry leaves the fresh parameters as they were.
        var values = new float[parameters.Length][];
        var state1 = new float[]?[parameters.Length];
        var state2 = new float[]?[parameters.Length];
        var best = h.HasBest ? new float[parameters.Length][] : null;
        var averages = h.HasAverages ? new float[parameters.Length][] : null;
        var averageRows = h.HasAverages ? new int[]?[parameters.Length] : null;
        for (var i = 0; i < parameters.Length; i++)
        {
            var n = parameters[i].Value.Length;
            values[i] = r.ReadFloats($"p{i}.value", n);
            state1[i] = r.Contains($"p{i}.state1") ? r.ReadFloats($"p{i}.state1", n) : null;
            state2[i] = r.Contains($"p{i}.state2") ? r.ReadFloats($"p{i}.state2", n) : null;
            if (best is not null) best[i] = r.ReadFloats($"p{i}.best", n);
            if (averages is not null)
            {
                averages[i] = r.ReadFloats($"p{i}.average", n);
                if (r.Contains($"p{i}.average_rows")) averageRows![i] = r.ReadInts($"p{i}.average_rows", parameters[i].Rows);
            }
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            values[i].CopyTo(parameters[i].Value, 0);
            parameters[i].State1 = state1[i];
            parameters[i].State2 = state2[i];
        }
        return new TrainingCheckpoint
        {
            Epoch = h.Epoch, Step = h.Step, Finished = h.Finished, Options = h.Options, Data = h.Data, Parameters = parameters, State = h.State,
            BestValues = best,
            Averages = averages is null ? null : new ParameterAveraging.Snapshot(averages, averageRows!, h.LogDecaySum ?? throw new ModelFormatException(path, "the averages have no decay history.")),
        };
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float[] a => $"float[{a.Length}]:{Fnv(MemoryMarshal.AsBytes(a.AsSpan()), 14695981039346656037UL):x16}",
        TwoTowerRecommender m => $"model[{m.Users.Count}x{m.Items.Count}x{m.Dimension}]:{Fnv(MemoryMarshal.AsBytes(m.ItemVectors.Span), Fnv(MemoryMarshal.AsBytes(m.UserVectors.Span), 14695981039346656037UL)):x16}",
        string s => s,
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Format)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // FNV-1a over bytes: a fingerprint, not a defence against tampering (the container's SHA-256 guards the file itself).
    private static ulong Fnv(ReadOnlySpan<byte> bytes, ulong hash)
    {
        foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
