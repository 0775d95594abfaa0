using System.Text.Json;
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
            throw new RequestException(StatusCodes.Status400BadRequest, $"Malformed JSON body: {ex.Message}");
        }
    }
}

/// <summary>A request the service refuses, with the status and the message the client sees.</summary>
internal sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
