using Microsoft.Extensions.Logging;

namespace FlowSdk.Testing;

/// <summary>
/// Thrown by the kit's assertions (<see cref="FlowAssert"/>, <see cref="MessageRecorder.SingleOf{T}(MessagePort{T})"/>,
/// <see cref="RuleRunExtensions"/>): every test framework reports an exception a test lets through as a failure.
/// </summary>
public sealed class FlowAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was expected and what was found.</param>
    public FlowAssertionException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Thrown by <see cref="FlowTestHost.SettleAsync"/> when the runtime reported errors while the flows ran:
/// a rule threw, an event could not be handled, a message could not be read. The errors are never
/// swallowed; a test that expects them catches this exception and looks at <see cref="Errors"/>.
/// </summary>
public sealed class FlowTestFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">The errors, oldest first.</param>
    public FlowTestFailureException(IReadOnlyList<FlowLogEntry> errors)
        : base(Describe(errors), errors.Select(e => e.Exception).OfType<Exception>().FirstOrDefault())
    {
        Errors = errors;
    }

    /// <summary>The errors the runtime reported, oldest first.</summary>
    public IReadOnlyList<FlowLogEntry> Errors { get; }

    private static string Describe(IReadOnlyList<FlowLogEntry> errors)
    {
        var lines = errors.Select(e => $"  - {e}");
        return $"The runtime reported {errors.Count} error(s) while the flows ran:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}

/// <summary>A log entry the runtime wrote while a <see cref="FlowTestHost"/> ran it.</summary>
/// <param name="At">When, on the host's clock.</param>
/// <param name="Level">The entry's level; Error and above, and any entry with an exception, are failures (<see cref="FlowTestHost.Errors"/>).</param>
/// <param name="Category">The logger's category, for example <c>FlowSdk.Flow.order</c>.</param>
/// <param name="Message">The log message.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
public sealed record FlowLogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception)
{
    /// <inheritdoc/>
    public override string ToString() => Exception is null
        ? $"[{Level}] {Category}: {Message}"
        : $"[{Level}] {Category}: {Message} ({Exception.GetType().Name}: {Exception.Message})";
}
