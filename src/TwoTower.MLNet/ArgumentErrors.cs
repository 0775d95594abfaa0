namespace TwoTower.MLNet;

/// <summary>Turns the library's argument errors into text for people (CLI lines, HTTP problem details, configuration errors).</summary>
public static class ArgumentErrors
{
    /// <summary>
    /// The message of <paramref name="error"/> without the " (Parameter 'name')" suffix .NET appends: the parameter is
    /// a C# name the reader of a command line, a request or a configuration file never typed.
    /// </summary>
    public static string MessageWithoutParameter(this ArgumentException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ParamName is { } p ? error.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : error.Message;
    }
}
