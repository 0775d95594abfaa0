using System.Text.Json.Serialization;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Facts about a trained two-tower model: training curves and embedding diagnostics. JSON-serialisable.</summary>
// NaN marks "not measured"; JSON has no NaN literal, so it is written as the string "NaN".
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

    /// <summary>The early-stopping metric and its best value (NaN without validation).</summary>
    public string ValidationMetric { get; set; } = "";

    /// <summary>Best validation value.</summary>
    public double BestValidationValue { get; set; } = double.NaN;

    /// <summary>Total training wall time in seconds (validation included).</summary>
    public double TrainingSeconds { get; set; }

    /// <summary>Item vector norms: min, 10th, 50th, 90th percentile, max.</summary>
    public double[] ItemVectorNorms { get; set; } = Array.Empty<double>();

    /// <summary>User vector norms: min, 10th, 50th, 90th percentile, max.</summary>
    public double[] UserVectorNorms { get; set; } = Array.Empty<double>();

    /// <summary>Item id-embedding row norms (before the MLP): min, 10th, 50th, 90th percentile, max; empty without id embeddings.</summary>
    public double[] ItemIdEmbeddingNorms { get; set; } = Array.Empty<double>();

    /// <summary>Share of an item's 10 nearest items (by score) sharing at least one genre with it (NaN without genres).</summary>
    public double NeighbourGenreCoherence { get; set; } = double.NaN;

    /// <summary>The same share for random pairs of distinct items: what coherence would be by chance.</summary>
    public double GenreBaseRate { get; set; } = double.NaN;

    /// <summary>Share of the catalogue that appears in some known user's unfiltered top 10.</summary>
    public double CatalogueCoverageAt10 { get; set; } = double.NaN;
}
