namespace TwoTower.Cli.Infrastructure;

/// <summary>
/// Checks an output argument before any work, so a bad path fails in a second and not after a fit, and an output
/// never replaces one of the command's own inputs. The folders it creates are removed again when the command fails
/// before writing into them (<see cref="CreatedFolders"/>).
/// </summary>
internal static class OutputPaths
{
    /// <summary>
    /// Checks a file output: not empty, not a folder, not one of <paramref name="inputs"/>, in a folder we can write (created if missing).
    /// <paramref name="example"/> is the file name a folder is answered with (e.g. model.zip, items.ttvx).
    /// </summary>
    public static string File(string? path, string flag, string example, params (string Flag, string? Path)[] inputs)
    {
        var full = Full(path, flag, "a file name");
        // The example is this output's kind of file: a model.zip suggested for a CSV or an index misled.
        if (Directory.Exists(full)) throw new UserInputException($"{flag} '{path}' is a folder: give a file name (e.g. {Path.Combine(path!, example)}).");
        RefuseInputs(full, path!, flag, inputs);
        EnsureWritableFolder(Path.GetDirectoryName(full)!, path!, flag);
        return path!;
    }

    /// <summary>Checks a folder output: not empty, not a file, none of <paramref name="files"/> inside it one of <paramref name="inputs"/>; creates it.</summary>
    public static string Folder(string? path, string flag, IEnumerable<string> files, params (string Flag, string? Path)[] inputs)
    {
        var full = Full(path, flag, "a folder");
        if (System.IO.File.Exists(full)) throw new UserInputException($"{flag} '{path}' is a file: give a folder.");
        foreach (var file in files) RefuseInputs(Path.Combine(full, file), path!, flag, inputs);
        EnsureWritableFolder(full, path!, flag);
        return path!;
    }

    private static string Full(string? path, string flag, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserInputException($"{flag} is empty: give {what}.");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserInputException($"{flag} '{path}' is not a valid path: {ex.Message}");
        }
    }

    private static void RefuseInputs(string fullOutput, string path, string flag, (string Flag, string? Path)[] inputs)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var (inputFlag, input) in inputs)
            if (!string.IsNullOrWhiteSpace(input) && string.Equals(Path.GetFullPath(input), fullOutput, comparison))
                throw new UserInputException($"{flag} '{path}' would overwrite the input {inputFlag} '{input}': write the output elsewhere.");
    }

    private static void EnsureWritableFolder(string folder, string path, string flag)
    {
        try
        {
            CreatedFolders.Create(folder);
            // A probe file is the only honest test of write permission (ACLs, read-only mounts, /proc).
            using var probe = new FileStream(Path.Combine(folder, $".twotower-probe.{Environment.ProcessId}.{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{flag} '{path}': cannot write in '{folder}' ({ex.Message.TrimEnd('.')}).");
        }
    }
}
