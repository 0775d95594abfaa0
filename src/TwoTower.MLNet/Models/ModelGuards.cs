namespace TwoTower.MLNet.Models;

/// <summary>Argument checks shared by every <see cref="IRecommender.Score"/> implementation.</summary>
public static class ModelGuards
{
    /// <summary>Throws when the score buffer is too small or a user key is out of range (−1 = unknown user is allowed).</summary>
    public static void CheckScoreArgs(IRecommender model, ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var need = (long)userKeys.Length * model.Items.Count;
        if (scores.Length < need)
            throw new ArgumentException($"The score buffer has {scores.Length} floats; {userKeys.Length} users × {model.Items.Count} items need {need}.", nameof(scores));
        foreach (var u in userKeys)
            if (u < -1 || u >= model.Users.Count)
                throw new ArgumentOutOfRangeException(nameof(userKeys), u, $"User key must be −1 (unknown user) or in [0, {model.Users.Count}).");
    }
}
