namespace FlowSdk;

/// <summary>A message type a flow consumes, seen without its static types: for tools such as the command line.</summary>
public interface IInputPort
{
    /// <summary>The subject the port consumes.</summary>
    string Subject { get; }

    /// <summary>The name of the message type.</summary>
    string MessageType { get; }

    /// <summary>The rules the port can fire, in declaration order.</summary>
    IReadOnlyList<RuleInfo> Rules { get; }

    /// <summary>Reads a message with the generated formatter.</summary>
    /// <param name="payload">The MessagePack bytes.</param>
    /// <returns>The message.</returns>
    /// <exception cref="MessagePack.MessagePackSerializationException">The bytes are not a valid message of this port.</exception>
    object? DecodeMessage(ReadOnlyMemory<byte> payload);

    /// <summary>Writes a message with the generated formatter.</summary>
    /// <param name="message">The message; it must be of the port's message type.</param>
    /// <returns>The MessagePack bytes.</returns>
    byte[] EncodeMessage(object message);

    /// <summary>
    /// The keys of the message's MessagePack map, in the order they are written, when its formatter
    /// is one FlowSdk generated (<see cref="Internal.IMapFormatter"/>); <see langword="null"/> for
    /// a formatter written by hand.
    /// </summary>
    IReadOnlyList<string>? Fields { get; }
}
