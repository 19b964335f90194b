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
