using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// Keeps credentials out of logs and exception messages: the user information of URLs
/// (<c>nats://user:password@host</c>) and any configured password or token.
/// </summary>
internal sealed partial class Redaction
{
    private readonly string[] _secrets;

    public Redaction(IEnumerable<string?> secrets)
    {
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s) && s.Length >= 3).Select(s => s!).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Replaces the user information of every URL in <paramref name="text"/> with <c>***</c>.</summary>
    public static string RedactUrls(string text) => UserInfo().Replace(text, "$1***@");

    /// <summary>Removes URL user information and the configured secrets from <paramref name="text"/>.</summary>
    public string Apply(string text)
    {
        var result = RedactUrls(text);
        foreach (var secret in _secrets)
        {
            result = result.Replace(secret, "***", StringComparison.Ordinal);
        }

        return result;
    }

    /// <summary>Whether <paramref name="text"/> would change under <see cref="Apply"/>.</summary>
    public bool Leaks(string text) => !string.Equals(Apply(text), text, StringComparison.Ordinal);

    /// <summary>Wraps a logger factory so nothing it logs carries a credential.</summary>
    public ILoggerFactory Wrap(ILoggerFactory inner) => new RedactingLoggerFactory(inner, this);

    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s,]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    private sealed class RedactingLoggerFactory(ILoggerFactory inner, Redaction redaction) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redaction);

        public void Dispose()
        {
            // The inner factory belongs to the caller.
        }
    }

    private sealed class RedactingLogger(ILogger inner, Redaction redaction) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = redaction.Apply(formatter(state, exception));
            var safe = exception is not null && redaction.Leaks(exception.ToString())
                ? new RedactedException(exception.GetType().FullName ?? exception.GetType().Name, redaction.Apply(exception.ToString()))
                : exception;
            inner.Log(logLevel, eventId, message, safe, static (m, _) => m);
        }
    }
}

/// <summary>Stands in for an exception whose text carried a credential; keeps its type name and the redacted text.</summary>
internal sealed class RedactedException(string originalType, string redactedText)
    : Exception($"{originalType} (credentials redacted): {redactedText}")
{
}
