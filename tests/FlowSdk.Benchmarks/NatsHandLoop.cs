using System.Buffers.Binary;
using System.Text;
using System.Globalization;
using System.Threading.Channels;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.Benchmarks.OnNats;
using MessagePack;
using FlowSdk.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The second NATS baseline for a rule on execution state: a hand-written NATS.Net loop doing per
/// event what FlowRuntime on NATS does for it, at the same concurrency. A durable pull consumer
/// (<c>ConsumeAsync</c>, the runtime's pull batch, AckWait and MaxAckPending) on a stream of the
/// runtime's settings feeds <see cref="NatsFlowOptions.Lanes"/> lanes (64 by default), the
/// execution key hashed over them, so one execution's events run one at a time and in order, as in
/// the runtime. Per event, in its lane:
/// <list type="number">
/// <item>decode the message (the generated formatter, as the runtime);</item>
/// <item>the execution's last value and revision from a per-lane cache of the last value written
/// (the runtime's kept-state cache), else a KV get;</item>
/// <item>apply the event (total, last text, one more firing) and write the value with
/// compare-and-set: a KV create for a new execution, an update on the revision read otherwise; on
/// a conflict, read again and retry;</item>
/// <item>for the rule with an output (<see cref="Add"/>), a core NATS publish of the output
/// message, as the runtime publishes a rule's output on a subject its stream does not capture;</item>
/// <item>acknowledge the message (sent, not confirmed, as the runtime by default).</item>
/// </list>
/// The value written has the size of the runtime's value for the same execution after the same
/// number of firings (its base size and the growth per firing are measured on the flow's own state
/// at setup), so both write the same bytes per event. What the loop does not do, and the runtime
/// does: de-duplicate a redelivered message (the runtime keeps handled message ids in the state), an
/// outbox that survives a crash between the write and the publish, status counters, timeline,
/// timers, logging and metrics.
/// <para>Started with <c>bookkeeping</c>, the loop (on a stream, consumer and bucket of its own) stores
/// instead what FlowSdk stores and does per event what FlowSdk does with it: the value is a
/// <see cref="HandTally"/>, the tally with the execution's bookkeeping (<see cref="HandOrder"/> of the
/// firing benchmark: id, flow, phase, status, times, timeline, rule counters, outbox) and the ids of
/// the latest messages handled, deserialized with MessagePack from the kept bytes and serialized again
/// per event; a redelivered message (its stream sequence among the handled ids) is acknowledged
/// without firing; a creation reads the execution's parked-messages key after the create; and with
/// an output, the output goes into the outbox of the compare-and-set write, is published with its
/// <c>Nats-Msg-Id</c>, and a second compare-and-set write empties the outbox. What it still does
/// not do: status counters, timers, logging, metrics and the Rx-free lane plumbing of the runtime.</para>
/// </summary>
internal sealed class NatsHandLoop : IAsyncDisposable
{
    public const string OutputSubject = "bench.hand.added";

    /// <summary>How many handled message ids the bookkeeping loop keeps, the runtime's default (<see cref="FlowRuntimeOptions.HandledMessageIds"/>).</summary>
    private static readonly int HandledKept = new FlowRuntimeOptions().HandledMessageIds;

    private static readonly MessagePackSerializerOptions BookOptions = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly INatsConnection _connection;
    private readonly INatsKVStore _kv;
    private readonly IInputPort _tick;
    private readonly IInputPort _add;
    private readonly Channel<(INatsJSMsg<byte[]> Msg, string Id, int Value, string Text, bool Output)>[] _lanes;
    private readonly Task[] _laneLoops;
    private readonly Task _consumeLoop;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _prefix;
    private readonly bool _bookkeeping;
    private long _conflicts;
    private long _duplicates;

    private NatsHandLoop(INatsConnection connection, INatsKVStore kv, INatsJSConsumer consumer, int lanes, int pullBatch, IInputPort tick, IInputPort add, int baseSize, int perFiring, string prefix, bool bookkeeping)
    {
        _prefix = prefix;
        _bookkeeping = bookkeeping;
        _connection = connection;
        _kv = kv;
        _tick = tick;
        _add = add;
        BaseSize = baseSize;
        PerFiring = perFiring;
        _lanes = new Channel<(INatsJSMsg<byte[]>, string, int, string, bool)>[lanes];
        _laneLoops = new Task[lanes];
        for (var i = 0; i < lanes; i++)
        {
            var channel = Channel.CreateUnbounded<(INatsJSMsg<byte[]>, string, int, string, bool)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            _lanes[i] = channel;
            _laneLoops[i] = Task.Run(() => LaneAsync(channel.Reader));
        }

        _consumeLoop = Task.Run(() => ConsumeAsync(consumer, pullBatch));
    }

    /// <summary>The size of the value after one firing (set between rounds).</summary>
    public int BaseSize { get; set; }

    /// <summary>How much the value grows per further firing (set between rounds).</summary>
    public int PerFiring { get; set; }

