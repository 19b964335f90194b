using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk.Internal;

// Formatters of the collection types a state or message may hold, built by generated code from the
// formatters of their elements (no resolver, no reflection). Reading applies the untrusted-data limits:
// a nesting depth of WireFormat.MaximumDepth, element counts checked against the bytes left before
// anything is allocated (MessagePackReader does that for every header), initial capacities capped so
// that a large count with little data behind it allocates little, and collision-resistant hashing for
// dictionary keys and set elements. None reads the options it is given.

/// <summary>Reads and writes <see cref="Nullable{T}"/>: nil, or the value.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="inner">The formatter of the value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NullableFormatter<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T?>
    where T : struct
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value is { } v)
        {
            inner.Serialize(ref writer, v, options);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <inheritdoc/>
    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => reader.TryReadNil() ? null : inner.Deserialize(ref reader, options);
}

/// <summary>Reads and writes an array as a MessagePack array; nil is <see langword="null"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The formatter of the elements.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ArrayFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<T[]?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, T[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(value.Length);
        foreach (var item in value)
        {
            element.Serialize(ref writer, item, options);
        }
    }

    /// <inheritdoc/>
    public T[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        WireFormat.EnterDepth(ref reader);
        var count = reader.ReadArrayHeader();
        T[] result;
        if (count <= Collections.InitialCapacityLimit)
        {
            result = count == 0 ? [] : new T[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = element.Deserialize(ref reader, options);
            }
        }
        else
        {
            // A large count: grow with the elements actually read rather than trust the header.
            var list = new List<T>(Collections.InitialCapacityLimit);
            for (var i = 0; i < count; i++)
            {
                list.Add(element.Deserialize(ref reader, options));
            }

            result = [.. list];
        }

        reader.Depth--;
        return result;
    }
}

/// <summary>Reads and writes a <see cref="List{T}"/> as a MessagePack array; nil is <see langword="null"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The formatter of the elements.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ListFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<List<T>?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, List<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var items = CollectionsMarshal.AsSpan(value);
        writer.WriteArrayHeader(items.Length);
        foreach (var item in items)
        {
            element.Serialize(ref writer, item, options);
        }
    }

    /// <inheritdoc/>
    public List<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => reader.TryReadNil() ? null : Collections.ReadList(ref reader, element, options);
}

/// <summary>
/// Reads and writes a sequence interface (<see cref="IEnumerable{T}"/>, <see cref="IReadOnlyList{T}"/>,
/// <see cref="IList{T}"/>, <see cref="ICollection{T}"/>, <see cref="IReadOnlyCollection{T}"/>) as a MessagePack
/// array; it reads a <see cref="List{T}"/>. Nil is <see langword="null"/>.
/// </summary>
/// <typeparam name="TSequence">The interface; <see cref="List{T}"/> must implement it.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SequenceFormatter<TSequence, T> : IMessagePackFormatter<TSequence?>
    where TSequence : class, IEnumerable<T>
{
    private readonly IMessagePackFormatter<T> _element;

    /// <summary>Creates the formatter.</summary>
    /// <param name="element">The formatter of the elements.</param>
    public SequenceFormatter(IMessagePackFormatter<T> element)
    {
        if (!typeof(TSequence).IsAssignableFrom(typeof(List<T>)))
        {
            throw new ArgumentException($"{typeof(TSequence).Name} is not a sequence a List<{typeof(T).Name}> can stand for.", nameof(element));
        }

        _element = element;
    }

    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, TSequence? value, MessagePackSerializerOptions options)
        => Collections.WriteSequence(ref writer, value, _element, options);

    /// <inheritdoc/>
    public TSequence? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => reader.TryReadNil() ? null : (TSequence)(object)Collections.ReadList(ref reader, _element, options);
}

