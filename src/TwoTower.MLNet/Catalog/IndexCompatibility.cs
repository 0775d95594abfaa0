using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet;

/// <summary>Whether a vector index can serve a model's item vectors: the one check of the Index step and <see cref="FittedRecommender.WithIndex"/>.</summary>
internal static class IndexCompatibility
{
    /// <summary>Why <paramref name="index"/> cannot rank <paramref name="model"/>'s items as the model does, or null when it can.</summary>
    public static string? Problem(IEmbeddingRecommender model, IVectorIndex index)
    {
        if (index.Dimension != model.Dimension)
            return $"The index has dimension {index.Dimension}; the model's vectors have {model.Dimension}.";
        if (index.Metric == VectorMetric.L2)
            return "The index uses the L2 metric; the models score by inner product: use an InnerProduct (or Cosine, for normalised vectors) index.";
        var vectors = model.ItemVectors.Span;
        // Cosine ranks a query's items like the inner product only when every item vector has the same length.
        if (index.Metric == VectorMetric.Cosine && !VectorNorms.AreUnitLength(vectors, model.Dimension))
        {
            var (min, max) = VectorNorms.Range(vectors, model.Dimension);
            return $"The index uses the Cosine metric, but the model's item vectors are not unit length (norms {min:G3} to {max:G3}): " +
                "cosine would rank items differently from the model's inner product (and from a saved model's exact TopK). Use an InnerProduct index.";
        }
        return null;
    }
}
