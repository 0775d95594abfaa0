namespace TwoTower.MLNet.Persistence;

/// <summary>A model file that cannot be read: not a model, corrupt, truncated, or written by a newer version.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with a reason.</summary>
    public ModelFormatException(string path, string reason, Exception? inner = null)
        : base($"Cannot read model file '{path}': {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file that failed.</summary>
    public string Path { get; }

    /// <summary>Why it failed.</summary>
    public string Reason { get; }
}
