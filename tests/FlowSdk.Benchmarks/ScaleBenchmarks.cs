using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.Benchmarks.OnNats;
using FlowSdk.State;
using MessagePack;
using MessagePack.Resolvers;

namespace FlowSdk.Benchmarks;

/// <summary>
/// How the cost of an event grows with the number of live executions, in memory (<c>--only scale</c>):
/// the setup creates <see cref="Live"/> executions of the tally flow (one tick each), then every
/// invocation publishes <see cref="EventsPerRound"/> ticks round-robin over all of them, continuing
/// where the last invocation stopped, and waits until the runtime has handled them all
/// (<c>FlowRuntime.WhenIdleAsync</c>). The time per operation is per event; events per second are
/// its inverse. Round-robin is the kept-state cache's worst case: every execution comes back only
/// after all the others.
/// <list type="bullet">
/// <item><b>Cache = default</b>: the runtime as it runs in memory. It keeps no kept-state cache in
/// front of the in-memory store (a read there is a dictionary lookup, all a hit would save), so every
/// event reads the store: what capacity 0 gave before.</item>
/// <item><b>Cache = kept</b>: the same store behind a pass-through wrapper the runtime does not know,
/// so it keeps its default kept-state cache (10,000 executions, CLOCK with frequency admission) in
/// front of it, as it did in memory before: over 10,000 live executions about 10,000 / live of the
/// lookups hit.</item>
/// </list>
/// <see cref="ScaleHandLoop"/> is the floor: the same round-robin loop written by hand.
/// The bookkeeping that grows with an execution's own firings (timeline, handled message ids) is held
/// to one entry, so the state is the same size in every case and the curve shows the number of live
/// executions alone (with the defaults, at 1,000 live each execution's timeline would fill to 100
/// entries during the run, and at 100,000 stay at one or two).
/// The setup also measures the managed heap the live executions take (store values, cache, runtime
/// bookkeeping): the heap after a full collection, after creating them minus before, per execution.
/// </summary>
[BenchmarkCategory("Scale")]
public class ScaleBenchmarks
{
    /// <summary>Events per benchmark invocation.</summary>
    public const int EventsPerRound = 2_000;

    /// <summary>Heap bytes per live execution, by <c>"live,cache"</c>, measured by the setups of this run.</summary>
    internal static readonly ConcurrentDictionary<string, double> BytesPerExecution = new(StringComparer.Ordinal);

    private FlowRuntime _runtime = null!;
    private byte[][] _ticks = [];
    private string _subject = "";
    private int _next;

    /// <summary>Live executions.</summary>
    [Params(1_000, 10_000, 100_000)]
    public int Live { get; set; } = 1_000;

    /// <summary>The runtime in memory as it is (<c>default</c>: no kept-state cache), or with the kept-state cache in front of the store (<c>kept</c>).</summary>
    [Params("default", "kept")]
    public string Cache { get; set; } = "default";

    /// <summary>Starts the runtime in memory and creates the live executions, measuring the heap they take.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        // What grows with an execution's own firings (the timeline, the ids of handled messages) is
        // held to one entry, so the executions of every case have the same state from their first
        // firing on: at 1,000 live each fires dozens of times during the run, at 100,000 once or twice.
        var options = new FlowRuntimeOptions { MaxTimelineEntries = 1, HandledMessageIds = 1 };
        if (Cache == "kept")
        {
            options.StateStore = new PassThroughStateStore(new InMemoryStateStore());
        }

        _runtime = FlowRuntime.StartAsync([TallyFlow.Definition], options).GetAwaiter().GetResult();
        var port = TallyFlow.Ports.Tick;
        _subject = port.Subject;
        _ticks = new byte[Live][];
        for (var i = 0; i < Live; i++)
        {
            _ticks[i] = port.Serialize(new Tick("x" + i.ToString(CultureInfo.InvariantCulture), 1, "tick"));
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        Publish(Live);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        BytesPerExecution[Key(Live, Cache)] = (double)(after - before) / Live;

        // The same warm-up for every case: round-robin updates for at least WarmUp and one round over
        // the executions. By count alone, the small cases (the first of the run) were still partly
        // running tier-0 code on a loaded machine, where the JIT's background tier-up lags.
        var warming = System.Diagnostics.Stopwatch.StartNew();
        var warmed = 0;
        while (warmed < Live || warming.Elapsed < WarmUp)
        {
            Publish(EventsPerRound);
            warmed += EventsPerRound;
        }
    }

