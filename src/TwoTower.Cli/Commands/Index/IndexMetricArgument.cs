using System.CommandLine;
using TwoTower.MLNet.Index;

namespace TwoTower.Cli.Commands;

/// <summary>The --metric option the index commands share: ip (inner product, the default and the peers' setting), cosine or l2.</summary>
internal static class IndexMetricArgument
{
    public static Option<string> Create(string defaultNote = "") =>
        new Option<string>("--metric") { Description = "ip (inner product, the peers' setting), cosine or l2" + defaultNote + ".", DefaultValueFactory = _ => "ip" }
            .AcceptingOnly("ip", "cosine", "l2");

    public static VectorMetric Parse(string? text) => text switch { "cosine" => VectorMetric.Cosine, "l2" => VectorMetric.L2, _ => VectorMetric.InnerProduct };

    private static Option<string> AcceptingOnly(this Option<string> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
