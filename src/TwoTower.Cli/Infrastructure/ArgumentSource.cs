namespace TwoTower.Cli.Infrastructure;

/// <summary>The argument that set an engine option, as the user typed it.</summary>
/// <param name="Text">E.g. "--epochs 0" or "--set Epochs=0".</param>
/// <param name="NamesTheProperty">True for an assignment (--set, --grid), whose text names the option itself.</param>
internal sealed record ArgumentSource(string Text, bool NamesTheProperty);
