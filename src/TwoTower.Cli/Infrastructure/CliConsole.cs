using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.MLNet.Training;

namespace TwoTower.Cli.Infrastructure;

/// <summary>Where a command writes: tables and text through Spectre.Console, the final JSON object as the last stdout line.</summary>
internal sealed class CliConsole
{
    private static readonly JsonSerializerOptions JsonLine = new() { WriteIndented = false };

    public CliConsole(TextWriter output, TextWriter error, bool interactive)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive) Ansi.Profile.Width = 160;
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>True when stdout is a terminal: progress bars and colours are allowed.</summary>
    public bool Interactive { get; }

    public IAnsiConsole Ansi { get; }

    /// <summary>Set by commands with --json: no tables or bars on stdout, one JSON object as the last line.</summary>
    public bool Json { get; set; }

    public void Info(string text)
    {
        if (!Json) Ansi.MarkupLine(Markup.Escape(text));
    }

    public void Write(Spectre.Console.Rendering.IRenderable renderable)
    {
        if (!Json) Ansi.Write(renderable);
    }

    public void Log(string text) => Error.WriteLine(text);

    public void WriteJson(JsonObject obj)
    {
        Output.WriteLine(obj.ToJsonString(JsonLine));
        Output.Flush();
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar when interactive, else with one stderr line per reported step.</summary>
    public T WithProgress<T>(string title, Func<IProgress<TrainingProgress>, T> work)
    {
        if (Interactive && !Json)
        {
            T result = default!;
            Ansi.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                    result = work(new SynchronousProgress<TrainingProgress>(p =>
                    {
                        // An ensemble's members run one after another: one bar over all their steps, not a bar restarting per member.
                        var members = Math.Max(1, p.Members);
                        task.MaxValue = Math.Max(1, p.TotalSteps * members);
                        task.Value = (Math.Max(1, p.Member) - 1) * p.TotalSteps + p.Step;
                        task.Description = Markup.Escape(p.Members > 1 ? $"{title} (member {p.Member}/{p.Members}) {p.Figures()}" : $"{title} {p.Figures()}");
                    }));
                    task.Value = task.MaxValue;
                });
            return result;
        }
        return work(new SynchronousProgress<TrainingProgress>(p => Log($"{title}: {p}")));
    }
}
