using System.Text.RegularExpressions;
using TwoTower.MLNet;

namespace TwoTower.Cli.Infrastructure;

/// <summary>
/// Rewords the engine's options checks, which name the options-class property ("Epochs must be ≥ 1. Actual value was 0."),
/// for what the user typed: "--epochs 0: must be ≥ 1.", "--set Epochs=0: Epochs must be ≥ 1.".
/// </summary>
internal static partial class EngineOptionErrors
{
    /// <summary>
    /// Runs <paramref name="create"/> (which builds or validates options); an <see cref="ArgumentException"/> about a property
    /// that <paramref name="setBy"/> attributes to an argument ("--epochs 0", "--set Epochs=0") becomes a usage error naming it.
    /// </summary>
    public static T Attributed<T>(Func<T> create, Func<string, ArgumentSource?> setBy)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex) when (ex.ParamName is { } property && setBy(property) is { } source)
        {
            // An assignment names the property itself, so its message keeps the name; a flag's message drops it.
            var message = source.NamesTheProperty ? WithoutActualValue(ex) : Predicate(ex) ?? WithoutActualValue(ex);
            throw new UserInputException($"{source.Text}: {message}");
        }
    }

    /// <summary><see cref="Attributed{T}"/> for a check that returns nothing (an options class's Validate).</summary>
    public static void Attributed(Action check, Func<string, ArgumentSource?> setBy) => Attributed(() => { check(); return true; }, setBy);

    /// <summary>The message without the sentence "Actual value was X." that <see cref="ArgumentOutOfRangeException"/> appends.</summary>
    public static string WithoutActualValue(ArgumentException ex) => ActualValue().Replace(ex.MessageWithoutParameter(), "");

    /// <summary>
    /// What the check says about the property, without its name: "must be ≥ 1." from "Epochs must be ≥ 1." or
    /// "ItemItemOptions.Neighbors must be ≥ 1."; null when the message does not open with the name and "must".
    /// </summary>
    public static string? Predicate(ArgumentException ex)
    {
        var message = WithoutActualValue(ex);
        if (ex.ParamName is not { } property) return null;
        var name = Regex.Match(message, $@"^(?:\w+\.)?{Regex.Escape(property)} (?=must )");
        return name.Success ? message[name.Length..] : null;
    }

    [GeneratedRegex(@"\s*Actual value was .*$")]
    private static partial Regex ActualValue();
}