/// <summary>
/// Reads and writes a set (<see cref="HashSet{T}"/>, <see cref="ISet{T}"/>, <see cref="IReadOnlySet{T}"/>) as a
/// MessagePack array; it reads a <see cref="HashSet{T}"/>, with a collision-resistant comparer for untrusted
/// data. Nil is <see langword="null"/>.
/// </summary>
/// <typeparam name="TSet">The set type; <see cref="HashSet{T}"/> must be or implement it.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SetFormatter<TSet, T> : IMessagePackFormatter<TSet?>
    where TSet : class, IEnumerable<T>
{
    private readonly IMessagePackFormatter<T> _element;
    private readonly IEqualityComparer<T>? _comparer;

    /// <summary>Creates the formatter.</summary>
    /// <param name="element">The formatter of the elements.</param>
    /// <param name="comparer">
    /// The comparer of the set read: <see langword="null"/> for strings (.NET's default string comparer switches
    /// to randomized hashing when it meets collisions), <see cref="RandomizedEqualityComparer{T}"/> for the other
    /// element types FlowSdk allows in a set.
    /// </param>
    public SetFormatter(IMessagePackFormatter<T> element, IEqualityComparer<T>? comparer)
    {
        if (!typeof(TSet).IsAssignableFrom(typeof(HashSet<T>)))
        {
            throw new ArgumentException($"{typeof(TSet).Name} is not a set a HashSet<{typeof(T).Name}> can stand for.", nameof(element));
        }

        _element = element;
        _comparer = comparer;
    }

    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, TSet? value, MessagePackSerializerOptions options)
        => Collections.WriteSequence(ref writer, value, _element, options);

    /// <inheritdoc/>
    public TSet? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        WireFormat.EnterDepth(ref reader);
        var count = reader.ReadArrayHeader();
        var set = new HashSet<T>(Math.Min(count, Collections.InitialCapacityLimit), _comparer);
        for (var i = 0; i < count; i++)
        {
            set.Add(_element.Deserialize(ref reader, options));
        }

        reader.Depth--;
        return (TSet)(object)set;
    }
}

/// <summary>
/// Reads and writes a dictionary (<see cref="Dictionary{TKey, TValue}"/>, <see cref="IDictionary{TKey, TValue}"/>,
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/>) as a MessagePack map; it reads a
/// <see cref="Dictionary{TKey, TValue}"/>, with a collision-resistant comparer for untrusted data. A key that
/// appears twice, or a nil key, is an error. Nil is <see langword="null"/>.
/// </summary>
/// <typeparam name="TDictionary">The dictionary type; <see cref="Dictionary{TKey, TValue}"/> must be or implement it.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class DictionaryFormatter<TDictionary, TKey, TValue> : IMessagePackFormatter<TDictionary?>
    where TDictionary : class, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly IMessagePackFormatter<TKey> _key;
    private readonly IMessagePackFormatter<TValue> _value;
    private readonly IEqualityComparer<TKey>? _comparer;

    /// <summary>Creates the formatter.</summary>
    /// <param name="key">The formatter of the keys.</param>
    /// <param name="value">The formatter of the values.</param>
    /// <param name="comparer">The key comparer of the dictionary read (see <see cref="SetFormatter{TSet, T}(IMessagePackFormatter{T}, IEqualityComparer{T}?)"/>).</param>
    public DictionaryFormatter(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value, IEqualityComparer<TKey>? comparer)
    {
        if (!typeof(TDictionary).IsAssignableFrom(typeof(Dictionary<TKey, TValue>)))
        {
            throw new ArgumentException($"{typeof(TDictionary).Name} is not a dictionary a Dictionary<{typeof(TKey).Name}, {typeof(TValue).Name}> can stand for.", nameof(key));
        }

        _key = key;
        _value = value;
        _comparer = comparer;
    }

    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, TDictionary? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        if (value is Dictionary<TKey, TValue> dictionary)
        {
            writer.WriteMapHeader(dictionary.Count);
            foreach (var (k, v) in dictionary)
            {
                _key.Serialize(ref writer, k, options);
                _value.Serialize(ref writer, v, options);
            }

            return;
        }

        // Any other dictionary is enumerated once, into a list, so its count is known before it is written.
        var entries = value.ToList();
        writer.WriteMapHeader(entries.Count);
        foreach (var (k, v) in entries)
        {
            _key.Serialize(ref writer, k, options);
            _value.Serialize(ref writer, v, options);
        }
    }

    /// <inheritdoc/>
    public TDictionary? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        WireFormat.EnterDepth(ref reader);
        var count = reader.ReadMapHeader();
        var dictionary = new Dictionary<TKey, TValue>(Math.Min(count, Collections.InitialCapacityLimit), _comparer);
        for (var i = 0; i < count; i++)
        {
            var key = _key.Deserialize(ref reader, options) ?? throw new MessagePackSerializationException("A map key is nil.");
            var value = _value.Deserialize(ref reader, options);
            if (!dictionary.TryAdd(key, value))
            {
                throw new MessagePackSerializationException($"The map has the key '{key}' twice.");
            }
        }

        reader.Depth--;
        return (TDictionary)(object)dictionary;
    }
}

