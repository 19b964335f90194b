namespace FlowSdk;

/// <summary>
/// The messages a firing publishes. They are collected while the rule runs and published only
/// after the execution's state change is committed, so a retried event never publishes twice.
/// </summary>
public sealed class Outbox
{
    private readonly List<OutgoingMessage> _messages = [];

    /// <summary>The messages collected so far, in the order they were added.</summary>
    public IReadOnlyList<OutgoingMessage> Messages => _messages;

    /// <summary>Adds a message; a <see langword="null"/> message adds nothing (a rule may decline to publish).</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The message's port.</param>
    /// <param name="message">The message.</param>
    public void Add<T>(MessagePort<T> port, T? message)
    {
        ArgumentNullException.ThrowIfNull(port);
        if (message is null)
        {
            return;
        }

        _messages.Add(new OutgoingMessage(port.Subject, port.MessageType, port.Serialize(message)));
    }

    /// <summary>Adds a message already serialized (a fan-out's start message, with its own id).</summary>
    internal void Add(OutgoingMessage message) => _messages.Add(message);

    /// <summary>How many messages were collected (without going through <see cref="Messages"/>' interface).</summary>
    internal int Count => _messages.Count;

    internal void Clear()
    {
        if (_messages.Count > 0)
        {
            _messages.Clear();
        }
    }

    /// <summary>A copy of the messages, for a result that outlives the outbox.</summary>
    internal OutgoingMessage[] ToArray() => _messages.Count == 0 ? [] : [.. _messages];
}

/// <summary>A message waiting to be published.</summary>
/// <param name="Subject">The subject it goes to.</param>
/// <param name="MessageType">The name of its type.</param>
/// <param name="Payload">Its MessagePack bytes.</param>
public sealed record OutgoingMessage(string Subject, string MessageType, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// The message's id, the same on every attempt to publish it (<c>&lt;flow&gt;.&lt;execution&gt;.&lt;revision&gt;.&lt;n&gt;</c>),
    /// so a transport that deduplicates (JetStream's duplicate window) drops a replay.
    /// </summary>
    public string MessageId { get; init; } = "";
}
