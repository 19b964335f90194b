using System.ComponentModel;
using MessagePack;

namespace FlowSdk.Internal;

/// <summary>
/// The members of a type a generated formatter writes as a MessagePack map keyed by member name: their
/// keys (written and matched as UTF-8), the C# types named when a value cannot be read, and the steps every
/// such formatter shares (writing a key, entering the map, finding the member of a key, the error that
/// names a member). Generated formatters hold one instance each and keep only the member reads and writes
/// of their own type; see docs/serialization.md.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MapMembers
{
    /// <summary>The longest key written from its precomputed bytes: a MessagePack fixstr, the same in every spec.</summary>
    private const int MaximumRawKeyLength = 31;

    private readonly string _type;
    private readonly string[] _keys;
    private readonly byte[][] _utf8;
    private readonly byte[]?[] _raw;
    private readonly string[] _expected;

    /// <summary>Describes the members of <paramref name="type"/>.</summary>
    /// <param name="type">The type's name as written in C#, for error messages.</param>
    /// <param name="keys">Each member's key, in the order the formatter writes them.</param>
    /// <param name="expected">Each member's C# type, for error messages (same order as <paramref name="keys"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="keys"/> and <paramref name="expected"/> differ in length.</exception>
    public MapMembers(string type, string[] keys, string[] expected)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(expected);
        if (keys.Length != expected.Length)
        {
            throw new ArgumentException($"{type}: {keys.Length} keys but {expected.Length} member types.", nameof(expected));
        }

        _type = type;
        _keys = keys;
        _expected = expected;
        _utf8 = new byte[keys.Length][];
        _raw = new byte[keys.Length][];
        for (var i = 0; i < keys.Length; i++)
        {
            var utf8 = System.Text.Encoding.UTF8.GetBytes(keys[i]);
            _utf8[i] = utf8;
            if (utf8.Length <= MaximumRawKeyLength)
            {
                var raw = new byte[utf8.Length + 1];
                raw[0] = (byte)(MessagePackCode.MinFixStr | utf8.Length);
                utf8.CopyTo(raw, 1);
                _raw[i] = raw;
            }
        }
    }

    /// <summary>The keys, in the order the formatter writes them (<see cref="IMapFormatter.Keys"/>).</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>Writes the key of member <paramref name="index"/> as a MessagePack string.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="index">The member's position in the keys.</param>
    public void WriteKey(ref MessagePackWriter writer, int index)
    {
        if (_raw[index] is { } raw)
        {
            writer.WriteRaw(raw);
        }
        else
        {
            writer.WriteString(_utf8[index]);
        }
    }

    /// <summary>Enters one level of nesting (<see cref="WireFormat.EnterDepth"/>) and reads the map's header; decrement <see cref="MessagePackReader.Depth"/> after the map.</summary>
    /// <param name="reader">The reader, on a map.</param>
    /// <returns>The number of entries of the map.</returns>
    public static int ReadHeader(ref MessagePackReader reader)
    {
        WireFormat.EnterDepth(ref reader);
        return reader.ReadMapHeader();
    }

    /// <summary>The member whose key is <paramref name="key"/>.</summary>
    /// <param name="key">A key as read by <see cref="WireFormat.ReadKey"/>.</param>
    /// <returns>The member's position in the keys, or -1 for a key of no member (its value is skipped).</returns>
    public int IndexOf(ReadOnlySpan<byte> key) => IndexOf(key, -1);

    /// <summary>
    /// The member whose key is <paramref name="key"/>, trying the member at <paramref name="position"/>
    /// first: a map this version wrote has its keys in member order, so the n-th key read is usually
    /// the n-th member, found with one comparison instead of a search.
    /// </summary>
    /// <param name="key">A key as read by <see cref="WireFormat.ReadKey"/>.</param>
    /// <param name="position">The position of the key in the map being read.</param>
    /// <returns>The member's position in the keys, or -1 for a key of no member (its value is skipped).</returns>
    public int IndexOf(ReadOnlySpan<byte> key, int position)
    {
        var keys = _utf8;
        if ((uint)position < (uint)keys.Length && key.SequenceEqual(keys[position]))
        {
            return position;
        }

        for (var i = 0; i < keys.Length; i++)
        {
            if (i != position && key.SequenceEqual(keys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The exception for member <paramref name="index"/>, whose value could not be read (<see cref="WireFormat.MemberReadFailed"/>).</summary>
    /// <param name="index">The member's position in the keys.</param>
    /// <param name="key">The key as read from the data.</param>
    /// <param name="code">The MessagePack code of the member's value, before it was read.</param>
    /// <param name="exception">What reading the value threw.</param>
    /// <returns>The exception to throw.</returns>
    public MessagePackSerializationException ReadFailed(int index, ReadOnlySpan<byte> key, byte code, Exception exception)
        => WireFormat.MemberReadFailed(_type, key, code, _expected[index], exception);
}
