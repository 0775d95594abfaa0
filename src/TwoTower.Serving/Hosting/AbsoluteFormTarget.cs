using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TwoTower.Serving.Hosting;

/// <summary>
/// Turns a request target in absolute form (GET http://host/items/a%2Fb HTTP/1.1, which a server must accept: RFC 9112 §3.2.2)
/// into the origin form (/items/a%2Fb) before routing. Kestrel takes an absolute form's path from <see cref="Uri.LocalPath"/>,
/// which decodes "%2F" too: the id "a/b" became the segments "a" and "b" and missed the id routes. For the origin form it
/// decodes every escape but "%2F", and the endpoints read ids with escaped slashes from the raw target (Endpoints.PathId).
/// </summary>
internal static class AbsoluteFormTarget
{
    /// <summary>Rewrites the request's path and raw target when the target was sent in absolute form; leaves others alone.</summary>
    public static void ToOriginForm(HttpContext ctx)
    {
        var request = ctx.Features.Get<IHttpRequestFeature>();
        if (request?.RawTarget is not { Length: > 0 } raw || raw[0] == '/') return;
        // Kestrel has parsed it already (it refuses a target Uri cannot read); "*" (OPTIONS) and host:port (CONNECT) are no URLs.
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)) return;
        var path = uri.AbsolutePath; // still escaped, dot segments removed as Kestrel removes them from an origin form
        request.RawTarget = path + uri.Query;
        ctx.Request.Path = new PathString(string.Join('/', path.Split('/').Select(DecodeSegment)));
    }

    // Every escape decoded but "%2F", as Kestrel decodes an origin-form path: a decoded one would split the segment.
    private static string DecodeSegment(string segment) =>
        string.Join("%2F", segment.Split(["%2F", "%2f"], StringSplitOptions.None).Select(Uri.UnescapeDataString));
}
