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
        var rawSegments = WithoutDotSegments(raw.Split('?', 2)[0].Split('/'));
        var baseSegments = request.PathBase.HasValue ? request.PathBase.Value!.Split('/').Length - 1 : 0;
        var at = 1 + baseSegments + segment;
        return at < rawSegments.Count ? Uri.UnescapeDataString(rawSegments[at]) : routeValue;
    }

    // Kestrel removes "." and ".." segments (also escaped ones, %2E) from the path the routes see: the raw target's must go
    // the same way, or "/x/../items/a%2Fb" read the id at the position of "..", and a PUT wrote to an item of that name.
    private static List<string> WithoutDotSegments(string[] segments)
    {
        var kept = new List<string>(segments.Length) { segments[0] };
        for (var i = 1; i < segments.Length; i++)
        {
            switch (Uri.UnescapeDataString(segments[i]))
            {
                case ".":
                    break;
                case "..":
                    if (kept.Count > 1) kept.RemoveAt(kept.Count - 1);
                    break;
                default:
                    kept.Add(segments[i]);
                    break;
            }
        }
        return kept;
    }
}
