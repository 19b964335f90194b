using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace FlowSdk.Generators.Model;

/// <summary>An immutable array compared by its elements, so models that hold one stay value-equal.</summary>
/// <remarks>
/// A sealed class, not a struct: a pipeline stage value or a record's member of a reference type shares the
/// canonical (<c>__Canon</c>) code of Roslyn's pipeline nodes and of the BCL's comparers, which every
/// generator of a build uses, where a struct would make the compiler process JIT-compile its own copy of
/// each of them (docs/benchmarks.md, "The generator's share of a clean build").
/// </remarks>
internal sealed class EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[] _items;

    public EquatableArray(IEnumerable<T> items) => _items = items.ToArray();

    private EquatableArray(T[] items) => _items = items;

    /// <summary>The empty array, one instance for each element type.</summary>
    public static EquatableArray<T> Empty { get; } = new(Array.Empty<T>());

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    /// <summary>An array that owns <paramref name="items"/>: the caller never changes it afterwards.</summary>
    internal static EquatableArray<T> Own(T[] items) => items.Length == 0 ? Empty : new(items);

    public bool Equals(EquatableArray<T>? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null)
        {
            return false;
        }

        var a = _items;
        var b = other._items;
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as EquatableArray<T>);

    public override int GetHashCode()
    {
        var hash = 17;
        foreach (var item in _items)
        {
            hash = unchecked((hash * 31) + (item?.GetHashCode() ?? 0));
        }

        return hash;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool operator ==(EquatableArray<T>? left, EquatableArray<T>? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(EquatableArray<T>? left, EquatableArray<T>? right) => !(left == right);
}

internal static class EquatableArray
{
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
        where T : IEquatable<T> => EquatableArray<T>.Own(items.ToArray());
}
