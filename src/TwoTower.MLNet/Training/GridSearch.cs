using System.Diagnostics;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Training;

/// <summary>One setting tried by <see cref="GridSearch"/>: its option assignments, validation metrics and fit time.</summary>
/// <param name="Assignments">The "Name=Value" assignments of this setting, one per grid axis.</param>
/// <param name="Score">The searched metric on the validation data (higher is better; lower for RMSE and MAE); NaN for a <see cref="Failure"/>.</param>
/// <param name="Metrics">Every metric of the protocol on the validation data.</param>
/// <param name="FitSeconds">Training time of this setting (all its fits).</param>
public sealed record GridSearchTrial(IReadOnlyList<string> Assignments, double Score, IReadOnlyDictionary<string, double> Metrics, double FitSeconds)
{
    /// <summary>Standard error of <see cref="Score"/> by users (NaN for a catalogue metric such as Coverage@K, which has none).</summary>
    public double ScoreStandardError { get; init; } = double.NaN;

    /// <summary>The validation result, with per-user values of the searched metric only (for <see cref="GridSearchResult.CompareWithBest"/>); averaged over the fits with several seeds.</summary>
    public EvaluationResult? Evaluation { get; init; }

    /// <summary>The searched metric of each fit, in seed order (one value unless the search fitted several seeds).</summary>
    public IReadOnlyList<double> SeedScores { get; init; } = [];

    /// <summary>
    /// Why this setting made no model (a fit of it threw <see cref="TrainingFailedException"/>: diverged, overflowed, singular),
    /// or null when it was scored. A failed trial has no metrics and is never the best.
    /// </summary>
    public string? Failure { get; init; }
}

/// <summary>The outcome of a <see cref="GridSearch"/>: every trial in grid order and the best one's model.</summary>
/// <param name="Metric">The metric that was searched (maximised; minimised when <see cref="LowerIsBetter"/>).</param>
/// <param name="Trials">Every setting tried, in grid order (<see cref="GridSearch.Expand"/>, <see cref="GridSearch.Sample"/>).</param>
/// <param name="Best">The trial with the highest score (the first of equals), among those that did not fail.</param>
/// <param name="BestModel">The model fitted with the best setting (on the training data, as evaluated).</param>
public sealed record GridSearchResult(string Metric, IReadOnlyList<GridSearchTrial> Trials, GridSearchTrial Best, IRecommender BestModel)
{
    /// <summary>Whether the metric is an error (RMSE, MAE): the best trial has the lowest score.</summary>
    public bool LowerIsBetter => MatrixFactorization.RatingEvaluation.IsRatingMetric(Metric);

    /// <summary>
    /// <paramref name="trial"/> against the best trial on the searched metric, paired over the validation users: a setting whose
    /// difference is within noise (a large p-value) is as good as the best on this validation set. Null for the best trial itself
    /// and for a metric without per-user values (Coverage@K, Gini@K, PopularityPercentile@K).
    /// </summary>
    public MetricComparison? CompareWithBest(GridSearchTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (ReferenceEquals(trial, Best) || trial.Failure is not null || trial.Evaluation?.PerUser is null || Best.Evaluation?.PerUser is null) return null;
        if (LowerIsBetter) return MatrixFactorization.RatingEvaluation.Compare(trial.Evaluation, Best.Evaluation, Metric);
        if (!trial.Evaluation.PerUser.Contains(Metric)) return null;
        return EvaluationComparison.Compare(trial.Evaluation, Best.Evaluation, Metric);
    }
}

/// <summary>
/// Search over option values: every combination of the grid's axes (or a seeded random sample of them) is fitted on the
/// training data and scored on its validation data, and the best model is kept. The defaults of the models were tuned on MovieLens; on other data
/// (different density, popularity skew, history lengths) their regularisation and confidence weights need the same tuning.
/// </summary>
public static class GridSearch
{
    /// <summary>At most this many settings are fitted in one search: a larger full grid is almost always a typo in a value list (a random search samples larger ones).</summary>
    public const int MaxSettings = 256;

    /// <summary>
    /// The settings of a grid, axis by axis ("Name=v1,v2,..."; the last axis varies fastest), each as one "Name=Value" per axis.
    /// Values are split on ',' except inside [ ]: write integer-list values as "HiddenLayers=[256,128],[128]".
    /// </summary>
    /// <exception cref="ArgumentException">An axis is not Name=values, names an option twice, has an empty value, or the grid has more than <see cref="MaxSettings"/> settings.</exception>
    public static IReadOnlyList<IReadOnlyList<string>> Expand(IReadOnlyList<string> axes)
    {
        var parsed = Parse(axes);
        var count = Size(parsed);
        if (count > MaxSettings) throw new ArgumentException($"The grid has {count} settings; at most {MaxSettings} are searched in one run; search a random sample of them instead (Sample, or Run's trials).", nameof(axes));
        return All(parsed, count);
    }