/// <summary>
/// Hashes an unmanaged value by all its bytes with .NET's per-process randomized <see cref="HashCode"/>, so
/// that data crafted to collide cannot turn a dictionary read into quadratic work. Only for types whose
/// equality is the equality of their bytes: integers, <see cref="char"/>, <see cref="bool"/>, enums, <see cref="Guid"/>.
/// </summary>
/// <typeparam name="T">The key type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RandomizedEqualityComparer<T> : IEqualityComparer<T>
    where T : unmanaged
{
    private RandomizedEqualityComparer()
    {
    }

    /// <summary>The comparer.</summary>
    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "A per-type singleton, as EqualityComparer<T>.Default; generated code names the type.")]
    public static RandomizedEqualityComparer<T> Instance { get; } = new();

    /// <inheritdoc/>
    public bool Equals(T x, T y) => EqualityComparer<T>.Default.Equals(x, y);

    /// <inheritdoc/>
    public int GetHashCode(T obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in obj)));
        return hash.ToHashCode();
    }
}

/// <summary>What the collection formatters share.</summary>
internal static class Collections
{
    /// <summary>The most elements a collection is allocated for before they are read: more grow as they arrive.</summary>
    public const int InitialCapacityLimit = 1024;

    public static int? Count<T>(IEnumerable<T> value) => value switch
    {
        ICollection<T> c => c.Count,
        IReadOnlyCollection<T> c => c.Count,
        _ => null,
    };

    public static void WriteSequence<T>(ref MessagePackWriter writer, IEnumerable<T>? value, IMessagePackFormatter<T> element, MessagePackSerializerOptions options)
    {
        switch (value)
        {
            case null:
                writer.WriteNil();
                return;
            case T[] array:
                writer.WriteArrayHeader(array.Length);
                foreach (var item in array)
                {
                    element.Serialize(ref writer, item, options);
                }

                return;
            case List<T> list:
                writer.WriteArrayHeader(list.Count);
                foreach (var item in CollectionsMarshal.AsSpan(list))
                {
                    element.Serialize(ref writer, item, options);
                }

                return;
        }

        // A lazy sequence is enumerated once, into a list, so its count is known before it is written.
        var items = Count(value) is null ? value.ToList() : null;
        var expected = items?.Count ?? Count(value)!.Value;
        writer.WriteArrayHeader(expected);
        var written = 0;
        foreach (var item in items ?? value)
        {
            if (++written > expected)
            {
                break;
            }

            element.Serialize(ref writer, item, options);
        }

        if (written != expected)
        {
            throw new MessagePackSerializationException($"The collection has {written} element(s) but said it had {expected}.");
        }
    }

    public static List<T> ReadList<T>(ref MessagePackReader reader, IMessagePackFormatter<T> element, MessagePackSerializerOptions options)
    {
        WireFormat.EnterDepth(ref reader);
        var count = reader.ReadArrayHeader();
        var list = new List<T>(Math.Min(count, InitialCapacityLimit));
        for (var i = 0; i < count; i++)
        {
            list.Add(element.Deserialize(ref reader, options));
        }

        reader.Depth--;
        return list;
    }
}
