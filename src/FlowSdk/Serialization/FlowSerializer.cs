using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace FlowSdk;

/// <summary>
/// Serialization through the generated formatters, the only way FlowSdk reads and writes states and
/// messages. Nothing on this path reaches a MessagePack resolver: generated formatters call each other
/// and FlowSdk's own formatters directly, so no dynamic (Reflection.Emit) code is ever generated and the
/// runtime stays trimming- and Native-AOT-safe. Reading applies the untrusted-data limits of
/// <see cref="MessagePackSecurity.UntrustedData"/>; every failure to read is a <see cref="MessagePackSerializationException"/>.
/// </summary>
/// <remarks>
/// The formatters are called with <see langword="null"/> options: FlowSdk's formatters never read them
/// (they apply the untrusted-data limits themselves), and creating any <see cref="MessagePackSerializerOptions"/>
/// would link MessagePack's security and resolver machinery, which is not AOT-safe, into a Native AOT
/// application. A formatter handed to a <see cref="MessagePort{T}"/> by hand must not read its options either.
/// See docs/serialization.md.
/// </remarks>
public static class FlowSerializer
{
    // A buffer that grew past this for one large value is left to the GC rather than kept per thread.
    private const int MaxCachedBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>
    /// Options for MessagePack APIs that need some, for example <see cref="MessagePackSerializer.ConvertToJson(ReadOnlyMemory{byte}, MessagePackSerializerOptions?, CancellationToken)"/>
    /// to show FlowSdk data as JSON: MessagePack's built-in formatters only, with untrusted-data limits.
    /// <see cref="Serialize{T}"/> and <see cref="Deserialize{T}"/> do not use them.
    /// </summary>
    public static MessagePackSerializerOptions Options => OptionsHolder.Options;

    /// <summary>Serializes <paramref name="value"/> with <paramref name="formatter"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="formatter">The formatter.</param>
    /// <param name="value">The value.</param>
    /// <returns>The MessagePack bytes.</returns>
    public static byte[] Serialize<T>(IMessagePackFormatter<T> formatter, T value)
    {
        ArgumentNullException.ThrowIfNull(formatter);

        // One scratch buffer per thread: the only allocation left is the returned array. A formatter that
        // serializes again on this thread while it runs finds no cached buffer and gets one of its own.
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        t_buffer = null;
        try
        {
            var writer = new MessagePackWriter(buffer);
            formatter.Serialize(ref writer, value, null!);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity <= MaxCachedBuffer)
            {
                buffer.ResetWrittenCount();
                t_buffer = buffer;
            }
        }
    }

    /// <summary>Deserializes a <typeparamref name="T"/> with <paramref name="formatter"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="formatter">The formatter.</param>
    /// <param name="bytes">The MessagePack bytes, possibly from an untrusted source.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">
    /// The bytes are not a valid <typeparamref name="T"/>: truncated, malformed, of another shape, nested too deep,
    /// or followed by more bytes. No other exception escapes for bad data.
    /// </exception>
    public static T Deserialize<T>(IMessagePackFormatter<T> formatter, ReadOnlyMemory<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var reader = new MessagePackReader(bytes);
        T value;
        try
        {
            value = formatter.Deserialize(ref reader, null!);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new MessagePackSerializationException($"Could not read a {typeof(T).Name}: {ex.Message} (at byte {reader.Consumed} of {bytes.Length})", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new MessagePackSerializationException($"Could not read a {typeof(T).Name}: the data ends after {reader.Consumed} of its {bytes.Length} byte(s), in the middle of a value.", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OverflowException or ArgumentException or FormatException or InsufficientExecutionStackException or InvalidCastException)
        {
            throw new MessagePackSerializationException($"Could not read a {typeof(T).Name}: {ex.Message} (at byte {reader.Consumed} of {bytes.Length})", ex);
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException($"Could not read a {typeof(T).Name}: {bytes.Length - reader.Consumed} unexpected byte(s) after the value.");
        }

        return value;
    }

    // Created on first use only: an application that never asks for the options (a Native AOT one, say)
    // never links what they reference.
    private static class OptionsHolder
    {
        public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
            .WithResolver(BuiltinResolver.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);
    }
}
