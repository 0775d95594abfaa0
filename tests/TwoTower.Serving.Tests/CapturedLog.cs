using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TwoTower.Serving.Tests;

/// <summary>The log entries a running app writes at Error or above, captured so a test can tell a logged failure from an unlogged one.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly List<(string Message, Exception? Exception)> _errors = new();

    private CapturedLog()
    {
    }

    /// <summary>Error entries so far (message, exception).</summary>
    public IReadOnlyList<(string Message, Exception? Exception)> Errors
    {
        get
        {
            lock (_errors) return _errors.ToArray();
        }
    }

    /// <summary>Starts capturing the app's log: loggers made from now on write here too.</summary>
    public static CapturedLog Attach(WebApplication app)
    {
        var log = new CapturedLog();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        return log;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (owner._errors) owner._errors.Add((formatter(state, exception), exception));
        }
    }
}
