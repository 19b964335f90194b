using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using FlowSdk.Benchmarks.OnNats;
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
/// </summary>
internal sealed class NatsHandLoop : IAsyncDisposable
{
    public const string OutputSubject = "bench.hand.added";

    private readonly INatsConnection _connection;
    private readonly INatsKVStore _kv;
    private readonly IInputPort _tick;
    private readonly IInputPort _add;
    private readonly Channel<(INatsJSMsg<byte[]> Msg, string Id, int Value, string Text, bool Output)>[] _lanes;
    private readonly Task[] _laneLoops;
    private readonly Task _consumeLoop;
    private readonly CancellationTokenSource _stop = new();
    private long _conflicts;

    private NatsHandLoop(INatsConnection connection, INatsKVStore kv, INatsJSConsumer consumer, int lanes, int pullBatch, IInputPort tick, IInputPort add, int baseSize, int perFiring)
    {
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

    /// <summary>The subjects the loop's stream captures.</summary>
    public static string[] Subjects => ["bench.hand.tick", "bench.hand.add"];

    /// <summary>Creates the stream, consumer and bucket (the runtime's settings) and starts the loop.</summary>
    public static async Task<NatsHandLoop> StartAsync(INatsConnection connection, IInputPort tick, IInputPort add, int baseSize, int perFiring)
    {
        var defaults = new NatsFlowOptions();
        var js = new NatsJSContext(connection);
        var consumer = await NatsBenchmarks.StreamAndConsumerAsync(js, "BENCHHAND", Subjects, "bench-hand").ConfigureAwait(false);
        var kv = await new NatsKVContext(js).CreateStoreAsync(new NatsKVConfig("bench-hand-state")
        {
            History = defaults.StateHistory,
            Storage = NatsKVStorageType.File,
            NumberOfReplicas = defaults.Replicas,
        }).ConfigureAwait(false);
        return new NatsHandLoop(connection, kv, consumer, Math.Min(defaults.Lanes, defaults.MaxAckPending), defaults.PullBatch, tick, add, baseSize, perFiring);
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
            var output = msg.Subject == "bench.hand.add";
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
                        await _connection.PublishAsync(OutputSubject, Output(id, total), serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
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
