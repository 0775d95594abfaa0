using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace TwoTower.Serving.Hosting;

/// <summary>Reads JSON bodies strictly (unknown properties are errors) and turns parse errors into 400 answers that say what is wrong.</summary>
internal static class RequestBody
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        AllowDuplicateProperties = false, // {"userId":"1","userId":"2"} is a client bug, not "the last one wins"
    };

    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new RequestException(StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not supported; send application/json.");
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted)
                ?? throw new RequestException(StatusCodes.Status400BadRequest, "The body is the JSON literal null; expected an object.");
        }
        catch (JsonException ex)
        {
            throw new RequestException(StatusCodes.Status400BadRequest, Describe(ex));
        }
    }

    // The serializer's messages name .NET types (System.Nullable`1[System.DateOnly], our contract classes): say it in JSON terms.
    private static string Describe(JsonException ex)
    {
        var at = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
        var message = ex.Message;
        // A string the reader cannot decode fails as "could not be converted to System.String", which reads as a type error.
        if (ex.InnerException is InvalidOperationException { Message: var inner } && (inner.Contains("UTF-8", StringComparison.Ordinal) || inner.Contains("UTF-16", StringComparison.Ordinal)))
            return $"Malformed JSON body{at}: the string is not valid Unicode (bytes that are not UTF-8, or an escaped lone surrogate such as \\ud800).";
        // An empty (or all-whitespace) body: the reader's message speaks of its own "JSON tokens" and "isFinalBlock".
        if (message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal))
            return "Malformed JSON body: the body is empty; send a JSON object.";
        var converted = Regex.Match(message, @"could not be converted to (?<type>[^\s]+?)\. Path");
        if (converted.Success) return $"Malformed JSON body{at}: expected {Expected(converted.Groups["type"].Value)}.";
        var unmapped = Regex.Match(message, @"The JSON property '(?<name>[^']*)' could not be mapped");
        if (unmapped.Success) return $"Malformed JSON body{at}: unknown property '{unmapped.Groups["name"].Value}'.";
        var duplicate = Regex.Match(message, @"Duplicate property '(?<name>[^']*)'|duplicate propert", RegexOptions.IgnoreCase);
        if (duplicate.Success) return $"Malformed JSON body{at}: a property appears twice.";
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return $"Malformed JSON body{at}: {(cut > 0 ? message[..cut] : message)}";
    }

    private static string Expected(string type)
    {
        var t = type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        return t switch
        {
            "System.DateOnly" => "a date (\"yyyy-MM-dd\")",
            "System.Int32" or "System.Int64" => "an integer",
            "System.Single" or "System.Double" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            _ when t.Contains("List`1", StringComparison.Ordinal) || t.EndsWith("[]", StringComparison.Ordinal) => "an array",
            _ => "an object",
        };
    }
}

/// <summary>A request the service refuses, with the status and the message the client sees.</summary>
internal sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
