// iALS factors of MovieLens 100K from the library's ImplicitAlsTrainer (its defaults, k factors, no recency boost):
// item vectors are the catalogue, user vectors the queries, real inner-product data whose lengths vary with popularity.
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;

namespace IndexBench;

internal static class MovieLensFactors
{
    /// <summary>The ml-100k folder ($TWOTOWER_DATA/ml-100k, ../shared/datasets/ml-100k, the cache), or null without one (no download).</summary>
    public static string? Locate()
    {
        try { return new MovieLensLocator().Locate(allowDownload: false); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidOperationException) { return null; }
    }

    /// <summary>Item factors (items × k) and user factors (users × k), row-major.</summary>
    public static (float[] Items, float[] Users) Train(string folder, int k)
    {
        var data = TrainingData.Create(MovieLens100K.Load(folder).Interactions);
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = k, RecencyBoost = 0, Seed = 1 }).Fit(data);
        return (model.ItemFactors.ToArray(), model.UserFactors.ToArray());
    }
}
