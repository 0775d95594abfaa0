namespace TwoTower.Cli.Infrastructure;

/// <summary>A command stopped by SIGINT or SIGTERM: its message is printed as is, and the process exits with <see cref="ExitCode"/>.</summary>
internal sealed class CommandCancelledException(string message, int exitCode) : Exception(message)
{
    /// <summary>130 after SIGINT, 143 after SIGTERM (128 + the signal's number).</summary>
    public int ExitCode { get; } = exitCode;
}
