using System.Diagnostics.CodeAnalysis;

namespace FlowSdk;

/// <summary>
/// An execution's firing counters by rule name, kept sorted by name (ordinal), as they are stored: counting
/// a firing finds the rule by a binary search (a rule's name is the same string on every firing, so the
/// comparison ends at once) and writing them needs no sorting.
/// </summary>
internal sealed class RuleCounters : IReadOnlyDictionary<string, RuleCounter>
{
    private string[] _names = [];
    private RuleCounter[] _counters = [];
    private int _count;

    public int Count => _count;

    public RuleCounter this[string key] => TryGetValue(key, out var counter) ? counter : throw new KeyNotFoundException($"No rule '{key}' fired for this execution.");

    public IEnumerable<string> Keys => _names.Take(_count);

    public IEnumerable<RuleCounter> Values => _counters.Take(_count);

    /// <summary>The name at <paramref name="index"/>, in ordinal order.</summary>
    public string NameAt(int index) => _names[index];

    /// <summary>The counter at <paramref name="index"/>, in ordinal order of the names.</summary>
    public RuleCounter CounterAt(int index) => _counters[index];

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out RuleCounter value)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            value = default;
            return false;
        }

        value = _counters[index];
        return true;
    }

    /// <summary>Counts one firing of <paramref name="rule"/> at <paramref name="at"/>.</summary>
    public void CountFiring(string rule, DateTimeOffset at)
    {
        var index = IndexOf(rule);
        if (index >= 0)
        {
            ref var counter = ref _counters[index];
            counter = new RuleCounter(counter.Firings + 1, at);
        }
        else
        {
            Insert(~index, rule, new RuleCounter(1, at));
        }
    }

    /// <summary>Sets the counter of <paramref name="rule"/>.</summary>
    public void Set(string rule, RuleCounter counter)
    {
        var index = IndexOf(rule);
        if (index >= 0)
        {
            _counters[index] = counter;
        }
        else
        {
            Insert(~index, rule, counter);
        }
    }

    public IEnumerator<KeyValuePair<string, RuleCounter>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return KeyValuePair.Create(_names[i], _counters[i]);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The index of <paramref name="name"/>, or the bitwise complement of where it would go.</summary>
    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var low = 0;
        var high = _count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = string.CompareOrdinal(_names[middle], name);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    /// <summary>Whether the counters are as reading them back gives them: the last firing times in UTC, no nil name.</summary>
    public bool IsAsStored()
    {
        for (var i = 0; i < _count; i++)
        {
            if (_names[i] is null || _counters[i].LastFiredAt.Offset != TimeSpan.Zero)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A copy as reading the stored counters back gives it: the last firing times in UTC.</summary>
    public RuleCounters StoredCopy()
    {
        var copy = new RuleCounters { _names = _names[.._count], _counters = _counters[.._count], _count = _count };
        for (var i = 0; i < _count; i++)
        {
            ref var counter = ref copy._counters[i];
            if (counter.LastFiredAt.Offset != TimeSpan.Zero)
            {
                counter = counter with { LastFiredAt = new DateTimeOffset(counter.LastFiredAt.UtcDateTime) };
            }

            copy._names[i] ??= "";
        }

        return copy;
    }

    private void Insert(int index, string name, RuleCounter counter)
    {
        if (_count == _names.Length)
        {
            var capacity = Math.Max(2, _count * 2);
            Array.Resize(ref _names, capacity);
            Array.Resize(ref _counters, capacity);
        }

        Array.Copy(_names, index, _names, index + 1, _count - index);
        Array.Copy(_counters, index, _counters, index + 1, _count - index);
        _names[index] = name;
        _counters[index] = counter;
        _count++;
    }
}
