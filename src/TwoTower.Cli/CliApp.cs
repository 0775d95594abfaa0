using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using TwoTower.MLNet;
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
        root.Subcommands.Add(IndexCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console));
        root.Subcommands.Add(ScoreCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console));
        root.Subcommands.Add(ServeCommand.Create(console));
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(args);
        if (args.Length == 0)
        {
            // No command at all: the overview of the commands is the useful answer, still a usage error for scripts.
            root.Parse(["--help"]).Invoke(config);
            return UsageError;
        }
        if (parse.Errors.Count > 0)
        {
            // One line and the usage exit code, not the parser's default of the whole help text and exit code 1.
            error.WriteLine($"error: {string.Join(" ", parse.Errors.Select(e => WithoutTypeName(OneLine(e.Message))))} (see '{CommandPath(parse.CommandResult)} --help')");
            return UsageError;
        }
        // A failed command leaves no empty output folder of its own behind (the output checks create them up front).
        using var created = CreatedFolders.Begin();
        try
        {
            var code = parse.Invoke(config);
            if (code != 0) created.RemoveEmpty();
            return code;
        }
        catch (CommandCancelledException ex)
        {
            created.RemoveEmpty();
            error.WriteLine(ex.Message);
            return ex.ExitCode;
        }
        catch (Exception ex) when (IsUserError(ex))
        {
            created.RemoveEmpty();
            error.WriteLine($"error: {(ex is ArgumentException a ? a.MessageWithoutParameter() : ex.Message)}");
            return UsageError;
        }
        catch (Exception ex)
        {
            created.RemoveEmpty();
            error.WriteLine($"error: {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("TWOTOWER_DEBUG") == "1") error.WriteLine(ex);
            return 1;
        }
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Command is RootCommand ? "twotower" : c.Command.Name);
        names.Reverse();
        return string.Join(" ", names);
    }

    private static bool IsUserError(Exception ex) => ex is UserInputException or DataFormatException or ModelFormatException
        or FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or KeyNotFoundException or InvalidOperationException;

    // The parser names the option's .NET type ("as expected type 'System.Nullable`1[System.Int32]'"): say what to type instead.
    private static string WithoutTypeName(string message) =>
        Regex.Replace(message, @" as expected type '(?:System\.Nullable`1\[)?System\.(\w+)\]?'\.", m => m.Groups[1].Value switch
        {
            "Int32" or "Int64" or "Int16" or "Byte" or "UInt32" or "UInt64" => ": expected a whole number.",
            "Single" or "Double" or "Decimal" => ": expected a number.",
            "Boolean" => ": expected true or false.",
            var other => $": expected a value of type {other}.",
        });

    // The parser lists a choice's values one per line ("Must be one of:\n\t'a'\n\t'b'"): errors are one line.
    private static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length <= 1) return message.Trim();
        var head = lines[0];
        var rest = string.Join(", ", lines.Skip(1));
        return head.EndsWith(':') ? $"{head} {rest}." : $"{head} {rest}";
    }
}
