namespace TwoTower.MLNet.ColdStart;

/// <summary>How a user unknown to the model gets a vector from the items they interacted with.</summary>
public enum NewUserFoldIn
{
    /// <summary><see cref="Softmax"/> where the model supports it (two-tower, normalised vectors), else <see cref="MeanOfItems"/>.</summary>
    Auto,
    /// <summary>The mean of the items' vectors (<see cref="MeanOfItemsUserEmbedder"/>).</summary>
    MeanOfItems,
    /// <summary>The model's softmax objective solved for the user vector (<see cref="SoftmaxFoldInUserEmbedder"/>); two-tower models only.</summary>
    Softmax,
}
