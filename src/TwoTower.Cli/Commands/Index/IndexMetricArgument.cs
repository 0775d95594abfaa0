using System.CommandLine;
using TwoTower.MLNet.Index;

namespace TwoTower.Cli.Commands;

/// <summary>The --metric option the index commands share: ip (inner product, the default and the peers' setting), cosine or l2.</summary>
internal static class IndexMetricArgument
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--metric") { Description = "ip (inner product, the peers' setting), cosine or l2.", DefaultValueFactory = _ => "ip" };
        option.AcceptOnlyFromAmong("ip", "cosine", "l2");
        return option;
    }

    public static VectorMetric Parse(string? text) => text switch { "cosine" => VectorMetric.Cosine, "l2" => VectorMetric.L2, _ => VectorMetric.InnerProduct };
}
