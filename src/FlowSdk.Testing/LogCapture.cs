using Microsoft.Extensions.Logging;

namespace FlowSdk.Testing;

/// <summary>Keeps what the runtime logs, and passes it on to the test's own logger factory when there is one.</summary>
internal sealed class LogCapture(TimeProvider time, LogLevel minimum, ILoggerFactory? forward) : ILoggerFactory
{
    private readonly Lock _gate = new();
    private readonly List<FlowLogEntry> _entries = [];
    private int _reported;

    public IReadOnlyList<FlowLogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<FlowLogEntry> Errors
    {
        get
        {
            lock (_gate)
            {
                return _entries.Where(e => e.Level >= LogLevel.Error).ToList();
            }
        }
    }

    /// <summary>The errors logged since the last call: each is reported once.</summary>
    public List<FlowLogEntry> TakeUnreportedErrors()
    {
        lock (_gate)
        {
            var errors = _entries.Skip(_reported).Where(e => e.Level >= LogLevel.Error).ToList();
            _reported = _entries.Count;
            return errors;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, forward?.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => forward?.AddProvider(provider);

    public void Dispose()
    {
    }

    private void Add(FlowLogEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Logger(LogCapture capture, string category, ILogger? forward) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => forward?.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => capture.Captures(logLevel) || (forward?.IsEnabled(logLevel) ?? false);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (capture.Captures(logLevel))
            {
                capture.Add(new FlowLogEntry(capture._time.GetUtcNow(), logLevel, category, formatter(state, exception), exception));
            }

            if (forward?.IsEnabled(logLevel) == true)
            {
                forward.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    private bool Captures(LogLevel level) => level != LogLevel.None && (level >= _minimum || level >= LogLevel.Error);

    private readonly TimeProvider _time = time;
    private readonly LogLevel _minimum = minimum;
}
