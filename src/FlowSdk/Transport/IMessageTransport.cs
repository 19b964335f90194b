namespace FlowSdk.Transport;

/// <summary>
/// Carries messages between flows: publish to a subject, subscribe to a subject pattern. The
/// in-memory transport is the default; FlowSdk.Nats provides one over NATS.
/// </summary>
public interface IMessageTransport : IAsyncDisposable
{
    /// <summary>Publishes a message.</summary>
    /// <param name="subject">The subject (no wildcards).</param>
    /// <param name="payload">The MessagePack bytes.</param>
    /// <param name="headers">Optional headers.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the transport has taken the message.</returns>
    ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a subject pattern. Messages are delivered one at a time per subscription.
    /// </summary>
    /// <param name="pattern">The subject, possibly with <c>*</c> and <c>&gt;</c> wildcards.</param>
    /// <param name="options">Queue group and acknowledgement options.</param>
    /// <returns>A hot observable: subscribing starts the subscription, disposing ends it.</returns>
    IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null);

    /// <summary>
    /// Completes when every subscription made so far through this transport is live: a message
    /// published after this completes, by this process or by any other client of the same broker,
    /// reaches each of them. <see cref="FlowRuntime.StartAsync(CancellationToken)"/> awaits it, so
    /// the flows of a started runtime miss nothing published afterwards.
    /// </summary>
    /// <remarks>
    /// A transport whose subscriptions are live as soon as <see cref="Subscribe"/> is subscribed to,
    /// such as the in-memory one, keeps this default, which completes at once. A transport that sets
    /// subscriptions up in the background (the NATS transport registers subscriptions with the server
    /// and creates consumers) completes it once they are in place.
    /// </remarks>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the subscriptions are live.</returns>
    ValueTask WhenSubscribedAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Publishes a message nobody will handle to the transport's dead-letter subject
    /// (<c>flowsdk.deadletter.&lt;subject&gt;</c> unless the transport says otherwise), with the reason
    /// in the <c>FlowSdk-DeadLetter-Reason</c> header. The runtime calls it for a parked message that
    /// expired or can no longer fire a rule, long after the message itself was acknowledged.
    /// </summary>
    /// <param name="subject">The subject the message was published on.</param>
    /// <param name="payload">Its bytes.</param>
    /// <param name="messageId">Its id, for de-duplication of the dead letter, or <see langword="null"/>.</param>
    /// <param name="reason">Why it was given up.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the dead letter is published.</returns>
    ValueTask DeadLetterAsync(string subject, ReadOnlyMemory<byte> payload, string? messageId, string reason, CancellationToken cancellationToken = default)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [InMemoryTransport.DeadLetterReasonHeader] = DeadLetters.HeaderValue(reason),
            [InMemoryTransport.DeadLetterSubjectHeader] = subject,
        };
        if (messageId is not null)
        {
            headers[MessageHeaders.MessageId] = "flowsdk-deadletter." + messageId;
        }

        return PublishAsync(InMemoryTransport.DeadLetterSubjectPrefix + subject, payload, headers, cancellationToken);
    }
}

/// <summary>
/// Implemented by a transport or state store that can tell an infrastructure failure (a timeout, no
/// responders, a leader election) from a failure of the message itself. The runtime retries an
/// event that failed with a transient error in process, with backoff, without giving the message
/// back, so the failure spends none of the message's deliveries and later messages of the same
/// execution wait behind it.
/// </summary>
public interface ITransientErrorClassifier
{
    /// <summary>Whether <paramref name="exception"/> is an infrastructure failure that retrying may cure.</summary>
    /// <param name="exception">What the handling threw.</param>
    /// <returns><see langword="true"/> when the event should be retried in process.</returns>
    bool IsTransient(Exception exception);
}

/// <summary>Helpers for dead letters shared by the transports.</summary>
internal static class DeadLetters
{
    /// <summary>The longest header value a dead letter carries; longer reasons are cut.</summary>
    public const int MaxHeaderValue = 1024;

    /// <summary>A header value: control characters (CR, LF, NUL, ...) escaped, at most <see cref="MaxHeaderValue"/> characters.</summary>
    public static string HeaderValue(string value)
    {
        var escaped = Runtime.LogText.Escape(value);
        return escaped.Length <= MaxHeaderValue ? escaped : string.Concat(escaped.AsSpan(0, MaxHeaderValue - 3), "...");
    }
}

/// <summary>Options of a subscription.</summary>
public sealed record SubscribeOptions
{
    /// <summary>Subscriptions with the same queue group share the messages: each goes to one of them.</summary>
    public string? QueueGroup { get; init; }

    /// <summary>
    /// Whether the subscriber acknowledges each message with <see cref="TransportMessage.AckAsync"/>.
    /// Without it, a message counts as handled once delivered.
    /// </summary>
    public bool ManualAck { get; init; }
}

/// <summary>A message as a transport delivers it.</summary>
public abstract class TransportMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="subject">The subject it was published on.</param>
    /// <param name="payload">Its bytes.</param>
    /// <param name="headers">Its headers, possibly empty.</param>
    protected TransportMessage(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string> headers)
    {
        Subject = subject;
        Payload = payload;
        Headers = headers;
    }

    /// <summary>The subject it was published on.</summary>
    public string Subject { get; }

    /// <summary>Its MessagePack bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Its headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>
    /// The message's identity, the same on every delivery of it: its <c>Nats-Msg-Id</c> header when
    /// it has one, otherwise what the transport knows it by (the NATS transport: its stream
    /// sequence), or <see langword="null"/>. The runtime records the ids of messages that fired a rule
    /// with their execution, so a redelivery is recognised and not applied twice or parked.
    /// </summary>
    public virtual string? MessageId => Headers.TryGetValue(MessageHeaders.MessageId, out var id) && id.Length > 0 ? id : null;

    /// <summary>How many times the message has been delivered, starting at 1.</summary>
    public virtual int DeliveryCount => 1;

    /// <summary>Acknowledges the message: it was handled and its effects are committed.</summary>
    /// <returns>A task that completes when the acknowledgement is recorded.</returns>
    public abstract ValueTask AckAsync();

    /// <summary>Gives the message back for redelivery (when the transport redelivers), or drops it.</summary>
    /// <param name="reason">Why it could not be handled.</param>
    /// <returns>A task that completes when the transport has taken the message back.</returns>
    public abstract ValueTask NakAsync(string reason);

    /// <summary>
    /// Rejects a message that no retry can help (it cannot be read, or names no valid execution): it
    /// is not delivered again but goes straight to the dead-letter subject with the reason.
    /// Transports that have no dead letters give it back with <see cref="NakAsync"/>.
    /// </summary>
    /// <param name="reason">Why it was rejected.</param>
    /// <returns>A task that completes when the transport has taken the message.</returns>
    public virtual ValueTask RejectAsync(string reason) => NakAsync(reason);
}
