namespace TwoTower.Cli.Infrastructure;

/// <summary>Checks an input file argument before it is read, so that a folder given where a file goes is not reported as missing.</summary>
internal static class InputFiles
{
    /// <summary>Throws <see cref="UserInputException"/> naming <paramref name="flag"/> unless <paramref name="path"/> is a file; <paramref name="what"/> says which file goes there.</summary>
    public static void Require(string path, string flag, string what)
    {
        RefuseFolder(path, flag, what);
        if (!File.Exists(path)) throw new UserInputException($"{flag} '{path}': file not found.");
    }

    /// <summary>Throws <see cref="UserInputException"/> naming <paramref name="flag"/> when <paramref name="path"/> is a folder (a missing file is left to the reader's own message).</summary>
    public static void RefuseFolder(string path, string flag, string what)
    {
        if (Directory.Exists(path)) throw new UserInputException($"{flag} '{path}' is a folder: give {what}.");
    }
}
