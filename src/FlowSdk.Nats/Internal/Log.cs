using Microsoft.Extensions.Logging;

namespace FlowSdk.Nats.Internal;

/// <summary>Everything FlowSdk.Nats logs. Payloads and credentials are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Created stream {Stream} capturing {Subjects}")]
    public static partial void StreamCreated(ILogger logger, string stream, IEnumerable<string> subjects);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream} now captures {Subjects}")]
    public static partial void StreamUpdated(ILogger logger, string stream, IEnumerable<string> subjects);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created key/value bucket {Bucket}")]
    public static partial void BucketCreated(ILogger logger, string bucket);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Consumer {Consumer} on stream {Stream} is ready")]
    public static partial void ConsumerReady(ILogger logger, string consumer, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} on stream {Stream} stopped delivering; retrying in {Delay}")]
    public static partial void ConsumerFailed(ILogger logger, string consumer, string stream, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Sequence} on {Subject} was given up after {Deliveries} deliveries and published to {DeadLetterSubject}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, ulong sequence, SafeSubject subject, int deliveries, string deadLetterSubject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Sequence} on {Subject} was given up after {Deliveries} deliveries and dropped (dead-lettering is off): {Reason}")]
    public static partial void Dropped(ILogger logger, ulong sequence, SafeSubject subject, int deliveries, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Sequence} on {Subject} could not be dead-lettered now; it will be delivered again")]
    public static partial void DeadLetterFailed(ILogger logger, ulong sequence, SafeSubject subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {Sequence} on {Subject} was given up after {Deliveries} deliveries ({Reason}) and the server refused its dead letter; terminated")]
    public static partial void DeadLetterRefused(ILogger logger, ulong sequence, SafeSubject subject, int deliveries, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The acknowledgement of message {Sequence} on {Subject} did not reach the server; it will be delivered again after AckWait")]
    public static partial void AckFailed(ILogger logger, ulong sequence, string subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A subscriber of {Pattern} threw on a message on {Subject}; the message counts as handled")]
    public static partial void SubscriberThrew(ILogger logger, string pattern, string subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Bucket} keys starting with '{Prefix}' stopped; resuming after revision {Revision} in {Delay}")]
    public static partial void WatchFailed(ILogger logger, string bucket, string prefix, ulong revision, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The NATS client did not confirm the subscription to {Pattern} in time (attempt {Attempt}); subscribing again")]
    public static partial void SubscribeRetried(ILogger logger, string pattern, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The subscription to {Pattern} could not start")]
    public static partial void SubscriptionFailed(ILogger logger, string pattern, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {Sequence} on {Subject} was delivered again (delivery {Deliveries}) after this host handled and acknowledged it: the acknowledgement was lost; acknowledged again")]
    public static partial void AckRepeated(ILogger logger, ulong sequence, string subject, int deliveries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Progress counters of flow {Flow} in bucket {Bucket} missed {Changes} status change(s) after {Attempts} attempts: the state writes are committed, the counter key {Key} is off by these counts until a recount: {Delta}")]
    public static partial void ProgressMissed(ILogger logger, string flow, string bucket, int changes, int attempts, string key, string delta, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Progress counters of flow {Flow} counted from {Executions} executions in bucket {Bucket}: {Counts}")]
    public static partial void ProgressCounted(ILogger logger, string flow, int executions, string bucket, string counts);
}

/// <summary>A subject for a log line: control characters escaped when the line is written (a subject is chosen by whoever publishes).</summary>
/// <param name="value">The subject.</param>
internal readonly struct SafeSubject(string value)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return string.Concat(value.Select(ch => char.IsControl(ch) ? $"\\x{(int)ch:x2}" : ch.ToString()));
            }
        }

        return value;
    }
}
