namespace TwoTower.MLNet.Data;

/// <summary>A malformed row in an input file, with the file, the 1-based line number and the reason.</summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string file, long line, string reason)
        : base($"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    /// <summary>The file.</summary>
    public string File { get; }

    /// <summary>1-based line number (0 when the problem is not tied to a line).</summary>
    public long Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
