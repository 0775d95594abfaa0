using System.Net.Sockets;
using System.Text;

namespace TwoTower.Serving.Tests;

/// <summary>
/// One HTTP/1.1 exchange over a plain TCP connection, request target sent byte for byte: HttpClient normalises targets
/// (it never sends the absolute form to a server) and hides whether a HEAD answer carried body bytes.
/// </summary>
internal static class RawHttp
{
    /// <summary>An answer: status code, header lines (name: value), and every byte after the header block.</summary>
    public sealed record Answer(int Status, IReadOnlyList<string> Headers, byte[] Body)
    {
        /// <summary>The value of the first header of this name, or null.</summary>
        public string? Header(string name) => Headers.FirstOrDefault(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();
    }

    /// <summary>
    /// Sends "<paramref name="method"/> <paramref name="target"/> HTTP/1.1" with Host, Connection: close, the headers and the
    /// body (UTF-8, with its Content-Length), and reads the answer to the end.
    /// </summary>
    public static async Task<Answer> SendAsync(Uri server, string method, string target, string? body = null, params string[] headers)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var h in headers) request.Append(h).Append("\r\n");
        var content = Encoding.UTF8.GetBytes(body ?? "");
        if (body is not null) request.Append("Content-Length: ").Append(content.Length).Append("\r\n");
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        await stream.WriteAsync(content);
        using var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.CopyToAsync(received, timeout.Token);
        var bytes = received.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0) throw new InvalidDataException($"No complete header block in the answer: {Encoding.ASCII.GetString(bytes)}");
        var lines = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        var answer = new Answer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), lines[1..], bytes[(end + 4)..]);
        return answer.Header("Transfer-Encoding") == "chunked" ? answer with { Body = Dechunk(answer.Body) } : answer;
    }

    // The body's chunks joined: each is "<hex size>\r\n<bytes>\r\n", and a size of 0 ends them.
    private static byte[] Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var at = 0;
        while (at < chunked.Length)
        {
            var line = chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, line).Split(';')[0], 16);
            if (size == 0) break;
            body.Write(chunked, at + line + 2, size);
            at += line + 2 + size + 2;
        }
        return body.ToArray();
    }
}
