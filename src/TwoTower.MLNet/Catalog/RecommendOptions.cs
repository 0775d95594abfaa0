using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet;

/// <summary>Options of <see cref="TwoTowerTransformsCatalog.Recommend(RecommendOptions)"/>. Defaults match the <c>Recommendations</c> class of the README.</summary>
public sealed class RecommendOptions
{
    /// <summary>Items per user, 1..catalogue size. Default 10.</summary>
    public int K { get; set; } = 10;

    /// <summary>Leave out the items each user had in the training data. Default false.</summary>
    public bool ExcludeSeen { get; set; }

    /// <summary>
    /// The input column of raw user ids. Default null: the column the preceding trainer (or the given model) was fitted on
    /// (its text form when the input has it, as after the trainer). A user id column of a number or key type is converted to text first.
    /// </summary>
    public string? UserIdColumn { get; set; }

    /// <summary>Output column of the recommended raw item ids (string[K], best first). Default "ItemIds".</summary>
    public string ItemIdsColumn { get; set; } = "ItemIds";

    /// <summary>Output column of the scores (float[K], aligned with the ids; a row with fewer than K eligible items ends with −∞ scores and empty ids). Default "Scores".</summary>
    public string ScoresColumn { get; set; } = "Scores";

    /// <summary>Where ONNX Runtime scores. Default <see cref="OnnxExecution.Cpu"/>; Auto prefers CUDA and falls back to CPU with one log line.</summary>
    public OnnxExecution Execution { get; set; } = OnnxExecution.Cpu;

    /// <summary>CUDA device used when <see cref="Execution"/> resolves to GPU. Default 0.</summary>
    public int GpuDeviceId { get; set; }

    /// <summary>Receives the one-line notice when Auto falls back to CPU. Default: none.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (K < 1) throw new ArgumentOutOfRangeException(nameof(K), K, "K must be ≥ 1.");
        if (UserIdColumn is not null && string.IsNullOrWhiteSpace(UserIdColumn))
            throw new ArgumentOutOfRangeException(nameof(UserIdColumn), UserIdColumn, "UserIdColumn must name a column or be null (the trainer's user id column).");
        if (string.IsNullOrWhiteSpace(ItemIdsColumn)) throw new ArgumentOutOfRangeException(nameof(ItemIdsColumn), ItemIdsColumn, "ItemIdsColumn must name a column.");
        if (string.IsNullOrWhiteSpace(ScoresColumn) || ScoresColumn == ItemIdsColumn)
            throw new ArgumentOutOfRangeException(nameof(ScoresColumn), ScoresColumn, $"ScoresColumn must name a column other than ItemIdsColumn ('{ItemIdsColumn}').");
        foreach (var (output, option) in new[] { (ItemIdsColumn, nameof(ItemIdsColumn)), (ScoresColumn, nameof(ScoresColumn)) })
            if (UserIdColumn is not null && string.Equals(output, UserIdColumn, StringComparison.Ordinal))
                throw new ArgumentOutOfRangeException(option, output, $"{option} '{output}' is the user id column it reads (UserIdColumn): give the output another name.");
        if (!Enum.IsDefined(Execution)) throw new ArgumentOutOfRangeException(nameof(Execution), Execution, "Expected Cpu, Gpu or Auto.");
        if (GpuDeviceId < 0) throw new ArgumentOutOfRangeException(nameof(GpuDeviceId), GpuDeviceId, "GpuDeviceId must be ≥ 0.");
    }

    internal RecommendOptions Clone() => (RecommendOptions)MemberwiseClone();
}
