using TwoTower.MLNet;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Infrastructure;

/// <summary>Loads the model file a flag names; a blank, missing or unreadable file is a usage error that names the flag.</summary>
internal static class ModelArgument
{
    /// <summary>The validated model file of <paramref name="flag"/> (e.g. --model, --baseline).</summary>
    public static LoadedModel Load(string? path, string flag)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserInputException($"{flag} is empty: give a model file (.zip) written by `twotower train`.");
        try
        {
            return ModelFile.Load(path);
        }
        // The loader's messages name the file but not the flag: compare takes two model files.
        catch (Exception ex) when (ex is ModelFormatException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException)
        {
            throw new UserInputException($"{flag}: {(ex is ArgumentException a ? a.MessageWithoutParameter() : ex.Message)}");
        }
    }
}