    /// <summary>Counts the events handled (after the write, the publish and the acknowledgement).</summary>
    public Action<long> Handled { get; set; } = _ => { };

    /// <summary>Compare-and-set conflicts met (none expected: one lane per execution).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Redelivered messages the bookkeeping loop acknowledged without firing (none expected).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>The subject the loop's events of the rule on state are published on.</summary>
    public string TickSubject => _prefix + ".tick";

    /// <summary>The subject the loop's events of the rule with an output are published on.</summary>
    public string AddSubject => _prefix + ".add";

    /// <summary>
    /// Creates the stream, consumer and bucket (the runtime's settings) and starts the loop: the plain
    /// loop on <c>bench.hand.*</c>, or with <paramref name="bookkeeping"/> the loop that stores and
    /// handles FlowSdk's bookkeeping, on <c>bench.book.*</c>.
    /// </summary>
    public static async Task<NatsHandLoop> StartAsync(INatsConnection connection, IInputPort tick, IInputPort add, int baseSize, int perFiring, bool bookkeeping = false)
    {
        var defaults = new NatsFlowOptions();
        var js = new NatsJSContext(connection);
        var name = bookkeeping ? "book" : "hand";
        var prefix = "bench." + name;
        var consumer = await NatsBenchmarks.StreamAndConsumerAsync(js, "BENCH" + name.ToUpperInvariant(), [prefix + ".tick", prefix + ".add"], "bench-" + name).ConfigureAwait(false);
        var kv = await new NatsKVContext(js).CreateStoreAsync(new NatsKVConfig($"bench-{name}-state")
        {
            History = defaults.StateHistory,
            Storage = NatsKVStorageType.File,
            NumberOfReplicas = defaults.Replicas,
        }).ConfigureAwait(false);
        return new NatsHandLoop(connection, kv, consumer, Math.Min(defaults.Lanes, defaults.MaxAckPending), defaults.PullBatch, tick, add, baseSize, perFiring, prefix, bookkeeping);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll([_consumeLoop, .. _laneLoops]).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ConsumeAsync(INatsJSConsumer consumer, int pullBatch)
    {
        var opts = new NatsJSConsumeOpts { MaxMsgs = pullBatch };
        await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, opts, _stop.Token).ConfigureAwait(false))
        {
            var output = msg.Subject.EndsWith(".add", StringComparison.Ordinal);
            var (id, value, text) = output
                ? _add.DecodeMessage(msg.Data) is Add a ? (a.Id, a.Value, a.Text) : throw new InvalidOperationException("not an Add")
                : _tick.DecodeMessage(msg.Data) is Tick t ? (t.Id, t.Value, t.Text) : throw new InvalidOperationException("not a Tick");
            var lane = (int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)_lanes.Length);
            _lanes[lane].Writer.TryWrite((msg, id, value, text, output));
        }
    }

    private async Task LaneAsync(ChannelReader<(INatsJSMsg<byte[]> Msg, string Id, int Value, string Text, bool Output)> reader)
    {
        // The lane's executions: the last value written and its revision.
        var cache = new Dictionary<string, (ulong Revision, byte[] Value)>(StringComparer.Ordinal);
        try
        {
            await foreach (var (msg, id, value, text, output) in reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_bookkeeping)
                {
                    await BookkeepingAsync(cache, msg, id, value, text, output).ConfigureAwait(false);
                    await msg.AckAsync().ConfigureAwait(false);
                    Handled(1);
                    continue;
                }

                var key = "tally." + id;
                while (true)
                {
                    if (!cache.TryGetValue(key, out var current))
                    {
                        var read = await _kv.TryGetEntryAsync(key, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                        current = read.Success ? (read.Value.Revision, read.Value.Value ?? []) : (0UL, []);
                    }

                    var next = Apply(current.Value, value, text, out var total);
                    var written = current.Revision == 0
                        ? await _kv.TryCreateAsync(key, next, NatsRawSerializer<byte[]>.Default).ConfigureAwait(false)
                        : await _kv.TryUpdateAsync(key, next, current.Revision, NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                    if (!written.Success)
                    {
                        Interlocked.Increment(ref _conflicts);
                        cache.Remove(key);
                        continue;
                    }

                    cache[key] = (written.Value, next);
                    if (output)
                    {
                        await _connection.PublishAsync(_prefix + ".added", Output(id, total), serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                    }

                    break;
                }

                await msg.AckAsync().ConfigureAwait(false);
                Handled(1);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// One event with FlowSdk's bookkeeping (see the class): the value from the lane's cache or a KV
    /// get, deserialized; a redelivery is skipped; the firing recorded; written with compare-and-set
    /// (a creation then reads the parked-messages key); with an output, published from the outbox and
    /// the outbox emptied by a second compare-and-set write.
    /// </summary>
    private async Task BookkeepingAsync(Dictionary<string, (ulong Revision, byte[] Value)> cache, INatsJSMsg<byte[]> msg, string id, int value, string text, bool output)
    {
        var key = "tally." + id;
        var messageId = "seq:" + (msg.Metadata?.Sequence.Stream ?? 0).ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            if (!cache.TryGetValue(key, out var current))
            {
                var read = await _kv.TryGetEntryAsync(key, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                current = read.Success ? (read.Value.Revision, read.Value.Value ?? []) : (0UL, []);
            }

            var now = DateTime.UtcNow;
            var tally = current.Revision == 0
                ? new HandTally { Execution = new HandOrder { Id = id, Flow = "bench-book", Phase = nameof(TallyPhase.Counting), Status = "Running", Iteration = 1, CreatedAt = now } }
                : MessagePackSerializer.Deserialize<HandTally>(current.Value, BookOptions);
            if (tally.Handled.Contains(messageId, StringComparer.Ordinal))
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            var execution = tally.Execution;
            var rule = output ? nameof(TallyRules.Sum) : nameof(TallyRules.Count);
            tally.Total += value;
            tally.Last = text;
            execution.UpdatedAt = now;
            execution.ChainedFirings = 0;
            execution.Rules.TryGetValue(rule, out var counter);
            execution.Rules[rule] = new HandCounter(counter.Firings + 1, now);
            execution.Timeline.Add(new HandEntry
            {
                At = now,
                Rule = rule,
                Trigger = "MessageAndState",
                Source = msg.Subject,
                Action = "Mutate",
                PhaseBefore = execution.Phase,
                PhaseAfter = execution.Phase,
                Iteration = execution.Iteration,
            });
            tally.Handled.Add(messageId);
            if (tally.Handled.Count > HandledKept)
            {
                tally.Handled.RemoveRange(0, tally.Handled.Count - HandledKept);
            }

            execution.PublishedOnly = false;
            execution.Outbox.Clear();
            if (output)
            {
                execution.Outbox.Add(Output(id, tally.Total));
            }

            var next = MessagePackSerializer.Serialize(tally, BookOptions);
            var written = current.Revision == 0
                ? await _kv.TryCreateAsync(key, next, NatsRawSerializer<byte[]>.Default).ConfigureAwait(false)
                : await _kv.TryUpdateAsync(key, next, current.Revision, NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
            if (!written.Success)
            {
                Interlocked.Increment(ref _conflicts);
                cache.Remove(key);
                continue;
            }

            if (current.Revision == 0)
            {
                // Messages that arrived before the execution existed would wait beside it.
                await _kv.TryGetEntryAsync("_parked." + key, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
            }

            if (output)
            {
                var headers = new NatsHeaders { ["Nats-Msg-Id"] = $"bench-book.{id}.{execution.Timeline.Count}.1" };
                await _connection.PublishAsync(_prefix + ".added", execution.Outbox[0], headers, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                execution.Outbox.Clear();
                execution.PublishedOnly = true;
                var cleared = MessagePackSerializer.Serialize(tally, BookOptions);
                var emptied = await _kv.TryUpdateAsync(key, cleared, written.Value, NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                if (emptied.Success)
                {
                    cache[key] = (emptied.Value, cleared);
                }
                else
                {
                    cache.Remove(key);
                }
            }
            else
            {
                cache[key] = (written.Value, next);
            }

            return;
        }
    }

    /// <summary>
    /// The next value: total (8 bytes), firings (4), the last text (length-prefixed UTF-8), then
    /// filler to the runtime's value size after as many firings.
    /// </summary>
    private byte[] Apply(byte[] previous, int value, string text, out long total)
    {
        total = previous.Length >= 12 ? BinaryPrimitives.ReadInt64LittleEndian(previous) : 0;
        var firings = previous.Length >= 12 ? BinaryPrimitives.ReadInt32LittleEndian(previous.AsSpan(8)) : 0;
        total += value;
        firings++;
        var textBytes = Encoding.UTF8.GetByteCount(text);
        var size = Math.Max(16 + textBytes, BaseSize + ((firings - 1) * PerFiring));
        var next = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(next, total);
        BinaryPrimitives.WriteInt32LittleEndian(next.AsSpan(8), firings);
        BinaryPrimitives.WriteInt32LittleEndian(next.AsSpan(12), textBytes);
        Encoding.UTF8.GetBytes(text, next.AsSpan(16));
        return next;
    }

    private static byte[] Output(string id, long total)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(id) + 8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, total);
        Encoding.UTF8.GetBytes(id, bytes.AsSpan(8));
        return bytes;
    }
}

/// <summary>The bookkeeping loop's value: the tally, the execution's bookkeeping as FlowSdk keeps it, and the latest handled message ids.</summary>
[MessagePackObject(keyAsPropertyName: true)]
public sealed class HandTally
{
    /// <summary>The sum of the values seen.</summary>
    public long Total { get; set; }

    /// <summary>The text of the last event.</summary>
    public string Last { get; set; } = "";

    /// <summary>The execution's bookkeeping.</summary>
    public HandOrder Execution { get; set; } = new();

    /// <summary>The ids of the latest messages that fired, oldest first (a redelivery of one is a duplicate).</summary>
    public List<string> Handled { get; set; } = [];
}
