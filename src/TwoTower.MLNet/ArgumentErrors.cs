namespace TwoTower.MLNet;

/// <summary>Turns the library's argument errors into text for people (CLI lines, HTTP problem details, configuration errors).</summary>
public static class ArgumentErrors
{
    /// <summary>
    /// The message of <paramref name="error"/> without the " (Parameter 'name')" suffix .NET appends: the parameter is
    /// a C# name the reader of a command line, a request or a configuration file never typed. One line: the "Actual
    /// value was …" line of an out-of-range error joins the sentence.
    /// </summary>
    public static string MessageWithoutParameter(this ArgumentException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.ParamName is { } p ? error.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : error.Message;
        return message.ReplaceLineEndings(" ");
    }
}
