using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TwoTower.Serving.Endpoints;

/// <summary>
/// The id segment of a request path, fully decoded. ASP.NET Core decodes a path except "%2F", so an id "a/b" reaches a route
/// value as "a%2Fb", and an id "a%2Fb" (sent as "a%252Fb") arrives the same: only the raw request target tells them apart.
/// </summary>
internal static class PathId
{
    /// <summary>The id at path segment <paramref name="segment"/> (0 = the first after the path base, e.g. "items"), given its route value.</summary>
    public static string Decode(HttpRequest request, string routeValue, int segment)
    {
        // Without '%' the route value is already the id: the only escapes left in it are %2F and a decoded %25.
        if (!routeValue.Contains('%')) return routeValue;
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return routeValue;
        var rawSegments = raw.Split('?', 2)[0].Split('/');
        var baseSegments = request.PathBase.HasValue ? request.PathBase.Value!.Split('/').Length - 1 : 0;
        var at = 1 + baseSegments + segment;
        return at < rawSegments.Length ? Uri.UnescapeDataString(rawSegments[at]) : routeValue;
    }
}
