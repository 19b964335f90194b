using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.Benchmarks.OnNats;
using FlowSdk.Nats;
using FlowSdk.Testing.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Benchmarks;

/// <summary>What the NATS benchmarks measured: medians over rounds, and how they were taken.</summary>
internal sealed class NatsResults
{
    /// <summary>Events per second, median over rounds, per contender (see <see cref="NatsBenchmarks"/>).</summary>
    public Dictionary<string, double> EventsPerSecond { get; } = new(StringComparer.Ordinal);

    /// <summary>Microseconds per operation, median over rounds, per contender.</summary>
    public Dictionary<string, double> MicrosecondsPerOp { get; } = new(StringComparer.Ordinal);

    /// <summary>CPU microseconds per event, median over rounds, per contender: this process (publisher and receiver) and nats-server.</summary>
    public Dictionary<string, (double Client, double Server)> CpuPerEvent { get; } = new(StringComparer.Ordinal);

    /// <summary>The runtime's stored value of a benchmark execution after one firing and after eleven (the hand loop writes the same sizes).</summary>
    public (int Once, int Eleven) StateBytes { get; set; }

    /// <summary>The parameters of the run, for the report's notes.</summary>
    public string Setup { get; set; } = "";
}

/// <summary>
/// FlowSdk on a real nats-server (started here: JetStream on, a free loopback port, a temporary store
/// directory, killed on every exit path) against NATS.Net doing the same transport work by hand.
/// Every contender runs in the same process against the same server, in alternating rounds, and the
/// report compares medians over the rounds.
/// <para><b>Throughput</b> (events per second from the first publish until the last event is handled):
/// the same MessagePack payloads (the generated formatter's bytes of a three-member message) are
/// published by the same NATS.Net JetStream publisher (a window of in-flight publishes awaiting their
/// acknowledgements) and received by:</para>
/// <list type="bullet">
/// <item>FlowRuntime on NATS (<see cref="NatsTransport"/> and <see cref="NatsStateStore"/> through
/// <c>UseNatsAsync</c>), with a rule that loads its execution and writes it back with compare-and-set
/// (the events spread over one execution per ten events), and with a message-only rule (no state);</item>
/// <item>raw JetStream: a durable pull consumer (<c>ConsumeAsync</c>, explicit acknowledgement of each
/// message) on a stream of its own with the same settings, the like-for-like baseline;</item>
/// <item>raw core NATS: a plain subscription receiving core publishes (no stream, no acknowledgement,
/// at-most-once), for scale.</item>
/// </list>
/// <para><b>One execution step with KV compare-and-set</b> (microseconds per step): the FlowSdk step
/// of the firing benchmark (deserialize the stored order, <c>Definition.Fire</c>, serialize) written
/// with <see cref="NatsStateStore.TryUpdateAsync"/> on the revision read, against a loop of NATS.Net's
/// <c>INatsKVStore.UpdateAsync</c> with the expected revision writing the same bytes to a bucket with
/// the same settings.</para>
/// </summary>
internal static class NatsBenchmarks
{
    public const string RuntimeState = "runtime-state";
    public const string RuntimeMessage = "runtime-message";
    public const string RawJetStream = "raw-jetstream";
    public const string RawCore = "raw-core";
    public const string Step = "step";
    public const string RawKv = "raw-kv";

    /// <summary>Rule on state, every event creating an execution; its hand-written loop.</summary>
    public const string RuntimeCreate = "runtime-create";
    public const string HandCreate = "hand-create";

    /// <summary>Rule on state, every event updating an execution created before the round (untimed); its hand-written loop.</summary>
    public const string RuntimeUpdate = "runtime-update";
    public const string HandUpdate = "hand-update";

    /// <summary>As <see cref="RuntimeCreate"/> and <see cref="RuntimeUpdate"/>, the rule publishing an output message per event.</summary>
    public const string RuntimeCreateOut = "runtime-create-out";
    public const string HandCreateOut = "hand-create-out";
    public const string RuntimeUpdateOut = "runtime-update-out";
    public const string HandUpdateOut = "hand-update-out";

