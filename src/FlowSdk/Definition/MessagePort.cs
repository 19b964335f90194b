using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk;

/// <summary>
/// A port: a message type bound to its subject, with the serializer the generator wrote for it.
/// The generator emits one per message type; user code gets them from the generated <c>Ports</c> classes.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class MessagePort<T>
{
    /// <summary>Creates a port. Called by generated code.</summary>
    /// <param name="subject">The subject the message travels on.</param>
    /// <param name="formatter">The generated MessagePack formatter of <typeparamref name="T"/>.</param>
    /// <param name="taskIdOf">Reads the message's <see cref="TaskIdAttribute"/> property, when it has one.</param>
    /// <param name="withTaskId">Returns the message with its <see cref="TaskIdAttribute"/> property set, when it has one.</param>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public MessagePort(string subject, IMessagePackFormatter<T> formatter, Func<T, string?>? taskIdOf = null, Func<T, string, T>? withTaskId = null)
    {
        Subjects.EnsureValid(subject, allowWildcards: false, nameof(subject));
        ArgumentNullException.ThrowIfNull(formatter);
        Subject = subject;
        Formatter = formatter;
        TaskIdOf = taskIdOf;
        WithTaskId = withTaskId;
    }

    /// <summary>Reads the message's task id, for messages with a <see cref="TaskIdAttribute"/> property.</summary>
    public Func<T, string?>? TaskIdOf { get; }

    /// <summary>Sets the message's task id, for messages with a <see cref="TaskIdAttribute"/> property.</summary>
    public Func<T, string, T>? WithTaskId { get; }

    /// <summary>The subject the message travels on.</summary>
    public string Subject { get; }

    /// <summary>The name of the message type.</summary>
    public string MessageType => typeof(T).Name;

    /// <summary>The formatter that reads and writes the message.</summary>
    public IMessagePackFormatter<T> Formatter { get; }

    /// <summary>Serializes a message with the generated formatter.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The MessagePack bytes.</returns>
    public byte[] Serialize(T message) => FlowSerializer.Serialize(Formatter, message);

    /// <summary>Deserializes a message with the generated formatter.</summary>
    /// <param name="bytes">The MessagePack bytes.</param>
    /// <returns>The message.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a valid <typeparamref name="T"/>.</exception>
    public T Deserialize(ReadOnlyMemory<byte> bytes) => FlowSerializer.Deserialize(Formatter, bytes);
}
