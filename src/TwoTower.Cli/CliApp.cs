using System.CommandLine;
using TwoTower.Cli.Commands;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli;

/// <summary>The `twotower` command line: builds the command tree and maps failures to one-line messages and exit codes.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad arguments or inputs.</summary>
    public const int UsageError = 2;

    /// <summary>Runs the command line with the given writers; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false)
    {
        var console = new CliConsole(output, error, interactive);
        var root = new RootCommand("twotower — two-tower retrieval recommenders for .NET (ML.NET).");
        root.Subcommands.Add(QuickstartCommand.Create(console));
        root.Subcommands.Add(SplitCommand.Create(console));
        root.Subcommands.Add(TrainCommand.Create(console));
        root.Subcommands.Add(TuneCommand.Create(console));
        root.Subcommands.Add(EvaluateCommand.Create(console));
        root.Subcommands.Add(CompareCommand.Create(console));
        root.Subcommands.Add(RecommendCommand.Create(console));
        root.Subcommands.Add(IndexBenchCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console));
        root.Subcommands.Add(ScoreCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console));
        root.Subcommands.Add(ServeCommand.Create(console));
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (Exception ex) when (IsUserError(ex))
        {
            error.WriteLine($"error: {ex.Message}");
            return UsageError;
        }
        catch (Exception ex)
        {
            error.WriteLine($"error: {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("TWOTOWER_DEBUG") == "1") error.WriteLine(ex);
            return 1;
        }
    }

    private static bool IsUserError(Exception ex) => ex is UserInputException or DataFormatException or ModelFormatException
        or FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or KeyNotFoundException or InvalidOperationException;
}
