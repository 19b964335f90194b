using System.Collections.Concurrent;
using FlowSdk.State;

namespace FlowSdk.Runtime;

/// <summary>
/// The latest committed values of executions, by state key, bounded to a capacity. When the cache is
/// full, a new execution is kept only if, not counting the lookup that just missed, it was looked up
/// more often lately than the one the clock hand picks (the first not used since the hand last passed it: CLOCK, a second-chance
/// approximation of least-recently-used), which is then evicted. The frequencies are estimated by a
/// small count-min sketch whose counts are halved every ten lookups per kept execution, so that
/// executions that stop being used give way. Plain LRU or CLOCK evict every execution before its
/// next turn under round-robin access over more executions than the capacity (no hit at all); with
/// the admission check the kept set stays, and the hit rate falls gradually, close to capacity over
/// executions.
/// </summary>
/// <remarks>
/// Beside a value's bytes the cache may keep a copy of its bookkeeping as those bytes read back
/// (<see cref="ExecutionInfo.StoredCopy"/>): the first lookup that asks for it takes it (no other
/// lookup gets it), so the next event of the execution takes it over instead of decoding the
/// bookkeeping, and whatever that event then changes in it is never seen by the cache. Later lookups
/// of the same value get its bytes alone until a newer value is kept.
/// Reads take no lock: a hit sets the entry's reference bit and counts the lookup in the sketch
/// (racing counts may be lost, which only blurs the estimate). Adding a key or removing one takes a
/// short lock (the clock ring and the dictionary change together); replacing the value of a kept
/// key does not. A value is replaced only by a newer revision. A capacity of 0 keeps nothing.
/// </remarks>
internal sealed class KeptStateCache
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Slot?[] _ring;
    private readonly Stack<int> _free = new();
    private readonly Lock _gate = new();
    private readonly KeyValuePair<string, object?> _flowTag;
    private int _hand;
    private readonly FrequencySketch? _frequency;
    private long _hits;
    private long _misses;

    /// <summary>Creates a cache of <paramref name="capacity"/> executions, counting hits and misses under <paramref name="flowTag"/>.</summary>
    public KeptStateCache(int capacity, KeyValuePair<string, object?> flowTag)
        : this(capacity, flowTag, Random.Shared.Next())
    {
    }

    /// <summary>
    /// Creates a cache whose frequency sketch hashes with <paramref name="seed"/>. Which executions
    /// collide in the sketch depends on it, and with it which ones are kept when more are used than
    /// fit: the hit rate varies a little from seed to seed (tests measure it over many).
    /// </summary>
    internal KeptStateCache(int capacity, KeyValuePair<string, object?> flowTag, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _ring = new Slot?[capacity];
        for (var i = capacity - 1; i >= 0; i--)
        {
            _free.Push(i);
        }

        _flowTag = flowTag;
        _frequency = capacity > 0 ? new FrequencySketch(capacity, seed) : null;
    }

    /// <summary>How many executions the cache keeps at most.</summary>
    public int Capacity { get; }

    /// <summary>How many executions the cache keeps now.</summary>
    public int Count => _slots.Count;

    /// <summary>Lookups answered from the cache since it was created.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups the cache could not answer since it was created.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The kept value of <paramref name="key"/>, marking it used; counts a hit or a miss.</summary>
    public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StateEntry? entry) => TryGet(key, out entry, out _);

    /// <summary>
    /// The kept value of <paramref name="key"/>, marking it used; counts a hit or a miss. Takes the
    /// kept copy of its bookkeeping too, if there is one and no lookup took it yet (<paramref name="bookkeeping"/>).
    /// </summary>
    public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StateEntry? entry, out ExecutionInfo? bookkeeping)
    {
        _frequency?.Increment(key);
        if (Capacity > 0 && _slots.TryGetValue(key, out var slot))
        {
            if (!slot.Referenced)
            {
                slot.Referenced = true;
            }

            var kept = slot.Kept;
            entry = kept.Entry;
            bookkeeping = kept.Bookkeeping is null ? null : Interlocked.Exchange(ref kept.Bookkeeping, null);
            Interlocked.Increment(ref _hits);
            FlowSdkDiagnostics.CacheHits.Add(1, _flowTag);
            return true;
        }

        entry = null;
        bookkeeping = null;
        Interlocked.Increment(ref _misses);
        FlowSdkDiagnostics.CacheMisses.Add(1, _flowTag);
        return false;
    }

    /// <summary>
    /// Keeps <paramref name="entry"/> unless a value of the same or a newer revision is kept; may evict another
    /// execution. <paramref name="bookkeeping"/>, if given, is a copy of the bookkeeping <paramref name="entry"/>'s
    /// bytes hold (<see cref="ExecutionInfo.StoredCopy"/>) that nothing else uses. A value of an
    /// execution just <paramref name="created"/> is kept even when the cache is full, in place of the
    /// one the clock hand picks, without comparing how often each was looked up: a new execution has
    /// no lookups to show yet (its first one just missed), so the comparison would keep it out while
    /// its next events arrive, and the executions it would replace have counts of their own plus
    /// whatever collides with them in the sketch. A round over existing executions creates none, so
    /// this does not undo the admission check that keeps such a round hitting.
    /// </summary>
    public void Remember(StateEntry entry, ExecutionInfo? bookkeeping = null, bool created = false)
    {
        if (Capacity == 0)
        {
            return;
        }

        var value = new Kept(entry, bookkeeping);

        if (_slots.TryGetValue(entry.Key, out var kept))
        {
            Replace(kept, value);
            return;
        }

        lock (_gate)
        {
            if (_slots.TryGetValue(entry.Key, out kept))
            {
                Replace(kept, value);
                return;
            }

            int index;
            if (_free.Count > 0)
            {
                index = _free.Pop();
            }
            else
            {
                var victim = Victim();
                if (!created && _frequency!.Estimate(entry.Key) - 1 <= _frequency.Estimate(victim.Key))
                {
                    // Not used more than what it would replace: a scan over more executions than
                    // the capacity would otherwise evict each before its next turn. The newcomer's
                    // lookup that just missed is not counted: in a round over all executions, a
                    // victim not yet looked up in it would otherwise lose, and miss in turn.
                    return;
                }

                _slots.TryRemove(KeyValuePair.Create(victim.Key, victim));
                index = victim.Index;
            }

            var slot = new Slot(entry.Key, index, value);
            _ring[index] = slot;
            _slots[entry.Key] = slot;
        }
    }

    /// <summary>Drops the kept value of <paramref name="key"/>, so that the next event of its execution reads the store.</summary>
    public void Forget(string key)
    {
        if (Capacity == 0 || !_slots.ContainsKey(key))
        {
            return;
        }

        lock (_gate)
        {
            if (_slots.TryRemove(key, out var slot))
            {
                _ring[slot.Index] = null;
                _free.Push(slot.Index);
            }
        }
    }

    /// <summary>Replaces a kept value with a newer revision. A slot removed meanwhile takes the value harmlessly: it is no longer reachable.</summary>
    private static void Replace(Slot slot, Kept value)
    {
        while (true)
        {
            var current = slot.Kept;
            if (current.Entry.Revision >= value.Entry.Revision || Interlocked.CompareExchange(ref slot.Kept, value, current) == current)
            {
                slot.Referenced = true;
                return;
            }
        }
    }

    /// <summary>Moves the clock hand past the slots used since it last passed them (clearing their mark) to the first that was not, and returns it. Called under the lock with a full ring.</summary>
    private Slot Victim()
    {
        while (true)
        {
            var index = _hand;
            _hand = index + 1 == _ring.Length ? 0 : index + 1;
            var slot = _ring[index]!;
            if (slot.Referenced)
            {
                slot.Referenced = false;
                continue;
            }

            return slot;
        }
    }

    private sealed class Slot(string key, int index, Kept kept)
    {
        public readonly string Key = key;
        public readonly int Index = index;
        public Kept Kept = kept;
        public volatile bool Referenced;
    }

    /// <summary>A kept value: its bytes, and the copy of its bookkeeping until a lookup takes it.</summary>
    private sealed class Kept(StateEntry entry, ExecutionInfo? bookkeeping)
    {
        public readonly StateEntry Entry = entry;
        public ExecutionInfo? Bookkeeping = bookkeeping;
    }

    /// <summary>
    /// How often keys were looked up lately, estimated: four rows of 4-bit counts (kept in bytes),
    /// the smallest of a key's four counts is its estimate; every ten lookups per kept entry all
    /// counts are halved.
    /// </summary>
    private sealed class FrequencySketch
    {
        private const int Rows = 4;
        private const byte MaxCount = 15;
        private readonly byte[] _counts;
        private readonly int _mask;
        private readonly int _resetAfter;
        private readonly uint _seed;
        private int _additions;
        private int _halving;

        public FrequencySketch(int capacity, int seed)
        {
            _seed = (uint)seed;
            var width = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity) * 4));
            _counts = new byte[width * Rows];
            _mask = width - 1;
            _resetAfter = (int)Math.Min(int.MaxValue / 2, 10L * capacity);
        }

        public void Increment(string key)
        {
            var hash = Hash(key);
            for (var row = 0; row < Rows; row++)
            {
                ref var count = ref _counts[Index(hash, row)];
                if (count < MaxCount)
                {
                    count++;
                }
            }

            if (Interlocked.Increment(ref _additions) >= _resetAfter && Interlocked.Exchange(ref _halving, 1) == 0)
            {
                for (var i = 0; i < _counts.Length; i++)
                {
                    _counts[i] >>= 1;
                }

                Volatile.Write(ref _additions, 0);
                Volatile.Write(ref _halving, 0);
            }
        }

        public int Estimate(string key)
        {
            var hash = Hash(key);
            int estimate = MaxCount;
            for (var row = 0; row < Rows; row++)
            {
                estimate = Math.Min(estimate, _counts[Index(hash, row)]);
            }

            return estimate;
        }

        /// <summary>
        /// The key's hash, seeded: FNV-1a over its UTF-16 code units. It depends on the seed alone, not
        /// on the process (string hash codes are randomized per process), so a seeded sketch behaves
        /// the same on every run; the public constructor picks a random seed.
        /// </summary>
        private int Hash(string key)
        {
            var hash = 2166136261u ^ _seed;
            foreach (var c in key)
            {
                hash = (hash ^ c) * 16777619u;
            }

            return (int)hash;
        }

        /// <summary>The key's count in <paramref name="row"/>: the hash, offset per row, through a 32-bit finalizer.</summary>
        private int Index(int hash, int row)
        {
            var mixed = (uint)hash + ((uint)row * 0x9E3779B9u);
            mixed = (mixed ^ (mixed >> 16)) * 0x45D9F3Bu;
            mixed = (mixed ^ (mixed >> 16)) * 0x45D9F3Bu;
            mixed ^= mixed >> 16;
            return (row * (_mask + 1)) + (int)(mixed & (uint)_mask);
        }
    }
}
