namespace TwoTower.MLNet.Training;

/// <summary>
/// A fit that ran and could not make a model with its settings: training diverged, or a least-squares system overflowed
/// float precision or was singular. The message names the option to change. <see cref="GridSearch"/> records such a
/// setting as failed and goes on with the others; any other exception (bad data, a bug) still ends the search.
/// </summary>
public sealed class TrainingFailedException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that says what failed and which option to change.</summary>
    public TrainingFailedException(string message)
        : base(message)
    {
    }
}
