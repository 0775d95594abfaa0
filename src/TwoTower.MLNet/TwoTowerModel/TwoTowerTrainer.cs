using System.Diagnostics;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Towers;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// Trains a two-tower retrieval model (user tower, item tower, in-batch softmax with logQ correction by
/// default) in the managed engine. Seeded: the same data, options, seed and thread count give the same model.
/// </summary>
public sealed class TwoTowerTrainer : IRecommenderTrainer
{
    /// <summary>Creates a trainer with <paramref name="options"/> (defaults when null) on <paramref name="backend"/> (managed when null).</summary>
    public TwoTowerTrainer(TwoTowerTrainerOptions? options = null, ITowerBackend? backend = null)
    {
        Options = options ?? new TwoTowerTrainerOptions();
        Options.Validate(); // fail at construction, as the other trainers do; Train validates again (the options stay mutable)
        Backend = backend ?? ManagedTowerBackend.Instance;
    }

    /// <summary>The options.</summary>
    public TwoTowerTrainerOptions Options { get; }

    /// <summary>The tower backend.</summary>
    public ITowerBackend Backend { get; }

    /// <inheritdoc />
    public string ModelType => TwoTowerRecommender.TypeName;

    /// <inheritdoc />
    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(data, progress, cancellationToken);

    /// <summary>Trains with features built from the data's metadata (per <see cref="TwoTowerTrainerOptions.UseItemFeatures"/> / <see cref="TwoTowerTrainerOptions.UseUserFeatures"/>).</summary>
    public TwoTowerRecommender Train(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (users, items) = BuildFeatures(data);
        return Train(data, users, items, progress, cancellationToken);
    }

    /// <summary>
    /// The feature tables <see cref="Train(TrainingData, IProgress{TrainingProgress}?, CancellationToken)"/> uses: from the data's metadata per
    /// <see cref="TwoTowerTrainerOptions.UseItemFeatures"/> / <see cref="TwoTowerTrainerOptions.UseUserFeatures"/>, plus the history bag with
    /// <see cref="TwoTowerTrainerOptions.UseUserHistory"/>; <paramref name="userFeatures"/> / <paramref name="itemFeatures"/> replace the metadata-built ones when given.
    /// </summary>
    public (FeatureTable Users, FeatureTable Items) BuildFeatures(TrainingData data, FeatureTable? userFeatures = null, FeatureTable? itemFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var items = itemFeatures ?? (Options.UseItemFeatures ? ItemFeatureBuilder.Build(data.Items, data.ItemMetadata) : FeatureTable.Empty(data.Items.Count));
        var users = userFeatures ?? (Options.UseUserFeatures ? UserFeatureBuilder.Build(data.Users, data.UserMetadata) : FeatureTable.Empty(data.Users.Count));
        if (Options.UseUserHistory) users = UserHistoryFeature.Append(users, data.Train, Options.UserHistoryLength);
        return (users, items);
    }

