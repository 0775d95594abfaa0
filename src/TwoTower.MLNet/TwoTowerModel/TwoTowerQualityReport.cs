using System.Text.Json.Serialization;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// Facts about a trained two-tower model: training curves and embedding diagnostics. JSON-serialisable. For an ensemble
/// (<see cref="TwoTowerTrainerOptions.EnsembleSize"/> &gt; 1) the curves and epochs are member 0's, <see cref="Members"/>
/// holds every member's, and the vector diagnostics describe the combined vectors.
/// </summary>
// Figures that were not measured are null; the attribute still reads the string "NaN" that older model files hold.
[JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed class TwoTowerQualityReport
{
    /// <summary>Mean training loss per epoch.</summary>
    public List<double> LossCurve { get; set; } = new();

    /// <summary>Validation metrics per epoch (empty without validation data).</summary>
    public List<Dictionary<string, double>> ValidationCurve { get; set; } = new();

    /// <summary>Training examples per second per epoch.</summary>
    public List<double> ExamplesPerSecond { get; set; } = new();

    /// <summary>Epochs run.</summary>
    public int EpochsRun { get; set; }

    /// <summary>1-based epoch whose parameters the model holds (the best validation epoch, or the last).</summary>
    public int BestEpoch { get; set; }

    /// <summary>The early-stopping metric (empty without validation).</summary>
    public string ValidationMetric { get; set; } = "";

    /// <summary>Best validation value; null without validation data (null rather than NaN: reports are JSON).</summary>
    public double? BestValidationValue { get; set; }

    /// <summary>Total training wall time in seconds (validation included).</summary>
    public double TrainingSeconds { get; set; }

    /// <summary>Item vector norms: min, 10th, 50th, 90th percentile, max.</summary>
    public double[] ItemVectorNorms { get; set; } = Array.Empty<double>();

    /// <summary>User vector norms: min, 10th, 50th, 90th percentile, max.</summary>
    public double[] UserVectorNorms { get; set; } = Array.Empty<double>();

    /// <summary>Item id-embedding row norms (before the MLP): min, 10th, 50th, 90th percentile, max; empty without id embeddings.</summary>
    public double[] ItemIdEmbeddingNorms { get; set; } = Array.Empty<double>();

    /// <summary>User id-embedding row norms (before the MLP) of users seen in training: min, 10th, 50th, 90th percentile, max; empty without user ids.</summary>
    public double[] UserIdEmbeddingNorms { get; set; } = Array.Empty<double>();

    /// <summary>
    /// Norms of the item tower's output before its L2 normalisation (the normalised vectors all have norm 1, so these are the
    /// informative ones): min, 10th, 50th, 90th percentile, max; empty when the tower does not normalise or was not kept.
    /// </summary>
    public double[] ItemNormsBeforeNormalization { get; set; } = Array.Empty<double>();

    /// <summary>The same for the user tower, over the users seen in training.</summary>
    public double[] UserNormsBeforeNormalization { get; set; } = Array.Empty<double>();

    /// <summary>
    /// Share of an item's 10 nearest items (by score) sharing at least one genre with it (null without genres): over every item
    /// with a genre up to 5,000 of them, an even stride through the catalogue beyond (the neighbours always come from all items).
    /// </summary>
    public double? NeighbourGenreCoherence { get; set; }

    /// <summary>The same share with a random other item as the neighbour: what coherence would be by chance (null without genres).</summary>
    public double? GenreBaseRate { get; set; }

    /// <summary>Share of the catalogue that appears in some known user's unfiltered top 10.</summary>
    public double CatalogueCoverageAt10 { get; set; } = double.NaN;

    /// <summary>Signs that the model is of little use, e.g. a collapse (every user gets nearly the same items); empty when none.</summary>
    public List<string> Warnings { get; set; } = new();

    /// <summary>
    /// An ensemble's members in order (seed <see cref="TwoTowerTrainerOptions.Seed"/> + 1000 × member): each one's curves,
    /// epochs and best validation value, without vector diagnostics; null for a single model.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<TwoTowerQualityReport>? Members { get; set; }
}
