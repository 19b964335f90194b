using System.Runtime.CompilerServices;
using MessagePack;

namespace FlowSdk.Internal;

// The writers of the values MessagePack writes natively, each under its own name: generated formatters call
// these instead of the overloads of MessagePackWriter.Write, which the compiler would otherwise resolve at every
// member of every formatter (docs/benchmarks.md, "The generator's share of a clean build"). Each writes exactly
// what MessagePackWriter.Write writes for its type, and is inlined.
public static partial class WireFormat
{
    /// <summary>Writes a boolean, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteBoolean(ref MessagePackWriter writer, bool value) => writer.Write(value);

    /// <summary>Writes a byte, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteByte(ref MessagePackWriter writer, byte value) => writer.Write(value);

    /// <summary>Writes a signed byte, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteSByte(ref MessagePackWriter writer, sbyte value) => writer.Write(value);

    /// <summary>Writes a 16-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteInt16(ref MessagePackWriter writer, short value) => writer.Write(value);

    /// <summary>Writes an unsigned 16-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt16(ref MessagePackWriter writer, ushort value) => writer.Write(value);

    /// <summary>Writes a 32-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteInt32(ref MessagePackWriter writer, int value) => writer.Write(value);

    /// <summary>Writes an unsigned 32-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt32(ref MessagePackWriter writer, uint value) => writer.Write(value);

    /// <summary>Writes a 64-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteInt64(ref MessagePackWriter writer, long value) => writer.Write(value);

    /// <summary>Writes an unsigned 64-bit integer, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt64(ref MessagePackWriter writer, ulong value) => writer.Write(value);

    /// <summary>Writes a single-precision number, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteSingle(ref MessagePackWriter writer, float value) => writer.Write(value);

    /// <summary>Writes a double-precision number, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteDouble(ref MessagePackWriter writer, double value) => writer.Write(value);

    /// <summary>Writes a character, as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteChar(ref MessagePackWriter writer, char value) => writer.Write(value);

    /// <summary>Writes a string (nil for null), as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteString(ref MessagePackWriter writer, string? value) => writer.Write(value);

    /// <summary>Writes a byte array as MessagePack bin (nil for null), as <see cref="MessagePackWriter"/>'s <c>Write</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteBytes(ref MessagePackWriter writer, byte[]? value) => writer.Write(value);

}
