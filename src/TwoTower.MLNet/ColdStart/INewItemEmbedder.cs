using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.ColdStart;

/// <summary>Gives a vector in a model's item space to an item the model never saw, from its metadata (no retraining).</summary>
public interface INewItemEmbedder
{
    /// <summary>How the vector is made ("item_tower", "content_projection"), for logs and /health.</summary>
    string Method { get; }

    /// <summary>Width of the vectors.</summary>
    int Dimension { get; }

    /// <summary>The vector of <paramref name="item"/>.</summary>
    float[] Embed(ItemRecord item);
}
