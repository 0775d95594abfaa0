using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TwoTower.Serving.Security;

namespace TwoTower.Serving.Endpoints;

/// <summary>What endpoints of one kind share, declared once so the OpenAPI document lists every answer they give.</summary>
internal static class EndpointConventions
{
    /// <summary>
    /// Maps a read-only GET, and HEAD on the same route to the same handler (load balancers and uptime checks probe with HEAD;
    /// Kestrel sends the head of the answer and no body). Only the GET is an operation of the OpenAPI document, where a second
    /// one would repeat its name.
    /// </summary>
    public static RouteHandlerBuilder MapGetAndHead(this IEndpointRouteBuilder app, string pattern, Delegate handler)
    {
        app.MapMethods(pattern, [HttpMethods.Head], handler).ExcludeFromDescription();
        return app.MapGet(pattern, handler);
    }

    /// <summary>Guards a write with <see cref="ApiKeyFilter"/>: 401 for a missing or wrong key, 403 when the server has none.</summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder, string? apiKey) =>
        builder.AddEndpointFilter(new ApiKeyFilter(apiKey))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>A JSON body read by <see cref="Hosting.RequestBody"/>: 400 when malformed, 413 past the size limit, 415 for another content type.</summary>
    public static RouteHandlerBuilder AcceptsJsonBody<T>(this RouteHandlerBuilder builder) where T : notnull =>
        builder.Accepts<T>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
