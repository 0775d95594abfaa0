namespace TwoTower.MLNet.Data;

/// <summary>A malformed row in an input file, with the file, the 1-based line number and the reason.</summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string file, long line, string reason)
        : this(file, line, reason, hint: null)
    {
    }

    /// <summary>Creates the exception with a hint on how to get past it, shown after the reason (e.g. that such rows can be skipped).</summary>
    public DataFormatException(string file, long line, string reason, string? hint)
        : base(hint is null ? $"{file}:{line}: {reason}" : $"{file}:{line}: {reason} ({hint})")
    {
        File = file;
        Line = line;
        Reason = reason;
        Hint = hint;
    }

    /// <summary>The file.</summary>
    public string File { get; }

    /// <summary>1-based line number (0 when the problem is not tied to a line).</summary>
    public long Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    /// <summary>How to get past it (part of the message, after the reason), or null.</summary>
    public string? Hint { get; }
}