    /// <summary>
    /// Runs one throwaway case (1,000 live, for <see cref="WarmUp"/> twice over) before the measured
    /// ones: whichever case ran first, with either cache, measured two to three times slower than
    /// the same case run later in the process, with the setup's own warm-up alone.
    /// </summary>
    public static void PrimeProcess()
    {
        var primer = new ScaleBenchmarks { Live = 1_000, Cache = "default" };
        primer.SetUp();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < WarmUp * 2)
        {
            primer.RoundRobinUpdates();
        }

        primer.CleanUp();
        BytesPerExecution.Clear();
    }

    /// <summary>How long every setup updates the executions before the measurement starts.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>Stops the runtime.</summary>
    [GlobalCleanup]
    public void CleanUp() => _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Updates, round-robin over the live executions, until the runtime is idle.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerRound)]
    public void RoundRobinUpdates() => Publish(EventsPerRound);

    /// <summary>
    /// The hit rate of round-robin lookups over <paramref name="live"/> executions with a cache of
    /// 10,000 (the default), measured on the last two of four rounds: the kept-state cache
    /// (<c>KeptStateCache</c>) and, for the curve before it, a dictionary cleared when it reaches the
    /// capacity, as the runtime kept executions until this version.
    /// </summary>
    internal static (double Kept, double ClearedWhenFull) HitRates(int live)
    {
        const int capacity = 10_000;
        var keys = Enumerable.Range(0, live).Select(i => "bench-nats.x" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var cache = new Runtime.KeptStateCache(capacity, new KeyValuePair<string, object?>("flow", "bench-scale-hit-rate"));
        var cleared = new Dictionary<string, ulong>(StringComparer.Ordinal);
        long keptHits = 0, clearedHits = 0, lookups = 0;
        for (var round = 0; round < 4; round++)
        {
            foreach (var key in keys)
            {
                var kept = cache.TryGet(key, out var entry);
                var hit = cleared.TryGetValue(key, out var revision);
                if (round >= 2)
                {
                    lookups++;
                    keptHits += kept ? 1 : 0;
                    clearedHits += hit ? 1 : 0;
                }

                cache.Remember(new State.StateEntry(key, ReadOnlyMemory<byte>.Empty, (entry?.Revision ?? 0) + 1));
                if (!hit && cleared.Count >= capacity)
                {
                    cleared.Clear();
                }

                cleared[key] = revision + 1;
            }
        }

        return ((double)keptHits / lookups, (double)clearedHits / lookups);
    }

    /// <summary>Events between publish and commit at most while latency is measured.</summary>
    internal const int LatencyInFlight = 16;

    /// <summary>Events whose latency is measured per case.</summary>
    internal const int LatencyEvents = 4_000;

    /// <summary>
    /// p50 and p99 latency per event with <paramref name="live"/> live executions in memory (the
    /// runtime as it is: no kept-state cache), measured outside BenchmarkDotNet after the same setup and warm-up as the
    /// benchmark: <see cref="LatencyEvents"/> round-robin updates with at most
    /// <see cref="LatencyInFlight"/> between the publish and the commit the store's watch delivers. With
    /// 1,000 or more live executions and 16 in flight, an execution has at most one event in flight,
    /// so its next committed write is that event's.
    /// </summary>
    internal static (double P50Microseconds, double P99Microseconds) Latency(int live)
    {
        var bench = new ScaleBenchmarks { Live = live, Cache = "default" };
        bench.SetUp();
        try
        {
            return bench.MeasureLatency();
        }
        finally
        {
            bench.CleanUp();
        }
    }

    private (double P50Microseconds, double P99Microseconds) MeasureLatency()
    {
        var sent = new long[LatencyEvents];
        var committed = new long[LatencyEvents];
        var pending = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var slots = new SemaphoreSlim(LatencyInFlight);
        var done = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = _runtime.Store.Watch(TallyFlow.Definition.Id + ".").Subscribe(entry =>
        {
            if (pending.TryRemove(entry.Key, out var index))
            {
                committed[index] = System.Diagnostics.Stopwatch.GetTimestamp();
                slots.Release();
                if (Interlocked.Increment(ref done) == LatencyEvents)
                {
                    all.TrySetResult();
                }
            }
        });

        for (var i = 0; i < LatencyEvents; i++)
        {
            slots.Wait();
            pending[Runtime.RuntimeServices.StateKey(TallyFlow.Definition.Id, "x" + _next.ToString(CultureInfo.InvariantCulture))] = i;
            sent[i] = System.Diagnostics.Stopwatch.GetTimestamp();
            _runtime.Transport.PublishAsync(_subject, _ticks[_next]).GetAwaiter().GetResult();
            _next = _next + 1 == _ticks.Length ? 0 : _next + 1;
        }

        if (!all.Task.Wait(TimeSpan.FromMinutes(2)))
        {
            throw new TimeoutException($"{LatencyEvents - Volatile.Read(ref done)} of {LatencyEvents} events were not committed within 2 minutes.");
        }

        var latencies = sent.Select((at, i) => System.Diagnostics.Stopwatch.GetElapsedTime(at, committed[i]).TotalMicroseconds).Order().ToArray();
        return (latencies[latencies.Length / 2], latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1]);
    }

    /// <summary>
    /// One case alone, for a profiler (<c>--scale-probe LIVE [default|kept|hand] [SECONDS]</c>): the
    /// setup and warm-up of the benchmark, then round-robin updates for the given seconds; prints the
    /// events per second, the garbage collections by generation, the time paused in them and the bytes
    /// allocated per event over that time.
    /// </summary>
    internal static int Probe(int live, string cache, int seconds)
    {
        Action round;
        Action cleanUp;
        if (cache == "hand")
        {
            var hand = new ScaleHandLoop { Live = live };
            hand.SetUp();
            round = hand.RoundRobinUpdates;
            cleanUp = () => { };
        }
        else
        {
            var bench = new ScaleBenchmarks { Live = live, Cache = cache };
            bench.SetUp();
            round = bench.RoundRobinUpdates;
            cleanUp = bench.CleanUp;
        }

        var gcs = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        var paused = GC.GetTotalPauseDuration();
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long events = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            round();
            events += EventsPerRound;
        }

        var elapsed = clock.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{cache} at {live:N0} live: {events / elapsed.TotalSeconds:N0} events/s over {elapsed.TotalSeconds:F1} s; GCs gen0 {GC.CollectionCount(0) - gcs[0]}, gen1 {GC.CollectionCount(1) - gcs[1]}, gen2 {GC.CollectionCount(2) - gcs[2]}; paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms ({(GC.GetTotalPauseDuration() - paused) / elapsed:P1}); {(GC.GetTotalAllocatedBytes() - allocated) / (double)events:N0} bytes allocated per event"));
        cleanUp();
        return 0;
    }

    internal static string Key(int live, string cache) => string.Create(CultureInfo.InvariantCulture, $"{live},{cache}");

    private void Publish(int events)
    {
        for (var i = 0; i < events; i++)
        {
            _runtime.Transport.PublishAsync(_subject, _ticks[_next]).GetAwaiter().GetResult();
            _next = _next + 1 == _ticks.Length ? 0 : _next + 1;
        }

        _runtime.WhenIdleAsync().GetAwaiter().GetResult();
    }
}

