namespace TwoTower.Cli.Infrastructure;

/// <summary>
/// The output folders one invocation created (the output checks make them before any work), so a command that fails
/// leaves none of them behind empty. A folder that existed before, or that holds anything, is never removed.
/// </summary>
internal sealed class CreatedFolders : IDisposable
{
    // Per invocation: in-process runs (tests) may overlap.
    private static readonly AsyncLocal<CreatedFolders?> Current = new();
    private readonly List<string> _created = [];
    private readonly CreatedFolders? _outer;

    private CreatedFolders()
    {
        _outer = Current.Value;
        Current.Value = this;
    }

    /// <summary>Starts recording the folders <see cref="Create"/> makes, until disposed.</summary>
    public static CreatedFolders Begin() => new();

    /// <summary>Creates <paramref name="folder"/> and any missing parents, recording those it made for the current invocation.</summary>
    public static void Create(string folder)
    {
        var missing = new List<string>();
        for (var f = Path.GetFullPath(folder); !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f))
            missing.Add(f);
        Directory.CreateDirectory(folder);
        // Outermost first, so removal can go deepest first.
        missing.Reverse();
        Current.Value?._created.AddRange(missing);
    }

    /// <summary>Removes the recorded folders that are still empty, deepest first.</summary>
    public void RemoveEmpty()
    {
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            try
            {
                if (Directory.Exists(_created[i]) && !Directory.EnumerateFileSystemEntries(_created[i]).Any()) Directory.Delete(_created[i]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: the command's own error is the one to report.
            }
        }
        _created.Clear();
    }

    /// <inheritdoc/>
    public void Dispose() => Current.Value = _outer;
}
