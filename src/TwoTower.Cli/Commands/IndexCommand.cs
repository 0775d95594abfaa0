using System.CommandLine;
using TwoTower.Cli.Infrastructure;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower index`: build an index file, search it, or benchmark a spec.</summary>
internal static class IndexCommand
{
    public static Command Create(CliConsole console)
    {
        var index = new Command("index", "Vector index tools: `index build` (a saved index from a model's item vectors or a vector file), " +
            "`index search` (top-k of queries or of a user), `index bench` (recall and speed of a spec on benchmark files).");
        index.Subcommands.Add(IndexBuildCommand.Create(console));
        index.Subcommands.Add(IndexSearchCommand.Create(console));
        index.Subcommands.Add(IndexBenchCommand.CreateBench(console));
        return index;
    }
}
