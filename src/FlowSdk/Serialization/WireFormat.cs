using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using FlowSdk.Serialization;
using MessagePack;

namespace FlowSdk.Internal;

/// <summary>
/// How FlowSdk writes the values MessagePack has no single native form for, and the guards every
/// generated formatter applies while reading. Generated code calls these; see docs/serialization.md.
/// </summary>
/// <remarks>
/// Every reader here throws <see cref="MessagePackSerializationException"/> (or
/// <see cref="EndOfStreamException"/> for truncated data, which <see cref="FlowSerializer"/> wraps) and never
/// reads the <see cref="MessagePackSerializerOptions"/>: FlowSdk's formatters apply the untrusted-data limits
/// of <see cref="MessagePackSecurity.UntrustedData"/> themselves, whatever options they are given.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class WireFormat
{
    /// <summary>
    /// How deep maps and arrays may nest in data FlowSdk reads: the limit of
    /// <see cref="MessagePackSecurity.UntrustedData"/>, far below what would overflow the stack.
    /// </summary>
    public const int MaximumDepth = 500;

    /// <summary>The message of data nested too deep: reported as it is, without the path of members down to it.</summary>
    private static readonly string TooDeep = $"The data nests maps and arrays deeper than {MaximumDepth} levels.";

    /// <summary>The longest decimal string FlowSdk reads (a <see cref="decimal"/> has at most 29 digits).</summary>
    private const int MaximumDecimalLength = 64;

    /// <summary>Enters one level of nesting; call before reading a map or an array, and decrement <see cref="MessagePackReader.Depth"/> after.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="MessagePackSerializationException">The data nests deeper than <see cref="MaximumDepth"/>.</exception>
    public static void EnterDepth(ref MessagePackReader reader)
    {
        if (reader.Depth >= MaximumDepth)
        {
            throw new MessagePackSerializationException(TooDeep);
        }

        reader.Depth++;
    }

    /// <summary>
    /// Reads a map key as UTF-8 bytes, for comparison with the generated members' keys. A key that is not
    /// a string (nil, a number...) is skipped and read as empty, which matches no member: its value is then skipped too.
    /// </summary>
    /// <param name="reader">The reader, on a map key.</param>
    /// <returns>The key's UTF-8 bytes; valid until the reader moves on.</returns>
    public static ReadOnlySpan<byte> ReadKey(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            reader.Skip();
            return default;
        }

        if (reader.TryReadStringSpan(out var span))
        {
            return span;
        }

        // Not contiguous (data that spans several buffer segments): copy it.
        return reader.ReadStringSequence()!.Value.ToArray();
    }

    /// <summary>
    /// Whether a generated formatter names the member it was reading in <paramref name="exception"/>
    /// (<see cref="MemberReadFailed"/>): a value of the wrong shape, out of range or unreadable. Data that
    /// ends too early or nests too deep is reported as it is.
    /// </summary>
    /// <param name="exception">What reading a member threw.</param>
    /// <returns><see langword="true"/> for an error of the data.</returns>
    public static bool IsMemberError(Exception exception)
        => exception switch
        {
            MessagePackSerializationException => !ReferenceEquals(exception.Message, TooDeep),
            InvalidOperationException or OverflowException or ArgumentException or FormatException or InvalidCastException => true,
            _ => false,
        };

    /// <summary>
    /// The exception for a member whose value could not be read: it names the member (<c>Type.Member</c>,
    /// and the path inside it when the member holds an object), the type expected and the MessagePack
    /// value found (<c>Order.OrderId: expected string, got an integer (uint 16, code 0xcd)</c>), and keeps
    /// the reader's own message.
    /// </summary>
    /// <param name="type">The type read (its name as written in C#).</param>
    /// <param name="key">The member's key, as read from the data.</param>
    /// <param name="code">The MessagePack code of the member's value (<see cref="MessagePackReader.NextCode"/> before it was read).</param>
    /// <param name="expected">The member's C# type.</param>
    /// <param name="exception">What reading the value threw.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException MemberReadFailed(string type, ReadOnlySpan<byte> key, byte code, string expected, Exception exception)
    {
        var member = type + "." + System.Text.Encoding.UTF8.GetString(key);
        if (exception is MemberReadException inner)
        {
            // The value is an object whose member failed: one path from the outer type down.
            return new MemberReadException(member + inner.Path[inner.Path.IndexOf('.', StringComparison.Ordinal)..], inner.Detail, exception);
        }

        var found = MessagePackCode.ToMessagePackType(code) switch
        {
            MessagePackType.Integer => "an integer",
            MessagePackType.Nil => "nil",
            MessagePackType.Boolean => "a boolean",
            MessagePackType.Float => "a float",
            MessagePackType.String => "a string",
            MessagePackType.Binary => "binary data",
            MessagePackType.Array => "an array",
            MessagePackType.Map => "a map",
            MessagePackType.Extension => "an extension",
            _ => "an unknown value",
        };
        return new MemberReadException(
            member,
            $"expected {expected}, got {found} ({MessagePackCode.ToFormatName(code)}, code 0x{code:x2}): {exception.Message}",
            exception);
    }

    /// <summary>Reads a string that must not be nil.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="member">The member read, for the message (<c>Type.Member</c>).</param>
    /// <returns>The string.</returns>
    public static string ReadNonNullString(ref MessagePackReader reader, string member)
        => reader.ReadString() ?? throw NilForNonNullable(member);

    /// <summary>The exception for nil where a non-nullable member is read.</summary>
    /// <param name="member">The member (<c>Type.Member</c>).</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException NilForNonNullable(string member)
        => new($"{member} is not nullable, but the data holds nil.");

    /// <summary>The exception for a data set that lacks a <see langword="required"/> member.</summary>
    /// <param name="member">The member (<c>Type.Member</c>).</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException MissingRequired(string member)
        => new RequiredMemberMissingException(member);

    /// <summary>The exception for a generated formatter whose type has a member that cannot be serialized (a build error FlowSdk reports as FLOW0101).</summary>
    /// <param name="type">The type.</param>
    /// <param name="members">The members that cannot be serialized.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException NotSerializable(string type, string members)
        => new($"{type} cannot be serialized: {members} (FLOW0101; the build reports why).");

    /// <summary>Reads a byte array (MessagePack bin); nil reads as <see langword="null"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The bytes.</returns>
    public static byte[]? ReadBytes(ref MessagePackReader reader)
        => reader.ReadBytes() is { } bytes ? bytes.ToArray() : null;

    /// <summary>Writes a GUID as its 36-character string (<c>"D"</c> format), as MessagePack-CSharp does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteGuid(ref MessagePackWriter writer, Guid value)
    {
        writer.WriteStringHeader(36);
        value.TryFormat(writer.GetSpan(36), out _, "D");
        writer.Advance(36);
    }

    /// <summary>Reads a GUID written by <see cref="WriteGuid"/> (any format <see cref="Guid.TryParse(string, out Guid)"/> reads).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static Guid ReadGuid(ref MessagePackReader reader)
    {
        var text = ReadShortString(ref reader, "a GUID", 68);
        if (Utf8Parser.TryParse(text, out Guid value, out var consumed) && consumed == text.Length)
        {
            return value;
        }

        if (System.Text.Unicode.Utf8.IsValid(text) && Guid.TryParse(System.Text.Encoding.UTF8.GetString(text), out value))
        {
            return value;
        }

        throw new MessagePackSerializationException($"'{Printable(text)}' is not a GUID.");
    }

    /// <summary>Writes a decimal as its invariant string, which keeps every digit and the scale (<c>"1.50"</c>).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDecimal(ref MessagePackWriter writer, decimal value)
    {
        Span<byte> utf8 = stackalloc byte[MaximumDecimalLength];
        value.TryFormat(utf8, out var written, default, CultureInfo.InvariantCulture);
        writer.WriteStringHeader(written);
        utf8[..written].CopyTo(writer.GetSpan(written));
        writer.Advance(written);
    }

    /// <summary>Reads a decimal written by <see cref="WriteDecimal"/>; a MessagePack integer or float is read as well.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static decimal ReadDecimal(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer:
                return reader.NextCode == MessagePackCode.UInt64 ? reader.ReadUInt64() : reader.ReadInt64();
            case MessagePackType.Float:
                var number = reader.ReadDouble();
                if (double.IsFinite(number) && Math.Abs(number) < 7.9e28)
                {
                    return (decimal)number;
                }

                throw new MessagePackSerializationException($"{number.ToString(CultureInfo.InvariantCulture)} is not a decimal.");
        }

        var text = ReadShortString(ref reader, "a decimal", MaximumDecimalLength);
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new MessagePackSerializationException($"'{Printable(text)}' is not a decimal.");
    }

    /// <summary>
    /// Writes a date and time as a MessagePack timestamp (extension type -1). A <see cref="DateTimeKind.Local"/>
    /// value is converted to UTC first; any other is written as it is, so an unspecified one is taken for UTC.
    /// </summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTime(ref MessagePackWriter writer, DateTime value) => writer.Write(value);

    /// <summary>Reads a MessagePack timestamp as a UTC <see cref="DateTime"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value, of kind <see cref="DateTimeKind.Utc"/>.</returns>
    public static DateTime ReadDateTime(ref MessagePackReader reader)
    {
        try
        {
            return reader.ReadDateTime();
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException)
        {
            throw new MessagePackSerializationException("The timestamp is outside the range of a DateTime.", ex);
        }
    }

    /// <summary>
    /// Writes a date, time and offset as an array of two: the instant as a MessagePack timestamp (UTC), and
    /// the offset from UTC in minutes. Any MessagePack reader gets the right instant from the first.
    /// </summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTimeOffset(ref MessagePackWriter writer, DateTimeOffset value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(value.UtcDateTime);
        writer.Write((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    /// <summary>Reads a value written by <see cref="WriteDateTimeOffset"/>; a plain timestamp reads with offset zero.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTimeOffset ReadDateTimeOffset(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.Extension)
        {
            return new DateTimeOffset(ReadDateTime(ref reader));
        }

        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("A DateTimeOffset is an array of two: a timestamp and an offset in minutes.");
        }

        var utc = ReadDateTime(ref reader);
        var minutes = reader.ReadInt32();
        if (minutes is < -14 * 60 or > 14 * 60)
        {
            throw new MessagePackSerializationException($"{minutes} minutes is not an offset from UTC (at most 14 hours).");
        }

        var offset = TimeSpan.FromMinutes(minutes);
        var local = utc.Ticks + offset.Ticks;
        if (local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks)
        {
            throw new MessagePackSerializationException("The timestamp and offset are outside the range of a DateTimeOffset.");
        }

        return new DateTimeOffset(local, offset);
    }

    /// <summary>Writes a time span as its ticks (100 ns units), a MessagePack integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeSpan(ref MessagePackWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    /// <summary>Reads a time span written by <see cref="WriteTimeSpan"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static TimeSpan ReadTimeSpan(ref MessagePackReader reader) => new(reader.ReadInt64());

    /// <summary>The exception for an enum name the reader's enum does not have.</summary>
    /// <param name="enumType">The enum type's name.</param>
    /// <param name="name">The name read, as UTF-8.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException UnknownEnumName(string enumType, ReadOnlySpan<byte> name)
        => new($"'{Printable(name)}' is not a member of enum {enumType}.");

    /// <summary>The exception for a value of the wrong MessagePack type where an enum is read.</summary>
    /// <param name="enumType">The enum type's name.</param>
    /// <param name="found">What the data holds.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException NotAnEnum(string enumType, MessagePackType found)
        => new($"Enum {enumType} is written as a member name or a number, but the data holds {found}.");

    /// <summary>A string of at most <paramref name="maximumLength"/> UTF-8 bytes, for values parsed from short strings.</summary>
    private static ReadOnlySpan<byte> ReadShortString(ref MessagePackReader reader, string what, int maximumLength)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new MessagePackSerializationException($"Expected {what} written as a string, but the data holds {reader.NextMessagePackType}.");
        }

        var text = ReadKey(ref reader);
        if (text.Length > maximumLength)
        {
            throw new MessagePackSerializationException($"A string of {text.Length} bytes is too long for {what}.");
        }

        return text;
    }

    /// <summary>Text for an error message: at most 64 characters, invalid UTF-8 replaced.</summary>
    private static string Printable(ReadOnlySpan<byte> utf8)
    {
        var text = System.Text.Encoding.UTF8.GetString(utf8.Length > 256 ? utf8[..256] : utf8);
        return text.Length > 64 ? string.Concat(text.AsSpan(0, 64), "...") : text;
    }
}

/// <summary>A member of a generated type could not be read; <see cref="Exception.Message"/> is <c>Path: Detail</c>.</summary>
internal sealed class MemberReadException(string path, string detail, Exception inner)
    : MessagePackSerializationException(path + ": " + detail, inner)
{
    /// <summary>The member, <c>Type.Member</c>, followed by the members inside it down to the one that failed.</summary>
    public string Path { get; } = path;

    /// <summary>What was expected, what the data holds, and the reader's message.</summary>
    public string Detail { get; } = detail;
}