    /// <summary>
    /// Random search: <paramref name="count"/> distinct settings drawn uniformly from the grid of <paramref name="axes"/> (as for
    /// <see cref="Expand"/>, which may be far larger than <see cref="MaxSettings"/>), listed in grid order; the whole grid when it
    /// has no more than <paramref name="count"/> settings. The same seed draws the same settings.
    /// </summary>
    /// <remarks>On a grid of many axes a few dozen random settings find a setting near the best far more often than a coarse
    /// full grid of the same cost does, because every trial tries a new value of every axis (Bergstra and Bengio, 2012).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or above <see cref="MaxSettings"/>.</exception>
    /// <exception cref="ArgumentException">A malformed axis, as for <see cref="Expand"/>.</exception>
    public static IReadOnlyList<IReadOnlyList<string>> Sample(IReadOnlyList<string> axes, int count, int seed)
    {
        if (count is < 1 or > MaxSettings) throw new ArgumentOutOfRangeException(nameof(count), count, $"The number of random settings must be 1 to {MaxSettings}.");
        var parsed = Parse(axes);
        var size = Size(parsed);
        if (size <= count) return All(parsed, size);
        var rng = new Random(seed);
        var drawn = new SortedSet<long>();
        while (drawn.Count < count) drawn.Add(rng.NextInt64(size));
        return drawn.Select(i => Setting(parsed, i)).ToArray();
    }

    /// <summary>The number of settings of the grid of <paramref name="axes"/> (as for <see cref="Expand"/>, without listing them).</summary>
    /// <exception cref="ArgumentException">A malformed axis, as for <see cref="Expand"/>.</exception>
    public static long Count(IReadOnlyList<string> axes) => Size(Parse(axes));

