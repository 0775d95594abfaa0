namespace TwoTower.MLNet.Batch;

/// <summary>What batch scoring does with a user id the model was not trained on.</summary>
public enum UnknownUserPolicy
{
    /// <summary>Score it with the model's cold-start answer (as <c>twotower recommend</c> does for one user).</summary>
    ColdStart,

    /// <summary>Leave it out of the output and count it in the summary.</summary>
    Skip,

    /// <summary>Stop before writing anything, naming the unknown ids.</summary>
    Fail,
}
