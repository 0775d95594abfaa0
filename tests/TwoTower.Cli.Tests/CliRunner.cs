using System.Text.Json.Nodes;

namespace TwoTower.Cli.Tests;

/// <summary>Runs the CLI in process and captures its output.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        /// <summary>The last stdout line parsed as the JSON object --json promises.</summary>
        public JsonObject Json => JsonNode.Parse(Out.TrimEnd().Split('\n')[^1])!.AsObject();
    }

    public static Result Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = CliApp.Run(args, o, e, interactive: false);
        return new Result(code, o.ToString(), e.ToString());
    }
}