    private static List<(string Name, string[] Values)> Parse(IReadOnlyList<string> axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Count == 0) throw new ArgumentException("A grid needs at least one axis, e.g. Alpha=1,5,20.", nameof(axes));
        var parsed = new List<(string Name, string[] Values)>();
        foreach (var axis in axes)
        {
            if (axis is null) throw new ArgumentException("A grid axis is null; each axis is Name=v1,v2,... (e.g. Alpha=1,5,20).", nameof(axes));
            var eq = axis.IndexOf('=');
            if (eq <= 0 || eq == axis.Length - 1) throw new ArgumentException($"Grid axis '{axis}' is not Name=v1,v2,... (e.g. Alpha=1,5,20).", nameof(axes));
            var name = axis[..eq].Trim();
            if (parsed.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"Grid axis '{name}' is given twice; list all its values in one axis.", nameof(axes));
            var raw = SplitValues(axis[(eq + 1)..]);
            if (raw.Any(v => v.Length == 0)) throw new ArgumentException($"Grid axis '{axis}' has an empty value (write an empty list as []).", nameof(axes));
            parsed.Add((name, raw.Select(v => v.StartsWith('[') && v.EndsWith(']') ? v[1..^1].Trim() : v).Distinct(StringComparer.Ordinal).ToArray()));
        }
        return parsed;
    }

    // The number of settings; a grid beyond 2^62 is refused rather than overflowing.
    private static long Size(List<(string Name, string[] Values)> parsed)
    {
        var size = 1L;
        foreach (var (_, values) in parsed)
        {
            if (size > (1L << 62) / values.Length) throw new ArgumentException("The grid has more than 2^62 settings.", "axes");
            size *= values.Length;
        }
        return size;
    }

    // Every setting of a grid of `size` settings (at most MaxSettings), in grid order.
    private static IReadOnlyList<IReadOnlyList<string>> All(List<(string Name, string[] Values)> parsed, long size) =>
        Enumerable.Range(0, (int)size).Select(i => Setting(parsed, i)).ToArray();

    // Setting number index of the grid, the last axis varying fastest (mixed-radix digits).
    private static IReadOnlyList<string> Setting(List<(string Name, string[] Values)> parsed, long index)
    {
        var setting = new string[parsed.Count];
        for (var a = parsed.Count - 1; a >= 0; a--)
        {
            var (name, values) = parsed[a];
            setting[a] = $"{name}={values[index % values.Length]}";
            index /= values.Length;
        }
        return setting;
    }

    /// <summary>
    /// Fits <paramref name="createTrainer"/>'s trainer for every setting of <paramref name="axes"/> on <paramref name="data"/>
    /// and scores it on <paramref name="data"/>'s validation interactions by <paramref name="metric"/> ("NDCG@10", "HR@10",
    /// "MRR", or a TFRS one: "top_100", "f_top_100"), or, for a model that predicts ratings (explicit matrix factorization), by
    /// the error of its predicted ratings ("RMSE", "MAE", minimised). Trainers that validate while training (the two-tower's
    /// early stopping) see the same validation data.
    /// </summary>
    /// <param name="data">Training data with validation interactions.</param>
    /// <param name="axes">The grid, as for <see cref="Expand"/>.</param>
    /// <param name="createTrainer">A trainer for one setting (its "Name=Value" assignments); it applies them to its options.</param>
    /// <param name="metric">The metric to maximise (a ranking metric) or minimise (RMSE, MAE).</param>
    /// <param name="threads">Evaluation threads (0 = all cores).</param>
    /// <param name="onTrial">Called after each trial with the trial, how many are done and how many there are.</param>
    /// <param name="progress">Receives each fit's own progress reports (epochs, iterations).</param>
    /// <param name="trials">0: every setting of the grid (<see cref="Expand"/>); else a random search of this many settings (<see cref="Sample"/>).</param>
    /// <param name="seed">The random search's seed, and the first training seed when <paramref name="seeds"/> &gt; 1.</param>
    /// <param name="seeds">
    /// Fits per setting: with N &gt; 1 each setting is also fitted with the options' <c>Seed</c> set to seed, seed + 1, …, seed + N − 1,
    /// and scored by the mean over the fits (each user's value averaged too, so <see cref="GridSearchResult.CompareWithBest"/>
    /// pairs seed-averaged users). Training randomness then moves the ranking of the settings less. The kept model is the
    /// best setting's first fit.
    /// </param>
    /// <param name="cancellationToken">Passed to every fit and to the ranking evaluation of each, and checked between them; cancelling ends the search with <see cref="OperationCanceledException"/> (the trials finished by then were reported to <paramref name="onTrial"/>).</param>
    /// <remarks>A setting whose fit throws <see cref="TrainingFailedException"/> (diverged, overflowed, singular) is kept as a failed
    /// trial (<see cref="GridSearchTrial.Failure"/>) and the search goes on; other exceptions end it.</remarks>
    /// <exception cref="ArgumentException">No validation data, an unknown metric, a bad grid, or seeds &gt; 1 with a Seed axis.</exception>
    /// <exception cref="TrainingFailedException">Every setting failed.</exception>
    public static GridSearchResult Run(TrainingData data, IReadOnlyList<string> axes, Func<IReadOnlyList<string>, IRecommenderTrainer> createTrainer,
        string metric = "NDCG@10", int threads = 0, Action<GridSearchTrial, int, int>? onTrial = null, IProgress<TrainingProgress>? progress = null,
        int trials = 0, int seed = 0, int seeds = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(createTrainer);
        if (data.Validation is not { Count: > 0 } validation)
            throw new ArgumentException("A grid search needs validation interactions that the training data knows (TrainingData.Create(train, validation)).", nameof(data));
        var rating = MatrixFactorization.RatingEvaluation.IsRatingMetric(metric);
        var parsedMetric = rating ? null : ValidationMetric.Parse(metric);
        if (trials < 0) throw new ArgumentOutOfRangeException(nameof(trials), trials, "trials must be ≥ 0 (0 = every setting of the grid).");
        var settings = trials == 0 ? Expand(axes) : Sample(axes, trials, seed);
        CheckSeeds(settings, seeds);
        // Every setting's trainer is made (so its options are checked) before the first fit: a bad value in the
        // last setting must not throw away an hour of finished trials.
        foreach (var setting in settings) CheckMetric(metric, createTrainer(seeds == 1 ? setting : [.. setting, $"Seed={seed}"]));
        var done = new List<GridSearchTrial>();
        GridSearchTrial? best = null;
        IRecommender? bestModel = null;
        foreach (var setting in settings)
        {
            IRecommender? model = null;
            var fits = new List<EvaluationResult>();
            var seconds = 0.0;
            string? failure = null;
            for (var s = 0; s < seeds; s++)
            {
                IReadOnlyList<string> assignments = seeds == 1 ? setting : [.. setting, $"Seed={seed + s}"];
                cancellationToken.ThrowIfCancellationRequested();
                var trainer = createTrainer(assignments);
                var sw = Stopwatch.StartNew();
                IRecommender fitted;
                try
                {
                    fitted = trainer.Fit(data, progress, cancellationToken);
                }
                catch (TrainingFailedException ex)
                {
                    // A learning rate that diverges is an answer of the search, not the end of it: the other settings still run.
                    failure = seeds == 1 ? ex.Message : $"Seed={seed + s}: {ex.Message}";
                    seconds += sw.Elapsed.TotalSeconds;
                    break;
                }
                seconds += sw.Elapsed.TotalSeconds;
                model ??= fitted;
                fits.Add(parsedMetric is null
                    ? MatrixFactorization.RatingEvaluation.Evaluate((MatrixFactorization.MatrixFactorizationModel)fitted, validation)
                    : parsedMetric.EvaluateResult(fitted, data.Train, validation, threads, cancellationToken).WithPerUserOnly(parsedMetric.Name));
            }
            if (failure is not null)
            {
                var failed = new GridSearchTrial(setting, double.NaN, new Dictionary<string, double>(), seconds) { Failure = failure };
                done.Add(failed);
                onTrial?.Invoke(failed, done.Count, settings.Count);
                continue;
            }
            var evaluation = fits.Count == 1 ? fits[0] : EvaluationResult.Average(fits);
            var name = parsedMetric?.Name ?? metric;
            var trial = new GridSearchTrial(setting, evaluation[name], evaluation.Metrics, seconds)
            {
                ScoreStandardError = rating ? MatrixFactorization.RatingEvaluation.StandardError(evaluation, name)
                    : evaluation.StandardErrors.TryGetValue(name, out var se) ? se : double.NaN,
                Evaluation = evaluation,
                SeedScores = fits.Select(f => f[name]).ToArray(),
            };
            done.Add(trial);
            if (best is null || (rating ? trial.Score < best.Score : trial.Score > best.Score))
            {
                best = trial;
                bestModel = model;
            }
            onTrial?.Invoke(trial, done.Count, settings.Count);
        }
        if (best is null)
            throw new TrainingFailedException($"Every setting of the search failed; the first: {string.Join(' ', done[0].Assignments)}: {done[0].Failure}");
        return new GridSearchResult(parsedMetric?.Name ?? metric, done, best, bestModel!);
    }

    /// <summary>Checks that <paramref name="settings"/> can each be fitted with <paramref name="seeds"/> training seeds, before any fit.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seeds"/> is below 1.</exception>
    /// <exception cref="ArgumentException">Several seeds with a grid that already has a Seed axis.</exception>
    public static void CheckSeeds(IReadOnlyList<IReadOnlyList<string>> settings, int seeds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "seeds must be ≥ 1.");
        if (seeds > 1 && settings.Any(s => s.Any(a => a.StartsWith("Seed=", StringComparison.OrdinalIgnoreCase))))
            throw new ArgumentException("Several seeds per setting, but the grid already has a Seed axis: drop the Seed axis or fit one seed.", nameof(seeds));
    }

    /// <summary>Checks a metric name <see cref="Run"/> can search, before any fit; with a <paramref name="trainer"/>, that its models can be scored by it.</summary>
    /// <exception cref="ArgumentException">
    /// The name is not a metric of the full-ranking or TFRS protocol, nor RMSE or MAE; or it is RMSE or MAE and the trainer's
    /// models rank items without predicting ratings (only explicit matrix factorization predicts them).
    /// </exception>
    public static void CheckMetric(string metric, IRecommenderTrainer? trainer = null)
    {
        if (!MatrixFactorization.RatingEvaluation.IsRatingMetric(metric))
        {
            ValidationMetric.Parse(metric);
            return;
        }
        if (trainer is not null && trainer.ModelType != MatrixFactorization.MatrixFactorizationModel.ExplicitModelType)
            throw new ArgumentException($"{metric}: only 'mf' (explicit matrix factorization) predicts ratings; the '{trainer.ModelType}' model ranks items without predicting ratings, so search it by a ranking metric such as NDCG@10.", nameof(metric));
    }

    // Commas separate values except inside brackets, so list-valued options can be searched too.
    private static string[] SplitValues(string text)
    {
        var values = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '[') depth++;
            else if (i < text.Length && text[i] == ']') depth--;
            else if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                values.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        return values.ToArray();
    }
}
