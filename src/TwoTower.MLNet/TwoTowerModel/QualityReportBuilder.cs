using System.Numerics.Tensors;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Fills the embedding diagnostics of a <see cref="TwoTowerQualityReport"/>: norms, neighbour genre coherence, coverage.</summary>
internal static class QualityReportBuilder
{
    // Entities whose pre-normalisation norms are computed (one managed forward pass each): a strided sample beyond this.
    private const int NormSample = 20_000;

    public static void Fill(TwoTowerQualityReport report, TwoTowerRecommender model, FeatureTable userFeatures, FeatureTable itemFeatures, Parameter? userId, Parameter? itemId, int[] trainedUsers)
    {
        var d = model.Dimension;
        var nItems = model.Items.Count;
        var items = model.ItemVectors.Span;
        report.ItemVectorNorms = Quantiles(RowNorms(items, nItems, d));
        report.UserVectorNorms = Quantiles(RowNorms(model.UserVectors.Span, model.Users.Count, d));
        if (itemId is not null) report.ItemIdEmbeddingNorms = Quantiles(RowNorms(itemId.Value, itemId.Rows, itemId.Columns));
        if (userId is not null) report.UserIdEmbeddingNorms = Quantiles(trainedUsers.Select(u => (double)TensorPrimitives.Norm(userId.ValueRow(u))).ToArray());
        report.ItemNormsBeforeNormalization = NormsBeforeNormalization(model.ItemTower, itemFeatures, Enumerable.Range(0, nItems).ToArray());
        report.UserNormsBeforeNormalization = NormsBeforeNormalization(model.UserTower, userFeatures, trainedUsers);
        var genres = itemFeatures.Bags.FirstOrDefault(b => b.Name == ItemFeatureBuilder.Genres);
        var sims = new float[nItems];
        if (genres is not null && nItems > 11)
        {
            var sets = new ulong[nItems][];
            var words = (genres.VocabularySize + 63) / 64;
            for (var i = 0; i < nItems; i++)
            {
                sets[i] = new ulong[words];
                for (var t = genres.Offsets[i]; t < genres.Offsets[i + 1]; t++) sets[i][genres.Tokens[t] / 64] |= 1UL << (genres.Tokens[t] % 64);
            }
            bool Share(int a, int b) { for (var w = 0; w < words; w++) if ((sets[a][w] & sets[b][w]) != 0) return true; return false; }
            bool HasAny(int a) => sets[a].Any(x => x != 0);
            long shared = 0, total = 0, baseShared = 0, baseTotal = 0;
            var top = new int[11];
            for (var i = 0; i < nItems; i++)
            {
                if (!HasAny(i)) continue;
                Gemm.MultiplyTransposedB(items.Slice(i * d, d), items, sims, 1, nItems, d);
                sims[i] = float.NegativeInfinity;
                var k = ScoreRanking.TopK(sims, 10, top);
                for (var j = 0; j < k; j++) { total++; if (Share(i, top[j])) shared++; }
                for (var j = 0; j < nItems; j++)
                    if (j != i && HasAny(j)) { baseTotal++; if (Share(i, j)) baseShared++; }
            }
            report.NeighbourGenreCoherence = total > 0 ? (double)shared / total : null;
            report.GenreBaseRate = baseTotal > 0 ? (double)baseShared / baseTotal : null;
        }
        // Coverage: the share of the catalogue in some known user's unfiltered top 10.
        var hit = new bool[nItems];
        var scores = new float[nItems];
        var top10 = new int[10];
        var key = new int[1];
        for (var u = 0; u < model.Users.Count; u++)
        {
            key[0] = u;
            model.Score(key, scores);
            var k = ScoreRanking.TopK(scores, Math.Min(10, nItems), top10);
            for (var j = 0; j < k; j++) hit[top10[j]] = true;
        }
        report.CatalogueCoverageAt10 = nItems > 0 ? hit.Count(h => h) / (double)nItems : double.NaN;
    }

    private static double[] NormsBeforeNormalization(TowerWeights? tower, FeatureTable features, int[] keys)
    {
        if (tower is null || !tower.Architecture.Normalize || keys.Length == 0) return Array.Empty<double>();
        var step = Math.Max(1, keys.Length / NormSample);
        var norms = new List<double>();
        for (var i = 0; i < keys.Length; i += step) norms.Add(tower.OutputNormBeforeNormalization(keys[i], FeatureSchema.Row(features, keys[i])));
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
