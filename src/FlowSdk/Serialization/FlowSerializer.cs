using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace FlowSdk;

/// <summary>
/// Serialization through the generated formatters. The options resolve only MessagePack's built-in
/// formatters (primitives, strings, dates, GUIDs, byte arrays): nothing reaches the dynamic,
/// Reflection.Emit based resolvers, and untrusted-data limits apply to every read.
/// </summary>
public static class FlowSerializer
{
    /// <summary>The options generated formatters receive.</summary>
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(BuiltinResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Serializes <paramref name="value"/> with <paramref name="formatter"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="formatter">The formatter.</param>
    /// <param name="value">The value.</param>
    /// <returns>The MessagePack bytes.</returns>
    public static byte[] Serialize<T>(IMessagePackFormatter<T> formatter, T value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        formatter.Serialize(ref writer, value, Options);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Deserializes a <typeparamref name="T"/> with <paramref name="formatter"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="formatter">The formatter.</param>
    /// <param name="bytes">The MessagePack bytes.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a valid <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(IMessagePackFormatter<T> formatter, ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            var value = formatter.Deserialize(ref reader, Options);
            if (!reader.End)
            {
                throw new MessagePackSerializationException($"{typeof(T).Name}: {bytes.Length - reader.Consumed} unexpected byte(s) after the value.");
            }

            return value;
        }
        catch (MessagePackSerializationException)
        {
            throw;
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidOperationException or OverflowException or ArgumentException or FormatException or InsufficientExecutionStackException)
        {
            throw new MessagePackSerializationException($"Could not read a {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