    /// <summary>Trains with caller-built feature tables, keyed by the data's user and item maps.</summary>
    public TwoTowerRecommender Train(TrainingData data, FeatureTable userFeatures, FeatureTable itemFeatures, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(userFeatures);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        Options.Validate();
        // Checked here, not in Validate: a pipeline's matrix-factorisation step sets the warm start just before training.
        if (Options.FreezeInitialEmbeddingsEpochs > 0 && Options.InitialUserEmbeddings is null && Options.InitialItemEmbeddings is null)
            throw new ArgumentException($"FreezeInitialEmbeddingsEpochs = {Options.FreezeInitialEmbeddingsEpochs} freezes warm-started id embeddings, and there are none: set InitialUserEmbeddings or InitialItemEmbeddings (in a pipeline, a matrix-factorisation step before this one), or leave it at 0 (InitialModel weights are never frozen).",
                nameof(TwoTowerTrainerOptions.FreezeInitialEmbeddingsEpochs));
        if (data.Train.Count == 0) throw new ArgumentException("The training data is empty: at least one interaction is needed.", nameof(data));
        if (userFeatures.EntityCount != data.Users.Count)
            throw new ArgumentException($"userFeatures describes {userFeatures.EntityCount} users; the training user map has {data.Users.Count}.", nameof(userFeatures));
        if (itemFeatures.EntityCount != data.Items.Count)
            throw new ArgumentException($"itemFeatures describes {itemFeatures.EntityCount} items; the training item map has {data.Items.Count}.", nameof(itemFeatures));
        // Two runs sharing a checkpoint folder would overwrite each other's state (the last writer wins, and a resume is
        // then refused for the other's options): one run owns the folder.
        using var checkpointLock = Options.CheckpointDirectory is { } dir
            ? FolderLock.Acquire(dir, $"Checkpoint folder '{dir}' is in use by another training run; give each run its own folder.")
            : null;
        var sw = Stopwatch.StartNew();
        var members = new List<TwoTowerRecommender>();
        var memberReports = new List<TwoTowerQualityReport>();
        TwoTowerTrainingLoop? first = null;
        for (var e = 0; e < Options.EnsembleSize; e++)
        {
            var memberOptions = Options.Clone();
            memberOptions.Seed = unchecked(Options.Seed + 1000 * e);
            var loop = new TwoTowerTrainingLoop(memberOptions, Backend, data, userFeatures, itemFeatures, member: e);
            var memberWatch = Stopwatch.StartNew();
            var r = loop.Run(progress, cancellationToken);
            members.Add(loop.BuildModel(r));
            r.TrainingSeconds = memberWatch.Elapsed.TotalSeconds;
            memberReports.Add(r);
            if (e == 0) first = loop;
        }
        TwoTowerQualityReport report;
        TwoTowerRecommender model;
        if (members.Count == 1) (report, model) = (memberReports[0], members[0]);
        else
        {
            // Member 0's curves head the report and each member's are kept beside (copies, before diagnostics fill the head).
            report = MemberSummary(memberReports[0]);
            report.Members = memberReports;
            model = Concatenate(members, report);
        }
        report.TrainingSeconds = sw.Elapsed.TotalSeconds;
        if (Options.ComputeQualityReport) QualityReportBuilder.Fill(report, model, userFeatures, itemFeatures, first!.UserIdEmbedding, first.ItemIdEmbedding, first.TrainedUsers, Options.Threads, cancellationToken);
        return model;
    }

    private static TwoTowerQualityReport MemberSummary(TwoTowerQualityReport member) => new()
    {
        LossCurve = [.. member.LossCurve],
        ValidationCurve = member.ValidationCurve.Select(d => new Dictionary<string, double>(d)).ToList(),
        ExamplesPerSecond = [.. member.ExamplesPerSecond],
        EpochsRun = member.EpochsRun,
        BestEpoch = member.BestEpoch,
        ValidationMetric = member.ValidationMetric,
        BestValidationValue = member.BestValidationValue,
    };

    // Concatenated vectors make the ensemble one embedding model: [u1,u2]·[i1,i2] = u1·i1 + u2·i2.
    private static TwoTowerRecommender Concatenate(List<TwoTowerRecommender> members, TwoTowerQualityReport report)
    {
        var d = members[0].Dimension;
        var total = d * members.Count;
        var users = members[0].Users;
        var items = members[0].Items;
        float[] Join(Func<TwoTowerRecommender, ReadOnlyMemory<float>> pick, int rows)
        {
            var result = new float[rows * total];
            for (var m = 0; m < members.Count; m++)
            {
                var src = pick(members[m]).Span;
                for (var r = 0; r < rows; r++) src.Slice(r * d, d).CopyTo(result.AsSpan(r * total + m * d, d));
            }
            return result;
        }
        var hyper = new Dictionary<string, object?>(members[0].Describe().Where(kv => kv.Key is not ("model" or "users" or "items" or "dimension")))
        {
            ["ensemble_size"] = members.Count,
        };
        return new TwoTowerRecommender(users, items, total, Join(m => m.UserVectors, users.Count), Join(m => m.ItemVectors, items.Count), Join(m => m.ColdUserVector, 1), hyper, report);
    }
}