/// <summary>
/// The floor of <see cref="ScaleBenchmarks"/>: the same round-robin updates written by hand, without
/// FlowSdk, over <see cref="Live"/> executions. Per event: MessagePack reads the tick, the execution's
/// serialized state is read from a dictionary of serialized states with its revision (under a lock,
/// as the in-memory store takes one), MessagePack reads the state (<see cref="HandOrder"/>, the
/// hand-written persisting step's state: the value and the same bookkeeping FlowSdk keeps, its
/// timeline and counters held to one entry like the runtime's in the benchmark), the tick is added,
/// MessagePack writes the state, and the write is a compare-and-set on the revision. One thread, no
/// transport, no lanes: only what grows with the number of executions is in both.
/// </summary>
[BenchmarkCategory("Scale")]
public class ScaleHandLoop
{
    private static readonly MessagePackSerializerOptions StateOptions = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    private static readonly MessagePackSerializerOptions TickOptions = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance);
    private static readonly DateTime Now = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private readonly Dictionary<string, Stored> _states = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private byte[][] _ticks = [];
    private int _next;
    private ulong _sequence;

    /// <summary>Live executions.</summary>
    [Params(1_000, 10_000, 100_000)]
    public int Live { get; set; } = 1_000;

    /// <summary>Creates the executions' states and the serialized ticks, then warms up as <see cref="ScaleBenchmarks"/> does.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _ticks = new byte[Live][];
        for (var i = 0; i < Live; i++)
        {
            var id = "x" + i.ToString(CultureInfo.InvariantCulture);
            _ticks[i] = MessagePackSerializer.Serialize(new Tick(id, 1, "tick"), TickOptions);
            var state = new HandOrder
            {
                Id = id,
                Flow = "bench-nats",
                Phase = nameof(TallyPhase.Counting),
                Status = nameof(ExecutionStatus.Running),
                Iteration = 1,
                CreatedAt = Now,
                UpdatedAt = Now,
            };
            _states[id] = new Stored(MessagePackSerializer.Serialize(state, StateOptions), ++_sequence);
        }

        // The runtime's warm-up: at least one round over the executions and ScaleBenchmarks.WarmUp, so
        // that the first case of the run is not measured on tier-0 code.
        var warming = System.Diagnostics.Stopwatch.StartNew();
        var warmed = 0;
        while (warmed < Live || warming.Elapsed < ScaleBenchmarks.WarmUp)
        {
            Updates(ScaleBenchmarks.EventsPerRound);
            warmed += ScaleBenchmarks.EventsPerRound;
        }
    }

    /// <summary>Updates, round-robin over the live executions.</summary>
    [Benchmark(OperationsPerInvoke = ScaleBenchmarks.EventsPerRound)]
    public void RoundRobinUpdates() => Updates(ScaleBenchmarks.EventsPerRound);

    private void Updates(int events)
    {
        for (var i = 0; i < events; i++)
        {
            var tick = MessagePackSerializer.Deserialize<Tick>(_ticks[_next], TickOptions);
            _next = _next + 1 == _ticks.Length ? 0 : _next + 1;
            Stored read;
            lock (_gate)
            {
                read = _states[tick.Id];
            }

            var state = MessagePackSerializer.Deserialize<HandOrder>(read.Value, StateOptions);
            state.Total += tick.Value;
            state.UpdatedAt = Now;
            state.Rules.TryGetValue(nameof(TallyRules.Count), out var counter);
            state.Rules[nameof(TallyRules.Count)] = new HandCounter(counter.Firings + 1, Now);
            state.Timeline.Clear();
            state.Timeline.Add(new HandEntry
            {
                At = Now,
                Rule = nameof(TallyRules.Count),
                Trigger = "MessageAndState",
                Source = "bench.nats.tick",
                Action = "Mutate",
                PhaseBefore = state.Phase,
                PhaseAfter = state.Phase,
                Iteration = state.Iteration,
            });
            var value = MessagePackSerializer.Serialize(state, StateOptions);
            lock (_gate)
            {
                if (_states[tick.Id].Revision != read.Revision)
                {
                    throw new InvalidOperationException($"Execution {tick.Id} changed under the loop: revision {_states[tick.Id].Revision}, read {read.Revision}.");
                }

                _states[tick.Id] = new Stored(value, ++_sequence);
            }
        }
    }

    private sealed record Stored(byte[] Value, ulong Revision);
}
