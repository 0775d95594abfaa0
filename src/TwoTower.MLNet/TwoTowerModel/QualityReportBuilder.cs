using System.Numerics.Tensors;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Fills the embedding diagnostics of a <see cref="TwoTowerQualityReport"/>: norms, neighbour genre coherence, coverage.</summary>
internal static class QualityReportBuilder
{
    // Entities whose pre-normalisation norms are computed (one managed forward pass each): a strided sample beyond this.
    private const int NormSample = 20_000;

    public static void Fill(TwoTowerQualityReport report, TwoTowerRecommender model, FeatureTable userFeatures, FeatureTable itemFeatures, Parameter? userId, Parameter? itemId, int[] trainedUsers, int threads,
        CancellationToken cancellationToken = default)
    {
        // Seconds at 40k users × 50k items, after the last epoch: a cancel must not wait for it.
        cancellationToken.ThrowIfCancellationRequested();
        var d = model.Dimension;
        var nItems = model.Items.Count;
        var items = model.ItemVectors.Span;
        report.ItemVectorNorms = Quantiles(RowNorms(items, nItems, d));
        report.UserVectorNorms = Quantiles(RowNorms(model.UserVectors.Span, model.Users.Count, d));
        if (itemId is not null) report.ItemIdEmbeddingNorms = Quantiles(RowNorms(itemId.Value, itemId.Rows, itemId.Columns));
        if (userId is not null) report.UserIdEmbeddingNorms = Quantiles(trainedUsers.Select(u => (double)TensorPrimitives.Norm(userId.ValueRow(u))).ToArray());
        report.ItemNormsBeforeNormalization = NormsBeforeNormalization(model.ItemTower, itemFeatures, Enumerable.Range(0, nItems).ToArray(), cancellationToken);
        report.UserNormsBeforeNormalization = NormsBeforeNormalization(model.UserTower, userFeatures, trainedUsers, cancellationToken);
        var genres = itemFeatures.Bags.FirstOrDefault(b => b.Name == ItemFeatureBuilder.Genres);
        if (genres is not null)
        {
            report.NeighbourGenreCoherence = EmbeddingDiagnostics.NeighbourGenreCoherence(model.ItemVectors, nItems, d, genres, threads, cancellationToken: cancellationToken);
            report.GenreBaseRate = report.NeighbourGenreCoherence is null ? null : EmbeddingDiagnostics.GenreBaseRate(genres, nItems);
        }
        report.CatalogueCoverageAt10 = EmbeddingDiagnostics.CatalogueCoverageAt10(model, threads, cancellationToken);
        if (Collapsed(report.CatalogueCoverageAt10, model.Users.Count, nItems) is { } distinct)
            report.Warnings.Add($"the model recommends nearly the same items to every user ({distinct} distinct items in all top-10 lists): it may have collapsed; try a lower LearningRate.");
    }

    /// <summary>
    /// The number of distinct items in all users' top-10 lists when it is below 20 with at least 20 users and 40 items, else
    /// null: a collapsed model (LearningRate 1 gives everyone the same dozen items) trains to a finite loss, so only its lists tell.
    /// </summary>
    internal static int? Collapsed(double coverageAt10, int users, int items)
    {
        if (double.IsNaN(coverageAt10) || users < 20 || items < 40) return null;
        var distinct = (int)Math.Round(coverageAt10 * items);
        return distinct < 20 ? distinct : null;
    }

    private static double[] NormsBeforeNormalization(TowerWeights? tower, FeatureTable features, int[] keys, CancellationToken cancellationToken)
    {
        if (tower is null || !tower.Architecture.Normalize || keys.Length == 0) return Array.Empty<double>();
        var step = Math.Max(1, keys.Length / NormSample);
        var norms = new List<double>();
        for (var i = 0; i < keys.Length; i += step)
        {
            cancellationToken.ThrowIfCancellationRequested();
            norms.Add(tower.OutputNormBeforeNormalization(keys[i], FeatureSchema.Row(features, keys[i])));
        }
        return Quantiles(norms.ToArray());
    }

    private static double[] RowNorms(ReadOnlySpan<float> m, int rows, int cols)
    {
        var r = new double[rows];
        for (var i = 0; i < rows; i++) r[i] = TensorPrimitives.Norm(m.Slice(i * cols, cols));
        return r;
    }

    private static double[] Quantiles(double[] v)
    {
        if (v.Length == 0) return Array.Empty<double>();
        Array.Sort(v);
        double Q(double q) => v[(int)Math.Round(q * (v.Length - 1))];
        return new[] { v[0], Q(0.1), Q(0.5), Q(0.9), v[^1] };
    }
}
