namespace TwoTower.MLNet.Persistence;

/// <summary>
/// One process owns a folder (a server's state, a training run's checkpoints): its lock file is held open with
/// FileShare.None, an advisory flock on Unix that the OS releases when the process dies.
/// </summary>
internal static class FolderLock
{
    /// <summary>The lock file inside the folder.</summary>
    public const string FileName = ".lock";

    /// <summary>Creates <paramref name="directory"/> if needed and opens its lock file; dispose it to let go.</summary>
    /// <exception cref="InvalidOperationException">Another process holds the folder; the message is <paramref name="inUse"/> and the OS's reason.</exception>
    public static FileStream Acquire(string directory, string inUse)
    {
        Directory.CreateDirectory(directory);
        try
        {
            return new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"{inUse} ({ex.Message})", ex);
        }
    }
}
