using TwoTower.MLNet.Data;
using TwoTower.MLNet.Onnx.Execution;
using EngineOptions = TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

namespace TwoTower.MLNet;

/// <summary>
/// Options of <see cref="TwoTowerTrainersCatalog.TwoTower(TwoTowerOptions)"/>: the columns the estimator reads
/// and writes, plus the engine's hyper-parameters. The common ones are properties here; every other knob is on
/// <see cref="Engine"/> (the engine's own <c>TwoTowerModel.TwoTowerTrainerOptions</c>, defaults documented there).
/// </summary>
/// <remarks>
/// The hyper-parameter properties here read and write <see cref="Engine"/>, so in an object initializer set
/// <see cref="Engine"/> first when replacing it.
/// </remarks>
public sealed class TwoTowerOptions
{
    /// <summary>The user id column (text, key with key values, or a scalar number). Default "UserId".</summary>
    public string UserIdColumn { get; set; } = "UserId";

    /// <summary>The item id column (text, key with key values, or a scalar number). Default "ItemId".</summary>
    public string ItemIdColumn { get; set; } = "ItemId";

    /// <summary>
    /// The timestamp column (a scalar number, e.g. MovieLens seconds, or a DateTime), or null (default). It orders each
    /// user's interactions for the recency weights (<c>Engine.RecencyWeight</c>, on by default); without it they are off.
    /// </summary>
    public string? TimestampColumn { get; set; }

    /// <summary>Output column of the user vectors (float[d]; unknown users get the cold-start vector). Default "UserVector".</summary>
    public string UserVectorColumn { get; set; } = "UserVector";

    /// <summary>Output column of the item vectors (float[d]), or null (default) for none; when set, the item id column must be present at transform time.</summary>
    public string? ItemVectorColumn { get; set; }

    /// <summary>Where ONNX Runtime runs the vector lookups. Default <see cref="OnnxExecution.Cpu"/>.</summary>
    public OnnxExecution Execution { get; set; } = OnnxExecution.Cpu;

    /// <summary>
    /// Item side features (titles, genres, release dates, keyed by the raw item ids of <see cref="ItemIdColumn"/>), e.g.
    /// <c>MovieLens100K.Load(dir).Items</c>; fed to the item tower when <c>Engine.UseItemFeatures</c>. Default null: ids only.
    /// </summary>
    public ItemMetadata? Items { get; set; }

    /// <summary>User side features (age, gender, occupation, zip code, keyed by raw user ids); fed to the user tower when <c>Engine.UseUserFeatures</c>. Default null.</summary>
    public UserMetadata? Users { get; set; }

    /// <summary>
    /// Columns of the interaction rows that hold user features for the user tower, e.g. the outputs of
    /// <c>Transforms.Featurize</c>: a key column is a categorical ("OccupationKey"), a vector of keys a bag, a float or
    /// fixed-size float vector numeric ("AgeNormalized"). Each user's first row gives its values. They replace
    /// <see cref="Users"/> for that tower. Default empty.
    /// </summary>
    public IList<string> UserFeatureColumns { get; set; } = [];

    /// <summary>Columns of the interaction rows that hold item features for the item tower (e.g. "GenresBag", "TitleTokens"); they replace <see cref="Items"/>. Default empty.</summary>
    public IList<string> ItemFeatureColumns { get; set; } = [];

    /// <summary>
    /// Whether a matrix-factorization step of the same catalog right before this trainer in a chain
    /// (<c>Trainers.MatrixFactorization(...).Append(Trainers.TwoTower(...))</c>) warm-starts it: its user factors initialise
    /// the user id embeddings, and its item factors the item id embeddings when <c>Engine.UseItemIdEmbedding</c> is true
    /// (<see cref="TwoTowerModel.WarmStart.UseFactors"/>, re-keyed by raw id). Default true; the fitted model says so in
    /// <see cref="FittedRecommender.WarmStartedFrom"/>. Without such a step it has no effect.
    /// </summary>
    public bool WarmStartFromChain { get; set; } = true;

    /// <summary>The engine's options; replaced as a whole or tuned in place. Never null.</summary>
    public EngineOptions Engine
    {
        get => _engine;
        set => _engine = value ?? throw new ArgumentNullException(nameof(Engine), "Engine must be an options object; use new TwoTowerModel.TwoTowerTrainerOptions() for the defaults.");
    }

    private EngineOptions _engine = new();

    /// <summary>Training epochs (<see cref="EngineOptions.Epochs"/>). Default 14, all of them: an ML.NET fit has no validation data for early stopping.</summary>
    public int Epochs { get => _engine.Epochs; set => _engine.Epochs = value; }

    /// <summary>Output dimension of both towers (<see cref="EngineOptions.EmbeddingDimension"/>). Default 64.</summary>
    public int EmbeddingDimension { get => _engine.EmbeddingDimension; set => _engine.EmbeddingDimension = value; }

