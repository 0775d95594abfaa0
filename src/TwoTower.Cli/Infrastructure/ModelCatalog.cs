using System.CommandLine;
using System.Globalization;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;
using static TwoTower.MLNet.ArgumentErrors;

namespace TwoTower.Cli.Infrastructure;

/// <summary>The models `twotower train --model NAME` can fit, with the options each one reads.</summary>
internal sealed class ModelCatalog
{
    public Option<int> Seed { get; } = new("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
    public Option<int> Threads { get; } = new("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };
    public Option<int> Neighbors { get; } = new("--neighbors") { Description = "itemknn: neighbours kept per item.", DefaultValueFactory = _ => 200 };
    public Option<int?> Factors { get; } = new("--factors") { Description = "ials/mf: number of latent factors (ials default 128, mf 32)." };
    public Option<float?> Reg { get; } = new("--reg") { Description = "ials/mf: L2 regularisation (defaults: tuned on p2-tune, see the options' docs)." };
    public Option<float?> Alpha { get; } = new("--alpha") { Description = "ials: confidence weight alpha (c = 1 + alpha·r)." };
    public Option<int?> Iterations { get; } = new("--iterations") { Description = "ials/mf: ALS iterations (default 15)." };
    public Option<float?> Recency { get; } = new("--recency") { Description = "ials and twotower: recency boost β (a user's newest interaction counts 1 + β times; ials ramps down to the oldest, twotower halves every 10 interactions back; default 3, 0 = off: use 0 for randomly split data)." };
    public Option<float?> Lambda { get; } = new("--lambda") { Description = "ease: L2 regularisation λ of the item-item closed form." };
    public Option<string?> UserFactors { get; } = new("--user-factors") { Description = "factors: user factors trained elsewhere (CSV: raw id then factors; or .npy with --user-ids)." };
    public Option<string?> ItemFactors { get; } = new("--item-factors") { Description = "factors: item factors trained elsewhere (CSV or .npy with --item-ids)." };
    public Option<string?> UserIds { get; } = new("--user-ids") { Description = "factors: for .npy user factors, a text file with one raw user id per row." };
    public Option<string?> ItemIds { get; } = new("--item-ids") { Description = "factors: for .npy item factors, a text file with one raw item id per row." };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "twotower: maximum epochs (early stopping on --valid keeps the best)." };
    public Option<int?> Dim { get; } = new("--dim") { Description = "twotower: output embedding dimension." };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "twotower: mini-batch size." };
    public Option<float?> LearningRate { get; } = new("--lr") { Description = "twotower: learning rate." };
    public Option<float?> Temperature { get; } = new("--temperature") { Description = "twotower: softmax temperature." };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "twotower: hidden layer sizes, e.g. 256,128 (empty string = no hidden layer)." };
    public Option<string?> WarmStartModel { get; } = new("--warm-start") { Description = "twotower: start the id embeddings from a saved ials/mf/factors model (re-keyed by raw id)." };
    public Option<int?> FreezeEpochs { get; } = new("--freeze-epochs") { Description = "twotower with --warm-start: keep the warm-started embeddings frozen for this many epochs." };
    public Option<string[]> Set { get; } = new("--set") { Description = "twotower, ials, mf, ease, itemknn: set any engine option by name, e.g. --set SoftmaxOverAllItems=true --set RecencyHalfLife=5 (repeatable; applied after the dedicated flags).", AllowMultipleArgumentsPerToken = false };
    public Option<bool> NoLogQ { get; } = new("--no-logq") { Description = "twotower: turn off the logQ popularity correction." };

    private readonly Dictionary<string, (string Description, Func<ParseResult, IReadOnlyList<string>, IRecommenderTrainer> Create)> _models;

    private readonly CliConsole? _console;

    // The model-specific flags each model reads (--seed and --threads are common: tune's random search reads --seed too).
    private readonly Dictionary<string, Option[]> _reads;

    public ModelCatalog(CliConsole? console = null)
    {
        _console = console;
        _models = new(StringComparer.OrdinalIgnoreCase)
        {
            ["random"] = ("seeded random scores (the floor)", (r, g) => NoOptions("random", g, new RandomTrainer(r.GetValue(Seed)))),
            ["popularity"] = ("most popular items", (_, g) => NoOptions("popularity", g, new PopularityTrainer())),
            ["itemknn"] = ("item-item cosine co-occurrence", CreateItemKnn),
            ["ials"] = ("implicit ALS (Hu, Koren, Volinsky)", CreateIals),
            ["mf"] = ("explicit matrix factorization with biases (ratings)", CreateMf),
            ["ease"] = ("EASE closed-form item-item (Steck)", CreateEase),
            ["factors"] = ("user/item factors imported from CSV or .npy (trained elsewhere)", CreateImport),
            ["twotower"] = ("two-tower neural retrieval (in-batch softmax, logQ)", CreateTwoTower),
        };
        _reads = new(StringComparer.OrdinalIgnoreCase)
        {
            ["random"] = [],
            ["popularity"] = [],
            ["itemknn"] = [Neighbors, Set],
            ["ials"] = [Factors, Reg, Alpha, Recency, Iterations, Set],
            ["mf"] = [Factors, Reg, Iterations, Set],
            ["ease"] = [Lambda, Set],
            ["factors"] = [UserFactors, ItemFactors, UserIds, ItemIds],
            ["twotower"] = [Epochs, Dim, BatchSize, LearningRate, Temperature, Hidden, NoLogQ, Recency, WarmStartModel, FreezeEpochs, Set],
        };
    }

    // The options class each --set goes to, by model.
    private static readonly Dictionary<string, Type> OptionsTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["itemknn"] = typeof(ItemItemOptions),
        ["ials"] = typeof(ImplicitAlsOptions),
        ["mf"] = typeof(ExplicitMatrixFactorizationOptions),
        ["ease"] = typeof(EaseOptions),
        ["twotower"] = typeof(TwoTowerTrainerOptions),
    };

    /// <summary>
    /// Each --set goes only to the models whose options have it, for a command that fits several models from one command line
    /// (quickstart: a two-tower option went to item-item too, which refused it); <see cref="RefuseUnread"/> checks that one has it.
    /// </summary>
    public bool SetsGoWhereSettable { get; init; }

    public IEnumerable<string> Names => _models.Keys;

    /// <summary>The models with options a grid can search: those that read --set (the others have none).</summary>
    public IReadOnlyCollection<string> Tunable => _reads.Where(kv => kv.Value.Contains(Set)).Select(kv => kv.Key).ToArray();

    public string Describe(IReadOnlyCollection<string>? only = null) =>
        string.Join(", ", _models.Where(m => only is null || only.Contains(m.Key)).Select(m => $"{m.Key} ({m.Value.Description})"));

    public void AddOptionsTo(Command command)
    {
        foreach (var o in new Option[] { Seed, Threads, Neighbors, Factors, Reg, Alpha, Recency, Iterations, Lambda, UserFactors, ItemFactors, UserIds, ItemIds, Epochs, Dim, BatchSize, LearningRate, Temperature, Hidden, NoLogQ, WarmStartModel, FreezeEpochs, Set })
            command.Options.Add(o);
    }

    /// <summary>
    /// The trainer of model <paramref name="name"/> with the parsed flags, then --set, then <paramref name="grid"/> ("Name=Value",
    /// from `tune --grid`) applied. A flag given on the command line that the model does not read is refused, unless
    /// <paramref name="ignoreOtherModelsFlags"/> (quickstart fits every model from one command line).
    /// </summary>
    public IRecommenderTrainer Create(string name, ParseResult r, IReadOnlyList<string>? grid = null, bool ignoreOtherModelsFlags = false)
    {
        if (!_models.TryGetValue(name, out var m))
            throw new UserInputException($"Unknown --model '{name}'. Available: {string.Join(", ", _models.Keys)}.");
        if (!ignoreOtherModelsFlags) RefuseUnread([name], r, $"--model {name.ToLowerInvariant()}");
        // The options' own checks name their properties ("Epochs must be ≥ 1."): the error names the flag or assignment instead.
        return EngineOptionErrors.Attributed(() => m.Create(r, grid ?? []), property => SetBy(property, name, r, grid ?? []));
    }

    // The argument that set the engine option named property of the model, as typed; null: none
    // (a default). The grid is applied last, then --set, then the dedicated flags, so the last of these to name it set it.
    private ArgumentSource? SetBy(string property, string model, ParseResult r, IReadOnlyList<string> grid)
    {
        bool Names(string assignment) => assignment.IndexOf('=') is > 0 and var eq && string.Equals(assignment[..eq].Trim(), property, StringComparison.OrdinalIgnoreCase);
        if (grid.LastOrDefault(Names) is { } axis) return new ArgumentSource($"--grid {axis}", NamesTheProperty: true);
        if ((r.GetValue(Set) ?? []).LastOrDefault(Names) is { } set) return new ArgumentSource($"--set {set}", NamesTheProperty: true);
        foreach (var option in _reads[model].Append(Threads))
            if (r.GetResult(option) is { Implicit: false } given && string.Equals(OptionSetBy(option, model), property, StringComparison.OrdinalIgnoreCase))
                return new ArgumentSource($"{option.Name} {string.Join(" ", given.Tokens.Select(t => t.Value))}".TrimEnd(), NamesTheProperty: false);
        return null;
    }

    /// <summary>
    /// Refuses a model flag given on the command line that none of <paramref name="models"/> reads: it would be ignored without
    /// a word. <paramref name="reader"/> names who ignores it in the message, e.g. "--model ials" or "quickstart".
    /// </summary>
    public void RefuseUnread(IReadOnlyCollection<string> models, ParseResult r, string reader)
    {
        foreach (var option in _reads.Values.SelectMany(o => o).Distinct())
            if (!models.Any(m => _reads.TryGetValue(m, out var reads) && reads.Contains(option)) && r.GetResult(option) is { Implicit: false })
                throw new UserInputException($"{option.Name}: {reader} does not read it " +
                    $"(it is for {string.Join(", ", _reads.Where(kv => kv.Value.Contains(option)).Select(kv => kv.Key))}).");
        if (!SetsGoWhereSettable) return;
        var setters = models.Where(m => _reads.TryGetValue(m, out var reads) && reads.Contains(Set)).ToArray();
        foreach (var assignment in r.GetValue(Set) ?? [])
            if (assignment.IndexOf('=') is > 0 and var eq && !setters.Any(m => Settable(m, assignment[..eq].Trim())))
                throw new UserInputException($"--set {assignment}: none of the models {reader} fits ({string.Join(", ", setters)}) has an option '{assignment[..eq].Trim()}'.");
    }

    private static bool Settable(string model, string option) =>
        OptionsTypes.TryGetValue(model, out var type) && OptionAssignment.Settable(type).Any(p => string.Equals(p.Name, option, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Refuses a fixed setting of an option that a `tune --grid` axis searches: a dedicated flag (e.g. --alpha for Alpha)
    /// or a --set of the same name. The grid is applied last, so its values replaced the fixed one without a word.
    /// </summary>
    public void CheckGridAxes(string name, ParseResult r, IEnumerable<string> axes)
    {
        var reads = _reads.TryGetValue(name, out var o) ? o : [];
        foreach (var axis in axes)
        {
            foreach (var option in reads.Append(Threads))
                if (r.GetResult(option) is { Implicit: false } && string.Equals(OptionSetBy(option, name), axis, StringComparison.OrdinalIgnoreCase))
                    throw new UserInputException($"--grid {axis}: {option.Name} also sets it, and the grid's values would replace it; leave out {option.Name} (or the axis).");
            foreach (var assignment in r.GetValue(Set) ?? [])
                if (assignment.IndexOf('=') is > 0 and var eq && string.Equals(assignment[..eq].Trim(), axis, StringComparison.OrdinalIgnoreCase))
                    throw new UserInputException($"--grid {axis}: --set {assignment} also sets it, and the grid's values would replace it; leave out the --set (or the axis).");
        }
    }

    // The engine option a dedicated flag sets (--recency is a different option in ials and twotower); null: none by name.
    private string? OptionSetBy(Option option, string model) => option switch
    {
        _ when option == Neighbors => nameof(ItemItemOptions.Neighbors),
        _ when option == Factors => nameof(ImplicitAlsOptions.Factors),
        _ when option == Reg => nameof(ImplicitAlsOptions.Regularization),
        _ when option == Alpha => nameof(ImplicitAlsOptions.Alpha),
        _ when option == Iterations => nameof(ImplicitAlsOptions.Iterations),
        _ when option == Recency => string.Equals(model, "twotower", StringComparison.OrdinalIgnoreCase) ? nameof(TwoTowerTrainerOptions.RecencyWeight) : nameof(ImplicitAlsOptions.RecencyBoost),
        _ when option == Lambda => nameof(EaseOptions.Lambda),
        _ when option == Epochs => nameof(TwoTowerTrainerOptions.Epochs),
        _ when option == Dim => nameof(TwoTowerTrainerOptions.EmbeddingDimension),
        _ when option == BatchSize => nameof(TwoTowerTrainerOptions.BatchSize),
        _ when option == LearningRate => nameof(TwoTowerTrainerOptions.LearningRate),
        _ when option == Temperature => nameof(TwoTowerTrainerOptions.Temperature),
        _ when option == Hidden => nameof(TwoTowerTrainerOptions.HiddenLayers),
        _ when option == NoLogQ => nameof(TwoTowerTrainerOptions.LogQCorrection),
        _ when option == FreezeEpochs => nameof(TwoTowerTrainerOptions.FreezeInitialEmbeddingsEpochs),
        _ when option == Threads => nameof(ImplicitAlsOptions.Threads),
        _ => null,
    };

    /// <summary>
    /// Refuses interactions without a rating column for a trainer that fits ratings: every row would be rated 1 and the fit
    /// would learn that constant (RMSE 0) without a word. <paramref name="what"/> names the argument, e.g. "--train 'x.csv'".
    /// </summary>
    public static void CheckRatings(IRecommenderTrainer trainer, TwoTower.MLNet.Data.InteractionLog log, string what)
    {
        if (trainer is ExplicitMatrixFactorizationTrainer && !log.HasRatings)
            throw new UserInputException($"{what} has no rating column, and --model mf fits ratings (every row would be rated 1): map one with --user-col, --item-col and --rating-col, or use --model ials for interactions without ratings.");
    }

    private static IRecommenderTrainer NoOptions(string model, IReadOnlyList<string> grid, IRecommenderTrainer trainer) =>
        grid.Count == 0 ? trainer : throw new UserInputException($"--grid: model '{model}' has no options to search.");

    private IRecommenderTrainer CreateItemKnn(ParseResult r, IReadOnlyList<string> grid)
    {
        var o = new ItemItemOptions { Neighbors = r.GetValue(Neighbors), Threads = r.GetValue(Threads) };
        ApplySets(o, r, grid);
        return new ItemItemTrainer(o);
    }

    private IRecommenderTrainer CreateIals(ParseResult r, IReadOnlyList<string> grid)
    {
        var o = new ImplicitAlsOptions { Seed = r.GetValue(Seed), Threads = r.GetValue(Threads) };
        if (r.GetValue(Factors) is { } f) o.Factors = f;
        if (r.GetValue(Reg) is { } reg) o.Regularization = reg;
        if (r.GetValue(Alpha) is { } a) o.Alpha = a;
        if (r.GetValue(Recency) is { } rb) o.RecencyBoost = rb;
        if (r.GetValue(Iterations) is { } it) o.Iterations = it;
        ApplySets(o, r, grid);
        return new ImplicitAlsTrainer(o);
    }

    private IRecommenderTrainer CreateMf(ParseResult r, IReadOnlyList<string> grid)
    {
        var o = new ExplicitMatrixFactorizationOptions { Seed = r.GetValue(Seed), Threads = r.GetValue(Threads) };
        if (r.GetValue(Factors) is { } f) o.Factors = f;
        if (r.GetValue(Reg) is { } reg) o.Regularization = reg;
        if (r.GetValue(Iterations) is { } it) o.Iterations = it;
        ApplySets(o, r, grid);
        return new ExplicitMatrixFactorizationTrainer(o);
    }

    private IRecommenderTrainer CreateImport(ParseResult r, IReadOnlyList<string> grid)
    {
        var users = r.GetValue(UserFactors) ?? throw new UserInputException("--model factors needs --user-factors FILE (CSV or .npy).");
        var items = r.GetValue(ItemFactors) ?? throw new UserInputException("--model factors needs --item-factors FILE (CSV or .npy).");
        // The importer's "Factor file 'X' does not exist." said neither which flag nor that X is a folder.
        InputFiles.Require(users, "--user-factors", "a file (CSV: raw id then factors, or .npy with --user-ids)");
        InputFiles.Require(items, "--item-factors", "a file (CSV: raw id then factors, or .npy with --item-ids)");
        // CSV factors carry their ids in the first column: an id list beside them would be read by nothing.
        foreach (var (ids, flag, factors, factorsFlag) in new[] { (UserIds, "--user-ids", users, "--user-factors"), (ItemIds, "--item-ids", items, "--item-factors") })
            if (r.GetValue(ids) is not null && !factors.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"{flag} goes with .npy factors; {factorsFlag} '{factors}' is CSV, whose first column holds the ids.");
        return NoOptions("factors", grid, new FactorImportTrainer(users, items, r.GetValue(UserIds), r.GetValue(ItemIds)));
    }

    private IRecommenderTrainer CreateEase(ParseResult r, IReadOnlyList<string> grid)
    {
        var o = new EaseOptions { Threads = r.GetValue(Threads) };
        if (r.GetValue(Lambda) is { } l) o.Lambda = l;
        ApplySets(o, r, grid);
        return new EaseTrainer(o);
    }

    private IRecommenderTrainer CreateTwoTower(ParseResult r, IReadOnlyList<string> grid)
    {
        var o = new TwoTowerTrainerOptions { Seed = r.GetValue(Seed), Threads = r.GetValue(Threads) };
        if (r.GetValue(Epochs) is { } e) o.Epochs = e;
        if (r.GetValue(Dim) is { } d) o.EmbeddingDimension = d;
        if (r.GetValue(BatchSize) is { } b) o.BatchSize = b;
        if (r.GetValue(LearningRate) is { } lr) o.LearningRate = lr;
        if (r.GetValue(Temperature) is { } t) o.Temperature = t;
        if (r.GetValue(NoLogQ)) o.LogQCorrection = false;
        if (r.GetValue(Recency) is { } rw) o.RecencyWeight = rw;
        if (r.GetValue(Hidden) is { } h)
            o.HiddenLayers = h.Length == 0 ? Array.Empty<int>() : h.Split(',').Select(s => int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v : throw new UserInputException($"--hidden '{h}': '{s}' is not a positive integer (expected e.g. 256,128).")).ToArray();
        if (r.GetValue(FreezeEpochs) is { } fe) o.FreezeInitialEmbeddingsEpochs = fe;
        ApplySets(o, r, grid);
        // Checked here as the other trainers check theirs when made: the warm-started fit checked them only after the data was read.
        o.Validate();
        if (r.GetValue(WarmStartModel) is { } ws) return new WarmStartedTwoTowerTrainer(o, ws, _console is null ? null : _console.Log);
        if (o.FreezeInitialEmbeddingsEpochs > 0) throw new UserInputException("--freeze-epochs needs --warm-start MODEL.zip.");
        return new TwoTowerTrainer(o);
    }

    private void ApplySets(object options, ParseResult r, IReadOnlyList<string> grid)
    {
        IEnumerable<string> sets = r.GetValue(Set) ?? [];
        // A malformed assignment (no '=') still goes to Apply, which says so.
        if (SetsGoWhereSettable)
            sets = sets.Where(a => a.IndexOf('=') is not (> 0 and var eq) || OptionAssignment.Settable(options.GetType()).Any(p => string.Equals(p.Name, a[..eq].Trim(), StringComparison.OrdinalIgnoreCase)));
        Apply(options, sets, "--set");
        Apply(options, grid, "--grid");
    }

    private static void Apply(object options, IEnumerable<string> assignments, string flag)
    {
        foreach (var assignment in assignments)
        {
            try
            {
                OptionAssignment.Apply(options, assignment);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException($"{flag} {assignment}: {ex.MessageWithoutParameter()}");
            }
        }
    }
}