    /// <summary>The hand-written loop storing and handling FlowSdk's bookkeeping (<see cref="NatsHandLoop"/> started with bookkeeping), for each of the four rows above.</summary>
    public const string BookCreate = "hand-book-create";
    public const string BookUpdate = "hand-book-update";
    public const string BookCreateOut = "hand-book-create-out";
    public const string BookUpdateOut = "hand-book-update-out";

    private const int PublishWindow = 256;
    private const int EventsPerExecution = 10;
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(2);

    public static NatsResults Run(bool quick, string artifacts)
    {
        if (NatsServer.FindExecutable() is null)
        {
            throw new InvalidOperationException("nats-server was not found (PATH, /usr/bin, /usr/sbin or NATS_SERVER). Install it: apt-get install -y nats-server (build/bench.sh does).");
        }

        // Its process id goes to nats-server.pid, so that build/bench.sh can kill it even if this process is killed outright.
        // FLOWSDK_BENCH_NATS_MONITOR=1: the server's HTTP monitoring port is opened, and each round
        // reports what every connection sent and received per event (from /connz), for comparing
        // what the contenders ask of the server.
        string[] monitor = Environment.GetEnvironmentVariable("FLOWSDK_BENCH_NATS_MONITOR") == "1" ? ["-m", FreePort().ToString(CultureInfo.InvariantCulture)] : [];
        using var server = NatsServer.StartAsync(jetStream: true, Path.Combine(artifacts, "nats-server.pid"), monitor).GetAwaiter().GetResult();
        MonitorPort = monitor.Length == 0 ? 0 : int.Parse(monitor[1], CultureInfo.InvariantCulture);
        using var signals = DisposeOnInterrupt(server);
        Console.WriteLine($"// NATS benchmarks: nats-server at {server.Url}, store {server.StoreDirectory.FullName}");
        return RunAsync(server, quick).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Kills the server (and deletes its store and pid file) on Ctrl+C, SIGTERM, SIGHUP and SIGQUIT; the
    /// default handling (the process ends) goes on afterwards. Process exit is covered by <see cref="NatsServer"/> itself.
    /// </summary>
    private static Signals DisposeOnInterrupt(NatsServer server)
    {
        void OnCancel(object? sender, ConsoleCancelEventArgs e) => server.Dispose();

        Console.CancelKeyPress += OnCancel;
        var registrations = new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => server.Dispose()))
            .ToList();
        return new Signals(() =>
        {
            Console.CancelKeyPress -= OnCancel;
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        });
    }

    /// <summary>The CPU time the server used so far (user + system, from /proc; zero where there is no /proc).</summary>
    private static TimeSpan CpuTime(NatsServer server)
    {
        try
        {
            // /proc/<pid>/stat: fields 14 and 15 (after the parenthesized name) are utime and stime in clock ticks.
            var stat = File.ReadAllText($"/proc/{server.ProcessId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private sealed class Signals(Action unregister) : IDisposable
    {
        public void Dispose() => unregister();
    }

    private static async Task<NatsResults> RunAsync(NatsServer server, bool quick)
    {
        var events = quick ? 2_000 : 5_000;
        var rounds = quick ? 3 : 7;
        var steps = quick ? 300 : 500;
        var stepRounds = quick ? 5 : 11;
        var results = new NatsResults
        {
            Setup = $"{events} events per round, {rounds} rounds, publish window {PublishWindow}, {EventsPerExecution} events per execution; KV: {steps} steps per round, {stepRounds} rounds",
        };
        await ThroughputAsync(server, events, rounds, results).ConfigureAwait(false);
        await StepAsync(server.Url, steps, stepRounds, results).ConfigureAwait(false);
        return results;
    }

    private static async Task ThroughputAsync(NatsServer server, int events, int rounds, NatsResults results)
    {
        var url = server.Url;
        var self = Process.GetCurrentProcess();
        using var stop = new CancellationTokenSource();
        await using var publisher = await ConnectAsync(url, "bench-publisher").ConfigureAwait(false);
        await using var rawConnection = await ConnectAsync(url, "bench-raw-consumer").ConfigureAwait(false);
        var publisherJs = new NatsJSContext(publisher);
        var rawJs = new NatsJSContext(rawConnection);

        // Raw JetStream: a stream and a durable pull consumer with the settings NatsTransport uses by default.
        var defaults = new NatsFlowOptions();
        var rawConsumer = await StreamAndConsumerAsync(rawJs, "BENCHRAW", ["bench.raw.>"], "bench-raw").ConfigureAwait(false);
        var rawJsCount = new Countdown();
        var rawJsLoop = Task.Run(async () =>
        {
            var opts = new NatsJSConsumeOpts { MaxMsgs = defaults.PullBatch };
            await foreach (var msg in rawConsumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, opts, stop.Token).ConfigureAwait(false))
            {
                await msg.AckAsync(cancellationToken: stop.Token).ConfigureAwait(false);
                rawJsCount.Hit(1);
            }
        });

        // Raw core NATS: a subscription; the reader waits rather than dropping when its buffer is full.
        var coreSubscription = await rawConnection.SubscribeCoreAsync("bench.core.>", serializer: NatsRawSerializer<byte[]>.Default, opts: new NatsSubOpts
        {
            ChannelOpts = new NatsSubChannelOpts { Capacity = 4096, FullMode = BoundedChannelFullMode.Wait },
        }, cancellationToken: stop.Token).ConfigureAwait(false);
        var coreCount = new Countdown();
        var coreLoop = Task.Run(async () =>
        {
            await foreach (var msg in coreSubscription.Msgs.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                coreCount.Hit(1);
            }
        });

        // FlowRuntime on NATS, counting firings as the runtime reports them (after the commit).
        var runtimeCount = new Countdown();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName && instrument.Name == FlowSdkDiagnostics.RuleFirings)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => runtimeCount.Hit(value));
        listener.Start();

        var definition = TallyFlow.Definition;
        var options = new FlowRuntimeOptions();
        await using var infrastructure = await options.UseNatsAsync(new NatsFlowOptions
        {
            Url = url,
            ConnectionName = "bench-runtime",
            StreamName = "BENCHFLOW",
            StateBucket = "bench-flow-state",
        }, [definition]).ConfigureAwait(false);
        await using var runtime = await FlowRuntime.StartAsync([definition], options).ConfigureAwait(false);
        await infrastructure.Transport.WhenSubscribedAsync().ConfigureAwait(false);

        var tickPort = definition.InputPorts.Single(p => p.Subject == "bench.nats.tick");
        var notePort = definition.InputPorts.Single(p => p.Subject == "bench.nats.note");

        var addPort = definition.InputPorts.Single(p => p.Subject == "bench.nats.add");

        // The hand-written loop: its own stream, consumer and bucket with the runtime's settings, 64 lanes.
        await using var handConnection = await ConnectAsync(url, "bench-hand").ConfigureAwait(false);
        var handCount = new Countdown();
        await using var hand = await NatsHandLoop.StartAsync(handConnection, tickPort, addPort, baseSize: 1, perFiring: 0).ConfigureAwait(false);
        hand.Handled = handCount.Hit;

        // The hand-written loop with FlowSdk's bookkeeping: its own stream, consumer and bucket.
        await using var bookConnection = await ConnectAsync(url, "bench-book").ConfigureAwait(false);
        var bookCount = new Countdown();
        await using var book = await NatsHandLoop.StartAsync(bookConnection, tickPort, addPort, baseSize: 1, perFiring: 0, bookkeeping: true).ConfigureAwait(false);
        book.Handled = bookCount.Hit;

        // One contender's round: (untimed) create the executions an update round works on, then
        // publish the payloads and wait until the receiver counted all of them.
        // The last round's bytes allocated per event in this process (publisher and receiver) and gen-0 collections per 1,000 events.
        // Also gen-1 and gen-2 collections per 1,000 events, the GC's pause per event and the heap after the round.
        (double Bytes, double Collections, double Gen1, double Gen2, double PauseUs, double HeapMb) lastAllocation = default;

        // FLOWSDK_BENCH_NATS_GC=1: each collection is noted when the runtime reports its end (the GC events of
        // an EventListener), and each round prints, per generation, the collections, their pause and the bytes they
        // promoted. The listener costs a little CPU of its own: on for both sides of a comparison, or for neither.
        var traceGcs = Environment.GetEnvironmentVariable("FLOWSDK_BENCH_NATS_GC") == "1";
        using var gcNotes = traceGcs ? new GcNotes() : null;
        var gcs = gcNotes?.Collections ?? new System.Collections.Concurrent.ConcurrentQueue<(long Index, int Gen, double PauseMs, long Promoted)>();

        async Task<(double PerSecond, double ClientCpu, double ServerCpu)> RoundAsync(string contender, int round, int count)
        {
            var executions = Math.Max(1, count / EventsPerExecution);
            Func<string, int, object> tick = (id, i) => new Tick(id, i, Text(i));
            Func<string, int, object> add = (id, i) => new Add(id, i, Text(i));
            var (subject, counter, port, make, perExecution, prepare, core) = contender switch
            {
                RuntimeState => ("bench.nats.tick", runtimeCount, tickPort, tick, EventsPerExecution, false, false),
                RuntimeMessage => ("bench.nats.note", runtimeCount, notePort, (id, i) => new Note(id, i, Text(i)), EventsPerExecution, false, false),
                RawJetStream => ("bench.raw.tick", rawJsCount, tickPort, tick, EventsPerExecution, false, false),
                RuntimeCreate => ("bench.nats.tick", runtimeCount, tickPort, tick, 1, false, false),
                HandCreate => ("bench.hand.tick", handCount, tickPort, tick, 1, false, false),
                RuntimeUpdate => ("bench.nats.tick", runtimeCount, tickPort, tick, EventsPerExecution, true, false),
                HandUpdate => ("bench.hand.tick", handCount, tickPort, tick, EventsPerExecution, true, false),
                RuntimeCreateOut => ("bench.nats.add", runtimeCount, addPort, add, 1, false, false),
                HandCreateOut => ("bench.hand.add", handCount, addPort, add, 1, false, false),
                RuntimeUpdateOut => ("bench.nats.add", runtimeCount, addPort, add, EventsPerExecution, true, false),
                HandUpdateOut => ("bench.hand.add", handCount, addPort, add, EventsPerExecution, true, false),
                BookCreate => (book.TickSubject, bookCount, tickPort, tick, 1, false, false),
                BookUpdate => (book.TickSubject, bookCount, tickPort, tick, EventsPerExecution, true, false),
                BookCreateOut => (book.AddSubject, bookCount, addPort, add, 1, false, false),
                BookUpdateOut => (book.AddSubject, bookCount, addPort, add, EventsPerExecution, true, false),
                _ => ("bench.core.tick", coreCount, tickPort, tick, EventsPerExecution, false, true),
            };
            var payloads = Payloads(port, round, count, perExecution, make);
            if (prepare)
            {
                // One event per execution creates them (the same rule); the round then updates them.
                var creations = Payloads(port, round, Math.Max(1, count / perExecution), 1, make);
                counter.Reset(creations.Length);
                await PublishJetStreamAsync(publisherJs, subject, creations).ConfigureAwait(false);
                await counter.Done.WaitAsync(RoundTimeout).ConfigureAwait(false);
            }

            counter.Reset(count);
            self.Refresh();
            var (clientCpu, serverCpu) = (self.TotalProcessorTime, CpuTime(server));
            var (allocated, collections) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0));
            var (gen1, gen2, paused) = (GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var before = await ConnectionCountersAsync().ConfigureAwait(false);
            var (serverIo, ownIo) = (Syscalls(server.ProcessId), Syscalls(Environment.ProcessId));
            gcs.Clear();
            var watch = Stopwatch.StartNew();
            if (core)
            {
                foreach (var payload in payloads)
                {
                    await publisher.PublishAsync(subject, payload, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
                }
            }
            else
            {
                await PublishJetStreamAsync(publisherJs, subject, payloads).ConfigureAwait(false);
            }

            await counter.Done.WaitAsync(RoundTimeout).ConfigureAwait(false);
            watch.Stop();
            self.Refresh();
            if (traceGcs)
            {
                Console.WriteLine("// NATS GCs " + contender + ": " + string.Join("; ", gcs.ToArray().GroupBy(g => g.Gen).OrderBy(g => g.Key).Select(g =>
                    FormattableString.Invariant($"gen{g.Key} n={g.Count()} pause={g.Sum(x => x.PauseMs):F1}ms promoted={g.Sum(x => x.Promoted) / 1024.0 / g.Count():F0}KB/gc"))));
            }
            if (before is not null && await ConnectionCountersAsync().ConfigureAwait(false) is { } after)
            {
                var (serverIoAfter, ownIoAfter) = (Syscalls(server.ProcessId), Syscalls(Environment.ProcessId));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS syscalls {contender}: per event nats-server {(serverIoAfter.Reads - serverIo.Reads) / (double)count:F2} reads, {(serverIoAfter.Writes - serverIo.Writes) / (double)count:F2} writes; this process {(ownIoAfter.Reads - ownIo.Reads) / (double)count:F2} reads, {(ownIoAfter.Writes - ownIo.Writes) / (double)count:F2} writes"));
                foreach (var (name, a) in after)
                {
                    before.TryGetValue(name, out var b);
                    if (a != b)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS connections {contender} '{name}': per event {(a.InMsgs - b.InMsgs) / (double)count:F2} msgs in, {(a.OutMsgs - b.OutMsgs) / (double)count:F2} msgs out, {(a.InBytes - b.InBytes) / (double)count:F0} bytes in, {(a.OutBytes - b.OutBytes) / (double)count:F0} bytes out"));
                    }
                }
            }

            lastAllocation = (
                (GC.GetTotalAllocatedBytes() - allocated) / (double)count,
                (GC.CollectionCount(0) - collections) * 1000.0 / count,
                (GC.CollectionCount(1) - gen1) * 1000.0 / count,
                (GC.CollectionCount(2) - gen2) * 1000.0 / count,
                (GC.GetTotalPauseDuration() - paused).TotalMicroseconds / count,
                GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0);
            return (count / watch.Elapsed.TotalSeconds, (self.TotalProcessorTime - clientCpu).TotalMicroseconds / count, (CpuTime(server) - serverCpu).TotalMicroseconds / count);
        }

        string[] contenders = [RuntimeState, RawJetStream, RuntimeMessage, RawCore, RuntimeCreate, HandCreate, RuntimeUpdate, HandUpdate, RuntimeCreateOut, HandCreateOut, RuntimeUpdateOut, HandUpdateOut, BookCreate, BookUpdate, BookCreateOut, BookUpdateOut];

        // For profiling one path: FLOWSDK_BENCH_NATS_CONTENDERS=runtime-update,hand-update runs only those
        // (runtime-create and runtime-update always run in the warm-up, which measures the value sizes;
        // with FLOWSDK_BENCH_NATS_EXACT=1 they do not, and the plain hand loop keeps its initial value size:
        // for a trace of one contender alone).
        var exact = Environment.GetEnvironmentVariable("FLOWSDK_BENCH_NATS_EXACT") == "1";
        if (Environment.GetEnvironmentVariable("FLOWSDK_BENCH_NATS_CONTENDERS") is { Length: > 0 } chosen)
        {
            var names = chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            contenders = [.. contenders.Where(c => names.Contains(c, StringComparer.Ordinal) || (!exact && c is RuntimeCreate or RuntimeUpdate))];
        }
        var samples = contenders.ToDictionary(c => c, _ => new List<(double PerSecond, double ClientCpu, double ServerCpu)>());

        // Warm-up: JIT, consumers, connections. Round numbers keep every round's executions new.
        var roundNumber = 0;
        var warmUp = Math.Max(events / 4, 200);
        var warmUpRounds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var contender in contenders)
        {
            warmUpRounds[contender] = roundNumber;
            await RoundAsync(contender, roundNumber++, warmUp).ConfigureAwait(false);
        }

        // Passes of full rounds until the JIT is done, so that every contender is measured in
        // optimized code: after one short pass, samples of a quick run showed most of the runtime's
        // frames still in quick-jitted (unoptimized) code and 13-22% of the CPU in the JIT. Done means
        // a pass over all contenders compiled fewer than 50 methods (tier-ups included); at most 3
        // passes in a quick run (the JIT is then mostly, not entirely, done), 6 in a full run.
        for (var pass = 1; pass <= (events < 5_000 ? 3 : 6); pass++)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            var jitTime = System.Runtime.JitInfo.GetCompilationTime();
            foreach (var contender in contenders)
            {
                await RoundAsync(contender, roundNumber++, events).ConfigureAwait(false);
            }

            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS warm-up pass {pass}: {compiled} methods compiled, {(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:F0} ms in the JIT"));
            if (compiled < 50)
            {
                break;
            }
        }

        // The hand loop writes values of the runtime's size: measured on the runtime's own stored values
        // after one firing (a creation round) and after 1 + EventsPerExecution (an update round).
        var bucket = await new NatsKVContext(new NatsJSContext(publisher)).GetStoreAsync("bench-flow-state").ConfigureAwait(false);
        async Task<int> SizeAsync(string contender) =>
            (await bucket.GetEntryAsync($"bench-nats.{Id(warmUpRounds[contender], 0)}", serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false)).Value!.Length;
        var (once, eleven) = (0, 0);
        if (warmUpRounds.ContainsKey(RuntimeCreate) && warmUpRounds.ContainsKey(RuntimeUpdate))
        {
            once = await SizeAsync(RuntimeCreate).ConfigureAwait(false);
            eleven = await SizeAsync(RuntimeUpdate).ConfigureAwait(false);
            hand.BaseSize = once;
            hand.PerFiring = (eleven - once) / EventsPerExecution;
            results.StateBytes = (once, eleven);
        }

        for (var r = 0; r < rounds; r++)
        {
            // Rotate the order so no contender always runs after the same one.
            for (var i = 0; i < contenders.Length; i++)
            {
                var contender = contenders[(i + r) % contenders.Length];
                var sample = await RoundAsync(contender, roundNumber++, events).ConfigureAwait(false);
                samples[contender].Add(sample);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS throughput round {r + 1}/{rounds} {contender}: {sample.PerSecond:F0} events/s, CPU per event {sample.ClientCpu:F1} us here, {sample.ServerCpu:F1} us in nats-server, {lastAllocation.Bytes:F0} bytes allocated per event here, {lastAllocation.Collections:F1} gen-0 GCs per 1,000 events ({lastAllocation.Gen1:F2} gen-1, {lastAllocation.Gen2:F2} gen-2), GC pause {lastAllocation.PauseUs:F1} us per event, heap {lastAllocation.HeapMb:F0} MB"));
            }
        }

        if (contenders.Contains(BookUpdate))
        {
            var bookBucket = await new NatsKVContext(new NatsJSContext(publisher)).GetStoreAsync("bench-book-state").ConfigureAwait(false);
            var bookEleven = (await bookBucket.GetEntryAsync($"tally.{Id(warmUpRounds[BookUpdate], 0)}", serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false)).Value!.Length;
            Console.WriteLine($"// NATS stored value after eleven firings: runtime {eleven} bytes, hand loop with bookkeeping {bookEleven} bytes");
        }

        if (hand.Conflicts + book.Conflicts != 0 || book.Duplicates != 0)
        {
            throw new InvalidOperationException($"The hand-written loop met {hand.Conflicts} compare-and-set conflicts: its lanes should never share an execution.");
        }

        foreach (var (contender, values) in samples)
        {
            results.EventsPerSecond[contender] = Median(values.Select(v => v.PerSecond).ToList());
            results.CpuPerEvent[contender] = (Median(values.Select(v => v.ClientCpu).ToList()), Median(values.Select(v => v.ServerCpu).ToList()));
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(Quietly(rawJsLoop), Quietly(coreLoop)).ConfigureAwait(false);
        await coreSubscription.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task StepAsync(string url, int steps, int rounds, NatsResults results)
    {
        await using var connection = await ConnectAsync(url, "bench-kv").ConfigureAwait(false);
        var defaults = new NatsFlowOptions();
        await using var store = new NatsStateStore(connection, new NatsFlowOptions { Url = url, StateBucket = "bench-step-state" });
        await store.InitializeAsync().ConfigureAwait(false);
        var kv = new NatsKVContext(new NatsJSContext(connection));
        var raw = await kv.CreateStoreAsync(new NatsKVConfig("bench-raw-state")
        {
            History = defaults.StateHistory,
            Storage = NatsKVStorageType.File,
            NumberOfReplicas = defaults.Replicas,
        }).ConfigureAwait(false);

        // The order of the firing benchmark, Placed, stored once; every step starts from these bytes.
        var definition = OrderFlow.Definition;
        var now = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
        var payment = new PaymentReceived("o-1", 42m);
        var order = definition.Start("o-1", now);
        order.Total = 42m;
        var stored = FlowSerializer.Serialize(definition.StateFormatter, order);
        const string key = "bench-order.o-1";
        var stepRevision = (await store.TryCreateAsync(key, stored).ConfigureAwait(false)).Revision;

        // The raw loop writes what a step writes: the fired order's bytes.
        var fired = FlowSerializer.Deserialize(definition.StateFormatter, stored);
        definition.Fire(fired, payment, now);
        var written = FlowSerializer.Serialize(definition.StateFormatter, fired);
        var rawRevision = await raw.CreateAsync(key, written, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);

        async Task<double> StepsAsync(int count)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var state = FlowSerializer.Deserialize(definition.StateFormatter, stored);
                if (!definition.Fire(state, payment, now).Fired)
                {
                    throw new InvalidOperationException("The step fired no rule.");
                }

                var result = await store.TryUpdateAsync(key, FlowSerializer.Serialize(definition.StateFormatter, state), stepRevision).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException("The step's compare-and-set failed.");
                }

                stepRevision = result.Revision;
            }

            return watch.Elapsed.TotalMicroseconds / count;
        }

        async Task<double> RawAsync(int count)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                rawRevision = await raw.UpdateAsync(key, written, rawRevision, serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
            }

            return watch.Elapsed.TotalMicroseconds / count;
        }

        await StepsAsync(steps).ConfigureAwait(false);
        await RawAsync(steps).ConfigureAwait(false);
        var stepTimes = new List<double>();
        var rawTimes = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            if (r % 2 == 0)
            {
                stepTimes.Add(await StepsAsync(steps).ConfigureAwait(false));
                rawTimes.Add(await RawAsync(steps).ConfigureAwait(false));
            }
            else
            {
                rawTimes.Add(await RawAsync(steps).ConfigureAwait(false));
                stepTimes.Add(await StepsAsync(steps).ConfigureAwait(false));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS KV round {r + 1}/{rounds}: step {stepTimes[^1]:F1} us, raw update {rawTimes[^1]:F1} us"));
        }

        results.MicrosecondsPerOp[Step] = Median(stepTimes);
        results.MicrosecondsPerOp[RawKv] = Median(rawTimes);
    }

    /// <summary>A stream and a durable pull consumer with the settings <see cref="NatsTransport"/> gives its own by default (file storage, limits retention, duplicate window, explicit acknowledgement, AckWait, MaxAckPending).</summary>
    internal static async Task<INatsJSConsumer> StreamAndConsumerAsync(NatsJSContext js, string stream, string[] subjects, string consumer)
    {
        var defaults = new NatsFlowOptions();
        await js.CreateStreamAsync(new StreamConfig(stream, subjects)
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            NumReplicas = 1,
            MaxAge = defaults.StreamMaxAge,
            DuplicateWindow = defaults.DuplicateWindow,
            Discard = StreamConfigDiscard.Old,
        }).ConfigureAwait(false);
        return await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig(consumer)
        {
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckWait = defaults.AckWait,
            MaxAckPending = defaults.MaxAckPending,
            MaxDeliver = -1,
        }).ConfigureAwait(false);
    }

    /// <summary>A process's read and write system calls so far (/proc/&lt;pid&gt;/io; zero where there is none).</summary>
    private static (long Reads, long Writes) Syscalls(int pid)
    {
        try
        {
            long reads = 0, writes = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
            {
                if (line.StartsWith("syscr:", StringComparison.Ordinal))
                {
                    reads = long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("syscw:", StringComparison.Ordinal))
                {
                    writes = long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
                }
            }

            return (reads, writes);
        }
        catch (IOException)
        {
            return (0, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    /// <summary>The server's monitoring port when FLOWSDK_BENCH_NATS_MONITOR=1, else 0.</summary>
    private static int MonitorPort;

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Per connection name: messages and bytes in (client to server) and out, summed over its connections (from /connz); null without a monitoring port.</summary>
    private static async Task<Dictionary<string, (long InMsgs, long OutMsgs, long InBytes, long OutBytes)>?> ConnectionCountersAsync()
    {
        if (MonitorPort == 0)
        {
            return null;
        }

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{MonitorPort}/connz?limit=1024")).ConfigureAwait(false);
        using var json = System.Text.Json.JsonDocument.Parse(text);
        var counters = new Dictionary<string, (long, long, long, long)>(StringComparer.Ordinal);
        foreach (var connection in json.RootElement.GetProperty("connections").EnumerateArray())
        {
            var name = connection.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            counters.TryGetValue(name, out var c);
            counters[name] = (c.Item1 + connection.GetProperty("in_msgs").GetInt64(), c.Item2 + connection.GetProperty("out_msgs").GetInt64(), c.Item3 + connection.GetProperty("in_bytes").GetInt64(), c.Item4 + connection.GetProperty("out_bytes").GetInt64());
        }

        return counters;
    }

    private static async Task<NatsConnection> ConnectAsync(string url, string name)
    {
        var connection = new NatsConnection(new NatsOpts { Url = url, Name = name });
        await connection.ConnectAsync().ConfigureAwait(false);
        return connection;
    }

    /// <summary>
    /// Publishes to JetStream with up to <see cref="PublishWindow"/> publishes awaiting their
    /// acknowledgement; <paramref name="beforeEach"/>, when given, runs just before each publish.
    /// </summary>
    internal static async Task PublishJetStreamAsync(NatsJSContext js, string subject, byte[][] payloads, Func<int, ValueTask>? beforeEach = null)
    {
        var window = new Task<PubAckResponse>[PublishWindow];
        for (var i = 0; i < payloads.Length; i++)
        {
            var slot = i % PublishWindow;
            if (window[slot] is { } previous)
            {
                (await previous.ConfigureAwait(false)).EnsureSuccess();
            }

            if (beforeEach is not null)
            {
                await beforeEach(i).ConfigureAwait(false);
            }

            window[slot] = js.PublishAsync(subject, payloads[i], NatsRawSerializer<byte[]>.Default).AsTask();
        }

        foreach (var pending in window)
        {
            if (pending is not null)
            {
                (await pending.ConfigureAwait(false)).EnsureSuccess();
            }
        }
    }

    /// <summary>The round's events: <paramref name="count"/> events, <paramref name="perExecution"/> per execution (round-robin over them), new executions each round.</summary>
    private static byte[][] Payloads(IInputPort port, int round, int count, int perExecution, Func<string, int, object> make)
    {
        var executions = Math.Max(1, count / perExecution);
        var payloads = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            payloads[i] = port.EncodeMessage(make(Id(round, i % executions), i));
        }

        return payloads;
    }

    private static string Id(int round, int execution) => string.Create(CultureInfo.InvariantCulture, $"r{round:D3}-e{execution:D5}");

    private static string Text(int i) => string.Create(CultureInfo.InvariantCulture, $"event {i:D6} of the benchmark");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Counts received events and completes when a round's count is reached.</summary>
    internal sealed class Countdown
    {
        private long _remaining = long.MaxValue;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => Volatile.Read(ref _done).Task;

        public void Reset(long count)
        {
            Volatile.Write(ref _done, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Interlocked.Exchange(ref _remaining, count);
        }

        public void Hit(long count)
        {
            if (Interlocked.Add(ref _remaining, -count) == 0)
            {
                Volatile.Read(ref _done).TrySetResult();
            }
        }
    }
    /// <summary>
    /// Notes every garbage collection as the runtime ends it: on the runtime's GC end event, the collection's
    /// generation, pause and promoted bytes from <see cref="GC.GetGCMemoryInfo(GCKind)"/> (each noted once, by index).
    /// </summary>
    private sealed class GcNotes : System.Diagnostics.Tracing.EventListener
    {
        private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
        private const long GcKeyword = 0x1;
        private long _last;

        public System.Collections.Concurrent.ConcurrentQueue<(long Index, int Gen, double PauseMs, long Promoted)> Collections { get; } = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            if (eventSource.Name == RuntimeSource)
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Informational, (System.Diagnostics.Tracing.EventKeywords)GcKeyword);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is not { } name || !name.StartsWith("GCEnd", StringComparison.Ordinal))
            {
                return;
            }

            // The runtime's events reach the listener on one thread, in order.
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            if (info.Index != _last)
            {
                _last = info.Index;
                Collections.Enqueue((info.Index, info.Generation, info.PauseDurations[0].TotalMilliseconds + info.PauseDurations[1].TotalMilliseconds, info.PromotedBytes));
            }
        }
    }
}