    /// <summary>Peak learning rate (<see cref="EngineOptions.LearningRate"/>). Default 2e-3.</summary>
    public float LearningRate { get => _engine.LearningRate; set => _engine.LearningRate = value; }

    /// <summary>Examples per mini-batch (<see cref="EngineOptions.BatchSize"/>). Default 1024.</summary>
    public int BatchSize { get => _engine.BatchSize; set => _engine.BatchSize = value; }

    /// <summary>Softmax temperature (<see cref="EngineOptions.Temperature"/>). Default 0.05.</summary>
    public float Temperature { get => _engine.Temperature; set => _engine.Temperature = value; }

    /// <summary>logQ popularity correction of the softmax (<see cref="EngineOptions.LogQCorrection"/>). Default true.</summary>
    public bool LogQCorrection { get => _engine.LogQCorrection; set => _engine.LogQCorrection = value; }

    /// <summary>Random seed (<see cref="EngineOptions.Seed"/>): the same seed and thread count give the same model. Default 1.</summary>
    public int Seed { get => _engine.Seed; set => _engine.Seed = value; }

    /// <summary>Training threads, 0 = all cores (<see cref="EngineOptions.Threads"/>). Default 0.</summary>
    public int Threads { get => _engine.Threads; set => _engine.Threads = value; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option (columns first, then the engine's).</summary>
    public void Validate()
    {
        CheckName(UserIdColumn, nameof(UserIdColumn));
        CheckName(ItemIdColumn, nameof(ItemIdColumn));
        CheckName(UserVectorColumn, nameof(UserVectorColumn));
        if (ItemVectorColumn is not null) CheckName(ItemVectorColumn, nameof(ItemVectorColumn));
        if (TimestampColumn is not null) CheckName(TimestampColumn, nameof(TimestampColumn));
        if (string.Equals(UserIdColumn, ItemIdColumn, StringComparison.Ordinal))
            throw new ArgumentOutOfRangeException(nameof(ItemIdColumn), ItemIdColumn, $"ItemIdColumn must differ from UserIdColumn ('{UserIdColumn}').");
        ColumnRoles.RefuseShared((UserIdColumn, nameof(UserIdColumn)), (ItemIdColumn, nameof(ItemIdColumn)), (TimestampColumn, nameof(TimestampColumn)));
        if (string.Equals(UserVectorColumn, ItemVectorColumn, StringComparison.Ordinal))
            throw new ArgumentOutOfRangeException(nameof(ItemVectorColumn), ItemVectorColumn, $"ItemVectorColumn must differ from UserVectorColumn ('{UserVectorColumn}').");
        if (!Enum.IsDefined(Execution)) throw new ArgumentOutOfRangeException(nameof(Execution), Execution, "Expected Cpu, Gpu or Auto.");
        foreach (var (list, option) in new[] { (UserFeatureColumns, nameof(UserFeatureColumns)), (ItemFeatureColumns, nameof(ItemFeatureColumns)) })
        {
            if (list is null) throw new ArgumentOutOfRangeException(option, null, $"{option} must be a list (empty for none).");
            foreach (var c in list) CheckName(c, option);
            if (list.Distinct(StringComparer.Ordinal).Count() != list.Count) throw new ArgumentOutOfRangeException(option, string.Join(",", list), $"{option} names a column twice.");
        }
        // An output named like an input would replace the column the next step (or the transform) reads.
        var inputs = new (string?, string)[] { (UserIdColumn, nameof(UserIdColumn)), (ItemIdColumn, nameof(ItemIdColumn)), (TimestampColumn, nameof(TimestampColumn)) }
            .Concat(UserFeatureColumns.Select(c => ((string?)c, nameof(UserFeatureColumns)))).Concat(ItemFeatureColumns.Select(c => ((string?)c, nameof(ItemFeatureColumns))));
        foreach (var (output, option) in new[] { (UserVectorColumn, nameof(UserVectorColumn)), (ItemVectorColumn, nameof(ItemVectorColumn)) })
            foreach (var (input, inputOption) in inputs)
                if (output is not null && string.Equals(output, input, StringComparison.Ordinal))
                    throw new ArgumentOutOfRangeException(option, output, $"{option} '{output}' is also an input column ({inputOption}): the output would replace it; give the output another name.");
        _engine.Validate();
    }

    /// <summary>
    /// A copy whose <see cref="Engine"/> and feature column lists are copied too (the engine's HiddenLayers included; the initial
    /// embedding arrays and initial model the engine points to are shared, as <c>TwoTowerTrainerOptions.Clone</c> says).
    /// </summary>
    public TwoTowerOptions Clone()
    {
        var copy = (TwoTowerOptions)MemberwiseClone();
        copy._engine = _engine.Clone();
        copy.UserFeatureColumns = [.. UserFeatureColumns];
        copy.ItemFeatureColumns = [.. ItemFeatureColumns];
        return copy;
    }

    private static void CheckName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentOutOfRangeException(option, name, $"{option} must name a column.");
    }
}
