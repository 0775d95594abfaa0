using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TwoTower.Serving.Security;

/// <summary>Guards write endpoints: the request must carry the configured key in the X-Api-Key header (compared in constant time).</summary>
public sealed class ApiKeyFilter : IEndpointFilter
{
    /// <summary>Header that carries the key.</summary>
    public const string Header = "X-Api-Key";

    // The key's SHA-256: comparing fixed-length digests does not reveal the key's length through timing, as comparing the keys would.
    private readonly byte[]? _keyHash;

    /// <summary>Creates the filter; a null or empty key refuses every write.</summary>
    public ApiKeyFilter(string? apiKey) => _keyHash = string.IsNullOrEmpty(apiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_keyHash is null)
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Writes are disabled",
                detail: "No API key is configured on the server (set TwoTower:ApiKey or --api-key), so item and history updates are refused.");
        var sent = context.HttpContext.Request.Headers[Header].ToString();
        if (sent.Length == 0 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(sent)), _keyHash))
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Missing or wrong API key",
                detail: $"Send the configured key in the {Header} header.");
        return await next(context);
    }
}
