using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk.Internal;

/// <summary>
/// Formatters of the values FlowSdk writes without a generated formatter: primitives, strings, byte
/// arrays, GUIDs, decimals, dates and time spans, in the forms <see cref="WireFormat"/> describes.
/// Generated code passes them to the collection formatters (<see cref="ListFormatter{T}"/>...) as the
/// formatters of elements, keys and values. None reads the options it is given.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each formatter is named after the type it reads and writes, as MessagePack's own are.")]
public static class ValueFormatters
{
    /// <summary><see cref="bool"/>.</summary>
    public static IMessagePackFormatter<bool> Boolean { get; } = new Primitive<bool>(static (ref MessagePackWriter w, bool v) => w.Write(v), static (ref MessagePackReader r) => r.ReadBoolean());

    /// <summary><see cref="byte"/>.</summary>
    public static IMessagePackFormatter<byte> Byte { get; } = new Primitive<byte>(static (ref MessagePackWriter w, byte v) => w.Write(v), static (ref MessagePackReader r) => r.ReadByte());

    /// <summary><see cref="sbyte"/>.</summary>
    public static IMessagePackFormatter<sbyte> SByte { get; } = new Primitive<sbyte>(static (ref MessagePackWriter w, sbyte v) => w.Write(v), static (ref MessagePackReader r) => r.ReadSByte());

    /// <summary><see cref="short"/>.</summary>
    public static IMessagePackFormatter<short> Int16 { get; } = new Primitive<short>(static (ref MessagePackWriter w, short v) => w.Write(v), static (ref MessagePackReader r) => r.ReadInt16());

    /// <summary><see cref="ushort"/>.</summary>
    public static IMessagePackFormatter<ushort> UInt16 { get; } = new Primitive<ushort>(static (ref MessagePackWriter w, ushort v) => w.Write(v), static (ref MessagePackReader r) => r.ReadUInt16());

    /// <summary><see cref="int"/>.</summary>
    public static IMessagePackFormatter<int> Int32 { get; } = new Primitive<int>(static (ref MessagePackWriter w, int v) => w.Write(v), static (ref MessagePackReader r) => r.ReadInt32());

    /// <summary><see cref="uint"/>.</summary>
    public static IMessagePackFormatter<uint> UInt32 { get; } = new Primitive<uint>(static (ref MessagePackWriter w, uint v) => w.Write(v), static (ref MessagePackReader r) => r.ReadUInt32());

    /// <summary><see cref="long"/>.</summary>
    public static IMessagePackFormatter<long> Int64 { get; } = new Primitive<long>(static (ref MessagePackWriter w, long v) => w.Write(v), static (ref MessagePackReader r) => r.ReadInt64());

    /// <summary><see cref="ulong"/>.</summary>
    public static IMessagePackFormatter<ulong> UInt64 { get; } = new Primitive<ulong>(static (ref MessagePackWriter w, ulong v) => w.Write(v), static (ref MessagePackReader r) => r.ReadUInt64());

    /// <summary><see cref="float"/>.</summary>
    public static IMessagePackFormatter<float> Single { get; } = new Primitive<float>(static (ref MessagePackWriter w, float v) => w.Write(v), static (ref MessagePackReader r) => r.ReadSingle());

    /// <summary><see cref="double"/>.</summary>
    public static IMessagePackFormatter<double> Double { get; } = new Primitive<double>(static (ref MessagePackWriter w, double v) => w.Write(v), static (ref MessagePackReader r) => r.ReadDouble());

    /// <summary><see cref="char"/>, as its UTF-16 code unit (an integer).</summary>
    public static IMessagePackFormatter<char> Char { get; } = new Primitive<char>(static (ref MessagePackWriter w, char v) => w.Write(v), static (ref MessagePackReader r) => r.ReadChar());

    /// <summary><see cref="string"/>; nil reads as <see langword="null"/>.</summary>
    public static IMessagePackFormatter<string?> String { get; } = new Primitive<string?>(static (ref MessagePackWriter w, string? v) => w.Write(v), static (ref MessagePackReader r) => r.ReadString());

    /// <summary>A <see cref="byte"/> array, as MessagePack bin; nil reads as <see langword="null"/>.</summary>
    public static IMessagePackFormatter<byte[]?> Bytes { get; } = new Primitive<byte[]?>(static (ref MessagePackWriter w, byte[]? v) => w.Write(v), WireFormat.ReadBytes);

    /// <summary><see cref="System.Guid"/> (<see cref="WireFormat.WriteGuid"/>).</summary>
    public static IMessagePackFormatter<Guid> Guid { get; } = new Primitive<Guid>(WireFormat.WriteGuid, WireFormat.ReadGuid);

    /// <summary><see cref="decimal"/> (<see cref="WireFormat.WriteDecimal"/>).</summary>
    public static IMessagePackFormatter<decimal> Decimal { get; } = new Primitive<decimal>(WireFormat.WriteDecimal, WireFormat.ReadDecimal);

    /// <summary><see cref="System.DateTime"/> (<see cref="WireFormat.WriteDateTime"/>).</summary>
    public static IMessagePackFormatter<DateTime> DateTime { get; } = new Primitive<DateTime>(WireFormat.WriteDateTime, WireFormat.ReadDateTime);

    /// <summary><see cref="System.DateTimeOffset"/> (<see cref="WireFormat.WriteDateTimeOffset"/>).</summary>
    public static IMessagePackFormatter<DateTimeOffset> DateTimeOffset { get; } = new Primitive<DateTimeOffset>(WireFormat.WriteDateTimeOffset, WireFormat.ReadDateTimeOffset);

    /// <summary><see cref="System.TimeSpan"/> (<see cref="WireFormat.WriteTimeSpan"/>).</summary>
    public static IMessagePackFormatter<TimeSpan> TimeSpan { get; } = new Primitive<TimeSpan>(WireFormat.WriteTimeSpan, WireFormat.ReadTimeSpan);

    private delegate void Write<in T>(ref MessagePackWriter writer, T value);

    private delegate T Read<out T>(ref MessagePackReader reader);

    private sealed class Primitive<T>(Write<T> write, Read<T> read) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) => write(ref writer, value);

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => read(ref reader);
    }
}
