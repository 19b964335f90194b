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
                return _entries.Where(IsFailure).ToList();
            }
        }
    }

    /// <summary>The errors logged since the last call: each is reported once.</summary>
    public List<FlowLogEntry> TakeUnreportedErrors()
    {
        lock (_gate)
        {
            var errors = _entries.Skip(_reported).Where(IsFailure).ToList();
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

        // Every level is enabled: a failure's exception may travel on a Debug line (the runtime logs one
        // Warning line per failed message and the exception beside it at Debug), and it must not be missed.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (capture.Captures(logLevel) || (exception is not null && logLevel != LogLevel.None))
            {
                capture.Add(new FlowLogEntry(capture._time.GetUtcNow(), logLevel, category, formatter(state, exception), exception));
            }

            if (forward?.IsEnabled(logLevel) == true)
            {
                forward.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    /// <summary>A failure: an Error or Critical line, or any line that carries an exception.</summary>
    private static bool IsFailure(FlowLogEntry entry) => entry.Level >= LogLevel.Error || entry.Exception is not null;

    private bool Captures(LogLevel level) => level != LogLevel.None && (level >= _minimum || level >= LogLevel.Error);

    private readonly TimeProvider _time = time;
    private readonly LogLevel _minimum = minimum;
}
