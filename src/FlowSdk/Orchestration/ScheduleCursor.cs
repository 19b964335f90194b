using System.Buffers.Binary;

namespace FlowSdk.Orchestration;

/// <summary>
/// Where a schedule stands, stored in the state store under <c>_schedules.&lt;flow&gt;.&lt;schedule&gt;</c>
/// and only ever changed with compare-and-set, so of several hosts exactly one claims a tick: the last
/// tick claimed, when it was claimed, and the ticks claimed but not yet known to be published.
/// </summary>
/// <remarks>
/// The value is binary, big-endian: a version byte (1), the last tick and the claim time as UTC
/// ticks (8 bytes each), the count of pending ticks (4 bytes), then each pending tick (8 bytes).
/// </remarks>
internal sealed record ScheduleCursor(DateTimeOffset Last, DateTimeOffset ClaimedAt, IReadOnlyList<DateTimeOffset> Pending)
{
    private const byte Version = 1;

    /// <summary>The key of a schedule's cursor.</summary>
    public static string Key(string flowId, string schedule) => string.Concat("_schedules.", flowId, ".", schedule);

    public byte[] Encode()
    {
        var bytes = new byte[1 + 8 + 8 + 4 + (8 * Pending.Count)];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), Last.UtcTicks);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(9), ClaimedAt.UtcTicks);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(17), Pending.Count);
        for (var i = 0; i < Pending.Count; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(21 + (8 * i)), Pending[i].UtcTicks);
        }

        return bytes;
    }

    /// <exception cref="InvalidDataException">The value is not a schedule cursor.</exception>
    public static ScheduleCursor Decode(ReadOnlySpan<byte> value, string key)
    {
        if (value.Length < 21 || value[0] != Version)
        {
            throw new InvalidDataException($"The state store's value under '{key}' is not a schedule cursor of version {Version} ({value.Length} bytes); remove the key to start the schedule afresh.");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(value[17..]);
        if (count < 0 || value.Length != 21 + (8 * (long)count))
        {
            throw new InvalidDataException($"The schedule cursor under '{key}' is cut short or too long ({value.Length} bytes for {count} pending ticks); remove the key to start the schedule afresh.");
        }

        var pending = new DateTimeOffset[count];
        for (var i = 0; i < count; i++)
        {
            pending[i] = At(BinaryPrimitives.ReadInt64BigEndian(value[(21 + (8 * i))..]), key);
        }

        return new ScheduleCursor(At(BinaryPrimitives.ReadInt64BigEndian(value[1..]), key), At(BinaryPrimitives.ReadInt64BigEndian(value[9..]), key), pending);
    }

    private static DateTimeOffset At(long ticks, string key) =>
        ticks is >= 0 and <= 3155378975999999999
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : throw new InvalidDataException($"The schedule cursor under '{key}' holds a time out of range ({ticks} ticks).");
}
