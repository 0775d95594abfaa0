using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TwoTower.MLNet.PgVector.Tests;

/// <summary>
/// The PostgreSQL the tests run against: $TWOTOWER_PG (a connection string) when set, else PGlite (PostgreSQL compiled to
/// WebAssembly, with pgvector) served on a free loopback port by pglite-socket from ./pglite (npm ci there; .ci/run does).
/// </summary>
[TestClass]
public static class TestDatabase
{
    private static Process? s_server;
    private static string? s_connectionString;
    private static string? s_unavailable;
    private static readonly Lock s_serverLock = new();
    private static Process? s_plainServer;
    private static string? s_plainConnectionString;

    /// <summary>
    /// Connection string of the test database. When there is none the test is inconclusive, with the reason, or fails
    /// under TWOTOWER_REQUIRE_PG=1 (CI), so the tests cannot pass there without running.
    /// </summary>
    public static string ConnectionString =>
        s_connectionString ?? (Environment.GetEnvironmentVariable("TWOTOWER_REQUIRE_PG") == "1"
            ? throw new AssertFailedException($"TWOTOWER_REQUIRE_PG=1 but there is no PostgreSQL with pgvector: {s_unavailable}")
            : throw new AssertInconclusiveException($"No PostgreSQL with pgvector for the tests: {s_unavailable}"));

    /// <summary>A table name no other test uses.</summary>
    public static string NewTable() => "t_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Runs one query on a connection of its own, closed before returning (unpooled: PGlite serves one connection at a time,
    /// so it must not be held while an index opens its own). Returns the first column of the first row, or null.
    /// </summary>
    public static object? Scalar(string sql)
    {
        using var conn = new Npgsql.NpgsqlConnection(ConnectionString + ";Pooling=false");
        conn.Open();
        using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        var value = cmd.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    [AssemblyInitialize]
    public static void Start(TestContext _)
    {
        if (Environment.GetEnvironmentVariable("TWOTOWER_PG") is { Length: > 0 } given)
        {
            s_connectionString = given;
            return;
        }
        (s_server, s_connectionString, s_unavailable) = StartPglite("--extensions=@electric-sql/pglite-pgvector:vector");
    }

    /// <summary>
    /// Connection string of a second PGlite server, started on first use, whose PostgreSQL has no pgvector; inconclusive
    /// when the tests run against $TWOTOWER_PG or PGlite cannot start.
    /// </summary>
    public static string WithoutPgvector()
    {
        lock (s_serverLock)
        {
            if (Environment.GetEnvironmentVariable("TWOTOWER_PG") is { Length: > 0 })
                throw new AssertInconclusiveException("TWOTOWER_PG names a server with pgvector; a server without it comes from PGlite only.");
            if (s_plainConnectionString is null)
            {
                (s_plainServer, s_plainConnectionString, var reason) = StartPglite("");
                if (s_plainConnectionString is null) throw new AssertInconclusiveException($"No PGlite server without pgvector: {reason}");
            }
            return s_plainConnectionString;
        }
    }

    // PGlite (with the given extension flags) on a free loopback port: the process and its connection string, or why not.
    private static (Process? Server, string? ConnectionString, string? Unavailable) StartPglite(string extensions)
    {
        var dir = Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.PgVector.Tests", "pglite");
        var script = Path.Combine(dir, "node_modules", "@electric-sql", "pglite-socket", "dist", "scripts", "server.js");
        if (!File.Exists(script))
            return (null, null, $"'{script}' is missing (run `npm ci --prefix {dir}`, or set TWOTOWER_PG to a PostgreSQL connection string).");
        var port = FreePort();
        var psi = new ProcessStartInfo("node", $"\"{script}\" --port={port} --host=127.0.0.1 {extensions} --max-connections=8")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process server;
        try
        {
            server = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, null, $"node could not be started ({ex.Message}).");
        }
        var ready = new TaskCompletionSource();
        server.OutputDataReceived += (_, e) => { if (e.Data?.Contains("listening", StringComparison.OrdinalIgnoreCase) == true) ready.TrySetResult(); };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            Kill(server);
            return (null, null, "the PGlite server did not start listening within 60 s.");
        }
        // PGlite has one backend. The server queues up to 8 connections onto it (--max-connections), because with its default
        // of 1 a connection opened while the previous one was still closing was reset; a client pool of one keeps commands in turn.
        return (server, $"Host=127.0.0.1;Port={port};Username=postgres;Password=unused;Database=postgres;SSL Mode=Disable;Maximum Pool Size=1;Timeout=60;Command Timeout=300", null);
    }

    [AssemblyCleanup]
    public static void Stop()
    {
        TestPaths.DeleteRunFolder();
        Kill(s_server);
        s_server = null;
        Kill(s_plainServer);
        s_plainServer = null;
    }

    private static void Kill(Process? server)
    {
        if (server is null) return;
        try
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        server.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
