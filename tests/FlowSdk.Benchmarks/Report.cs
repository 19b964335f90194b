using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Reports;

namespace FlowSdk.Benchmarks;

/// <summary>What one run measured: per benchmark its median time and allocation.</summary>
internal sealed class Results
{
    public Dictionary<string, (double MedianNs, long? Allocated)> Measured { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int>? Sizes { get; set; }

    public Dictionary<string, double>? FirstCall { get; set; }

    public NatsResults? Nats { get; set; }

    /// <summary>The NATS scale cases (<see cref="NatsScale"/>), when the scale part ran.</summary>
    public List<NatsScaleCase>? NatsScale { get; set; }

    /// <summary>Heap bytes per live execution from the scale benchmark's setups, by <c>"live,cache"</c>.</summary>
    public Dictionary<string, double>? ScaleBytes { get; set; }

    /// <summary>Round-robin hit rates of the kept-state cache and of the earlier clear-all one (capacity 10,000), by live executions.</summary>
    public Dictionary<int, (double Kept, double ClearedWhenFull)>? ScaleHitRates { get; set; }

    /// <summary>p50 and p99 latency per event in memory (publish to commit, 16 in flight), by live executions.</summary>
    public Dictionary<int, (double P50Microseconds, double P99Microseconds)>? ScaleLatency { get; set; }

    public BuildCostResult? BuildCost { get; set; }

    /// <summary>The figures build/bench-host-start.sh wrote to artifacts/bench/host-start.json, when it ran.</summary>
    public HostStartResult? HostStart { get; set; }

    /// <summary>Keys are <c>Class.Method</c>, with <c>(Param)</c> for parameterized benchmarks, then <paramref name="suffix"/>.</summary>
    public void Add(Summary summary, string suffix = "")
    {
        foreach (var report in summary.Reports)
        {
            var c = report.BenchmarkCase;
            var key = $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}";
            if (c.HasParameters)
            {
                key += "(" + string.Join(",", c.Parameters.Items.Select(p => p.Value)) + ")";
            }

            key += suffix;
            if (report.ResultStatistics is { } stats)
            {
                Measured[key] = (stats.Median, report.GcStats.GetBytesAllocatedPerOperation(c));
            }
        }
    }

    public double? Median(string key) => Measured.TryGetValue(key, out var m) ? m.MedianNs : null;

    public long? Allocated(string key) => Measured.TryGetValue(key, out var m) ? m.Allocated : null;
}

/// <summary>One line of the summary: a ratio (or a value) beside its goal.</summary>
internal sealed record SummaryRow(
    [property: JsonPropertyName("benchmark")] string Benchmark,
    [property: JsonPropertyName("ratio")] double? Ratio,
    [property: JsonPropertyName("baseline")] string Baseline,
    [property: JsonPropertyName("goal")] string Goal,
    [property: JsonPropertyName("met")] bool? Met,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("baselineValue")] double? BaselineValue,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("note")] string? Note);

/// <summary>Turns measurements into the rows of docs/benchmarks.md and artifacts/bench/summary.json.</summary>
internal static class Report
{
    /// <summary>The key suffix of the generator's runs measured in the benchmark program's own process (workstation GC).</summary>
    public const string WorkstationGc = " [workstation GC]";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static List<SummaryRow> Build(Results r)
    {
        var rows = new List<SummaryRow>();

        // A ratio of FlowSdk's median time to a peer's; null values (not run) give a row without a ratio.
        void Ratio(string name, string flowKey, string baselineKey, string baseline, double? max, string goal, string? note = null)
        {
            var value = r.Median(flowKey);
            var against = r.Median(baselineKey);
            double? ratio = value is { } v && against is { } a && a > 0 ? v / a : null;
            rows.Add(new SummaryRow(name, Round(ratio), baseline, goal, ratio is null || max is null ? null : ratio <= max, Round(value), Round(against), "ns (median)", ratio is null ? "not run" : note));
        }

        void Allocation(string name, string key, string goal)
        {
            var bytes = r.Allocated(key);
            rows.Add(new SummaryRow(name, null, "0 B", goal, bytes is null ? null : bytes == 0, bytes, 0, "B/op", bytes is null ? "not run" : null));
        }

        foreach (var n in new[] { 10, 500 })
        {
            var c = $"Dispatch{n}Benchmarks";
            Ratio($"Dispatch, {n} message types: FlowSdk / direct call (NoInlining)", $"{c}.FlowSdk", $"{c}.Direct", "direct call", 1.5, "<= 1.5");
            Ratio($"Dispatch, {n} message types: FlowSdk / hand-written dispatch with the same check (execution not ended, direct call, rule returned)", $"{c}.FlowSdk", $"{c}.DirectChecked", "hand-written dispatch", 1.5, "<= 1.5",
                "like for like: the direct call above does not check the execution or return the rule");
            Ratio($"Dispatch, {n} message types: FlowSdk / MediatR 5.1.0 (IMediator.Send)", $"{c}.FlowSdk", $"{c}.MediatR", "MediatR 5.1.0", 0.05, "<= 0.05 (20x faster)",
                "MediatR 5.1.0, the only version the package mirror serves (12.4.1 needs MediatR.Contracts, which it does not serve); handlers registered as singletons in Microsoft.Extensions.DependencyInjection");
            Ratio($"Dispatch, {n} message types: FlowSdk / Mediator 3.0.2 (concrete Send)", $"{c}.FlowSdk", $"{c}.Mediator", "Mediator", null, "-");
            Ratio($"Dispatch, {n} message types: FlowSdk / Mediator 3.0.2 (IMediator.Send)", $"{c}.FlowSdk", $"{c}.IMediator", "IMediator", null, "-");
            Allocation($"Dispatch, {n} message types: FlowSdk allocation per dispatch", $"{c}.FlowSdk", "0 B");
            Ratio($"Dispatch, {n} message types: FlowSdk from the message type (Definition's route) / direct call (NoInlining)", $"{c}.FlowSdkByType", $"{c}.Direct", "direct call", null, "-");
        }

        Ratio("Definition.Fire: FlowSdk with 500 message types / with 10", "Dispatch500Benchmarks.FlowSdkFire", "Dispatch10Benchmarks.FlowSdkFire", "FlowSdk, 10 types", null, "-", "Fire finds the dispatch-table row in a static slot, not by searching the flow's inputs");
        Ratio("Dispatch: FlowSdk with 500 message types / with 10", "Dispatch500Benchmarks.FlowSdk", "Dispatch10Benchmarks.FlowSdk", "FlowSdk, 10 types", null, "-", "the port's generated dispatcher is called directly: nothing is looked up by message type");

        Ratio("Rule firing: FlowSdk step (deserialize, Fire, serialize, CAS write) / Stateless Fire()", "FiringBenchmarks.FlowSdkStep", "FiringBenchmarks.Stateless", "Stateless 5.20.1", 1.0, "<= 1.0",
            "FlowSdk reads and writes the state (MessagePack + compare-and-set in the in-memory store); Stateless persists nothing");
        Ratio("Rule firing: FlowSdk step / hand-written persisting step (MessagePack's own resolver, the switch, the same CAS write)", "FiringBenchmarks.FlowSdkStep", "FiringBenchmarks.HandWrittenStep", "hand-written persisting step", null, "-",
            "the floor of persisting each step: the same state and bookkeeping as a plain class read and written by MessagePack's attribute resolver, and the same store");
        Ratio("Rule firing: hand-written persisting step / Stateless Fire()", "FiringBenchmarks.HandWrittenStep", "FiringBenchmarks.Stateless", "Stateless 5.20.1", null, "-",
            "what persisting each step costs without FlowSdk, against Stateless, which persists nothing");
        Ratio("Rule firing: FlowSdk Definition.Fire in memory / Stateless Fire()", "FiringBenchmarks.FlowSdkFire", "FiringBenchmarks.Stateless", "Stateless 5.20.1", null, "-",
            "the same work on both sides: condition, mutation, phase change, timeline entry");
        Ratio("Rule firing: FlowSdk Definition.Fire in memory / hand-written switch", "FiringBenchmarks.FlowSdkFire", "FiringBenchmarks.HandWritten", "hand-written switch", 2.0, "<= 2");
        Ratio("Rule firing: FlowSdk Definition.Fire in memory / hand-written switch keeping the same bookkeeping", "FiringBenchmarks.FlowSdkFire", "FiringBenchmarks.HandWrittenBookkeeping", "hand-written switch with bookkeeping", null, "-");
        Ratio("Rule firing: Stateless Fire() / hand-written switch", "FiringBenchmarks.Stateless", "FiringBenchmarks.HandWritten", "hand-written switch", null, "-");
        Ratio("Rule firing: FlowSdk Definition.Fire in memory / MassTransit 8.5.12 saga (in-memory bus and repository, publish -> consumed)", "FiringBenchmarks.FlowSdkFire", "FiringBenchmarks.MassTransitSaga", "MassTransit 8.5.12", null, "-",
            "MassTransit: from Publish of the payment until the consume observer's PostConsume, the saga moved to Paid; includes the in-memory bus (publish, the message's JSON envelope written and read, receive, repository lock) and a thread hand-off; FlowSdk's row has no transport");
        Ratio("Rule firing: FlowSdk step (deserialize, Fire, serialize, CAS write) / MassTransit 8.5.12 saga (in-memory bus and repository, publish -> consumed)", "FiringBenchmarks.FlowSdkStep", "FiringBenchmarks.MassTransitSaga", "MassTransit 8.5.12", null, "-",
            "FlowSdk: no transport, the state serialized, read back and written with compare-and-set; MassTransit: the bus and the message's JSON envelope, the saga instance kept as an object");

        Ratio("Serializers, round trip: FlowSdk / System.Text.Json source generation", "SerializerBenchmarks.FlowSdk_RoundTrip", "SerializerBenchmarks.SystemTextJson_RoundTrip", "STJ source gen", 0.6, "<= 0.6");
        Ratio("Serializers, round trip: FlowSdk / MessagePack dynamic (ContractlessStandardResolver)", "SerializerBenchmarks.FlowSdk_RoundTrip", "SerializerBenchmarks.MessagePackDynamic_RoundTrip", "MessagePack dynamic", 1.0, "<= 1.0");
        Ratio("Serializers, serialize: FlowSdk / System.Text.Json source generation", "SerializerBenchmarks.FlowSdk_Serialize", "SerializerBenchmarks.SystemTextJson_Serialize", "STJ source gen", null, "-");
        Ratio("Serializers, serialize: FlowSdk / MessagePack dynamic", "SerializerBenchmarks.FlowSdk_Serialize", "SerializerBenchmarks.MessagePackDynamic_Serialize", "MessagePack dynamic", 1.0, "<= 1.0");
        if (r.Sizes is { } sizes)
        {
            rows.Add(new SummaryRow("Serializers, bytes: FlowSdk / System.Text.Json", Round((double)sizes["FlowSdk"] / sizes["SystemTextJson"]), "STJ source gen", "-", null, sizes["FlowSdk"], sizes["SystemTextJson"], "bytes", null));
            rows.Add(new SummaryRow("Serializers, bytes: FlowSdk / MessagePack dynamic", Round((double)sizes["FlowSdk"] / sizes["MessagePackDynamic"]), "MessagePack dynamic", "-", null, sizes["FlowSdk"], sizes["MessagePackDynamic"], "bytes", null));
        }

        if (r.FirstCall is { } first)
        {
            rows.Add(new SummaryRow("Serializers, first call in a fresh process: FlowSdk / MessagePack dynamic", Round(first["flowsdk"] / first["msgpack"]), "MessagePack dynamic", "-", null, first["flowsdk"], first["msgpack"], "us (median of fresh processes)", null));
            rows.Add(new SummaryRow("Serializers, first call in a fresh process: FlowSdk / System.Text.Json source generation", Round(first["flowsdk"] / first["stj"]), "STJ source gen", "-", null, first["flowsdk"], first["stj"], "us (median of fresh processes)", null));
        }

        // The compiler (csc and the compiler server) runs with server GC (System.GC.Server in its runtimeconfig), so the
        // goal's rows come from a process started that way; the rows as measured before, in the benchmark program's own
        // workstation GC, stay beside them (docs/benchmarks.md, "Generator cached run ≤ 0.5× cold").
        foreach (var n in new[] { 10, 100, 1000 })
        {
            Ratio($"Generator, {n} rules: cached run / cold run (server GC, as the compiler runs it)", $"GeneratorBenchmarks.Cached({n})", $"GeneratorBenchmarks.Cold({n})", "cold run", 0.5, "<= 0.5");
        }

        foreach (var n in new[] { 10, 100, 1000 })
        {
            Ratio($"Generator, {n} rules: cached run / cold run (workstation GC, the measure before)", $"GeneratorBenchmarks.Cached({n}){WorkstationGc}", $"GeneratorBenchmarks.Cold({n}){WorkstationGc}", "cold run", 0.5, "<= 0.5",
                "the same runs in a process with workstation GC, as this benchmark measured them before");
        }

        Ratio("Lifecycle: one order through the embedded runtime, deployment records watched / not watched", "LifecycleBenchmarks.WithDeploymentWatch", "LifecycleBenchmarks.WithoutDeploymentWatch", "no deployment watch", null, "-",
            "the per-event path does not look at deployments; ~1.0 means no measurable cost");
        Ratio("Lifecycle events: one order through the embedded runtime, with an Events prefix / without", "ExecutionEventBenchmarks.WithExecutionEvents", "ExecutionEventBenchmarks.WithoutExecutionEvents", "no events", null, "-",
            "three events published per order, and each commit's outbox emptied by a second write");
        Ratio("Dashboard, 100,000 executions: first page of 50 / sorting every execution", "DashboardBenchmarks.FirstPage(100000)", "DashboardBenchmarks.SortAll(100000)", "sort all", null, "-",
            "a page is picked with a bounded heap in one pass over the executions");
        Ratio("Dashboard, 100,000 executions: 200th page of 50 / sorting every execution", "DashboardBenchmarks.Page200(100000)", "DashboardBenchmarks.SortAll(100000)", "sort all", null, "-",
            "the deepest page the bounded heap serves (10,000 kept); deeper pages sort every match");
        // Scale: events/s at N live executions over events/s at 1,000, measured in the same run.
        foreach (var cache in new[] { "default", "kept", "hand" })
        {
            string Case(int live) => cache == "hand"
                ? string.Create(CultureInfo.InvariantCulture, $"ScaleHandLoop.RoundRobinUpdates({live})")
                : string.Create(CultureInfo.InvariantCulture, $"ScaleBenchmarks.RoundRobinUpdates({live},{cache})");
            var at1k = r.Median(Case(1_000));
            foreach (var live in new[] { 10_000, 100_000 })
            {
                var atN = r.Median(Case(live));
                double? ratio = at1k is { } a && atN is { } n && n > 0 ? a / n : null;
                var goal = cache == "default" && live == 100_000 ? ">= 0.9" : "-";
                var what = cache switch
                {
                    "default" => "FlowSdk as it runs in memory (no kept-state cache in front of the in-memory store)",
                    "kept" => "FlowSdk with the kept-state cache in front of the same store (10,000 executions, CLOCK with frequency admission: the in-memory default before)",
                    _ => "hand-written loop (MessagePack read, dictionary of serialized states, modify, MessagePack write, compare-and-set; one thread, no FlowSdk)",
                };
                rows.Add(new SummaryRow(
                    string.Create(CultureInfo.InvariantCulture, $"Scale, in memory, round-robin updates, {what}: events/s at {live:N0} live executions / at 1,000"),
                    Round(ratio), "1,000 live", goal, ratio is null || goal == "-" ? null : ratio >= 0.9,
                    atN is { } v ? Round(1e9 / v) : null, at1k is { } b ? Round(1e9 / b) : null, "events/s (median)", ratio is null ? "not run" : null));
            }
        }

        {
            // FlowSdk's own fall with the number of executions against the hand-written loop's.
            double? Fall(string at1k, string at100k) => r.Median(at1k) is { } a && r.Median(at100k) is { } n && n > 0 ? a / n : null;
            var flow = Fall("ScaleBenchmarks.RoundRobinUpdates(1000,default)", "ScaleBenchmarks.RoundRobinUpdates(100000,default)");
            var hand = Fall("ScaleHandLoop.RoundRobinUpdates(1000)", "ScaleHandLoop.RoundRobinUpdates(100000)");
            double? ofHand = flow is { } f && hand is { } h && h > 0 ? f / h : null;
            rows.Add(new SummaryRow("Scale, in memory, events/s at 100,000 live / at 1,000: FlowSdk's ratio / the hand-written loop's", Round(ofHand), "hand-written loop's ratio", "-", null,
                Round(flow), Round(hand), "ratio of ratios", ofHand is null ? "not run" : "1.0: FlowSdk slows with the number of executions exactly as the hand-written loop does"));
        }

        if (r.ScaleHitRates is { } hitRates)
        {
            foreach (var (live, (kept, cleared)) in hitRates)
            {
                rows.Add(new SummaryRow(string.Create(CultureInfo.InvariantCulture, $"Scale, kept-state cache hit rate, round-robin over {live:N0} executions (capacity 10,000): CLOCK with frequency admission (earlier: cleared when full)"),
                    Round(kept), "-", "gradual", null, Round(kept), Round(cleared), "hit rate (earlier cache in the baseline column)", null));
            }
        }

        if (r.ScaleLatency is { } latency && latency.TryGetValue(1_000, out var latency1k))
        {
            foreach (var (live, (p50, p99)) in latency.OrderBy(l => l.Key))
            {
                var n = live.ToString("N0", CultureInfo.InvariantCulture);
                if (live != 1_000)
                {
                    rows.Add(new SummaryRow($"Scale, in memory, p50 latency per event at {n} live executions / at 1,000", Round(p50 / latency1k.P50Microseconds), "1,000 live", "-", null,
                        Round(p50), Round(latency1k.P50Microseconds), "us", string.Create(CultureInfo.InvariantCulture, $"p99 {p99:F0} us at {n}, {latency1k.P99Microseconds:F0} us at 1,000")));
                }

                rows.Add(new SummaryRow($"Scale, in memory, {n} live executions: p99 / p50 latency per event (publish to commit, {ScaleBenchmarks.LatencyInFlight} events in flight)", Round(p99 / p50), "p50", "-", null,
                    Round(p99), Round(p50), "us", "FlowSdk as it runs in memory; the commit as the store's watch delivers it"));
            }
        }

        var kept100k = r.Median("ScaleBenchmarks.RoundRobinUpdates(100000,kept)");
        var default100k = r.Median("ScaleBenchmarks.RoundRobinUpdates(100000,default)");
        double? keptOverDefault = kept100k is { } k && default100k is { } z && k > 0 ? z / k : null;
        rows.Add(new SummaryRow("Scale, in memory, 100,000 live executions: events/s with the kept-state cache / without (the in-memory default)", Round(keptOverDefault), "no cache", "-", null,
            kept100k is { } kv ? Round(1e9 / kv) : null, default100k is { } nv ? Round(1e9 / nv) : null, "events/s (median)", keptOverDefault is null ? "not run" : "in memory a store read is a dictionary lookup; on NATS each miss is a KV get"));
        if (r.ScaleBytes is { } bytes && bytes.TryGetValue(ScaleBenchmarks.Key(1_000, "default"), out var base1k))
        {
            foreach (var live in new[] { 10_000, 100_000 })
            {
                if (bytes.TryGetValue(ScaleBenchmarks.Key(live, "default"), out var perExecution))
                {
                    rows.Add(new SummaryRow(string.Create(CultureInfo.InvariantCulture, $"Scale, in memory: heap bytes per live execution at {live:N0} / at 1,000"), Round(perExecution / base1k), "1,000 live", "-", null,
                        Round(perExecution), Round(base1k), "bytes per execution", "the managed heap after a full collection, after creating the executions minus before, per execution (store, cache, runtime)"));
                }
            }
        }

        if (r.NatsScale is { Count: > 0 } natsScale && natsScale.FirstOrDefault(c => c.Live == 1_000) is { } natsBase)
        {
            foreach (var c in natsScale.Where(c => c.Live != 1_000))
            {
                var live = c.Live.ToString("N0", CultureInfo.InvariantCulture);
                rows.Add(new SummaryRow($"Scale, on NATS, p50 latency per event at {live} live executions / at 1,000", Round(c.P50Microseconds / natsBase.P50Microseconds), "1,000 live", "-", null,
                    Round(c.P50Microseconds), Round(natsBase.P50Microseconds), "us", string.Create(CultureInfo.InvariantCulture, $"p99 {c.P99Microseconds:F0} us at {live}, {natsBase.P99Microseconds:F0} us at 1,000")));
                rows.Add(new SummaryRow($"Scale, on NATS, round-robin updates with an output per event: events/s at {live} live executions / at 1,000", Round(c.EventsPerSecond / natsBase.EventsPerSecond), "1,000 live", c.Live == 100_000 ? ">= 0.9" : "-", c.Live == 100_000 ? c.EventsPerSecond / natsBase.EventsPerSecond >= 0.9 : null,
                    Round(c.EventsPerSecond), Round(natsBase.EventsPerSecond), "events/s (median of rounds)", string.Create(CultureInfo.InvariantCulture, $"FlowRuntime on NATS, default options (64 lanes, kept-state cache 10,000); kept-state cache hit rate {c.HitRate:F3} at {live}, {natsBase.HitRate:F3} at 1,000")));
            }

            foreach (var c in natsScale)
            {
                var live = c.Live.ToString("N0", CultureInfo.InvariantCulture);
                rows.Add(new SummaryRow($"Scale, on NATS, {live} live executions: p99 / p50 latency per event (publish to output observed, 16 events in flight)", Round(c.P99Microseconds / c.P50Microseconds), "p50", "-", null,
                    Round(c.P99Microseconds), Round(c.P50Microseconds), "us", string.Create(CultureInfo.InvariantCulture, $"p50 at 1,000 live: {natsBase.P50Microseconds:F0} us, p99 {natsBase.P99Microseconds:F0} us; executions created at {c.CreatePerSecond:F0}/s; hit rate {c.HitRate:F3}")));
            }
        }

        rows.Add(r.HostStart is { } start
            ? new SummaryRow("Start-up: Native AOT host / hand-written Native AOT host", Round(start.NativeFirstMs / start.HandFirstMs), "hand-written AOT host", "<= 1.2", start.NativeFirstMs / start.HandFirstMs <= 1.2,
                Round(start.NativeFirstMs), Round(start.HandFirstMs), "ms to the first processed message (median)",
                string.Create(CultureInfo.InvariantCulture, $"build/bench-host-start.sh {start.Runs}, {start.Date} (load average {start.LoadAverage}), not this run: send on a new database file; --in-memory {start.NativeInMemoryFirstMs} ms against {start.HandInMemoryFirstMs} ms; executables {start.NativeBytes / 1e6:F1} MB and {start.HandBytes / 1e6:F1} MB"))
            : new SummaryRow("Start-up: Native AOT host / hand-written Native AOT host", null, "hand-written AOT host", "<= 1.2", null, null, null, "-",
                "not measured: run build/bench-host-start.sh first (two Native AOT publishes; see docs/benchmarks.md)"));
        if (r.HostStart is { FullFirstMs: { } fullFirst, FullInMemoryFirstMs: { } fullInMemory, FullBytes: { } fullBytes } full)
        {
            rows.Add(new SummaryRow("Start-up: Native AOT host / hand-written Native AOT host with the same features (command line, generic host, dashboard, NATS)", Round(full.NativeFirstMs / fullFirst), "hand-written AOT host with the features", "-", null,
                Round(full.NativeFirstMs), Round(fullFirst), "ms to the first processed message (median)",
                string.Create(CultureInfo.InvariantCulture, $"build/bench-host-start.sh, not this run: --in-memory {full.NativeInMemoryFirstMs} ms against {fullInMemory} ms; executables {full.NativeBytes / 1e6:F1} MB and {fullBytes / 1e6:F1} MB")));
        }

        if (r.Nats is { } nats)
        {
            var perSecond = nats.EventsPerSecond;

            // Throughput: FlowSdk's events/s divided by the baseline's, so higher is better and the goal is a minimum.
            void Throughput(string name, string contender, string baselineKey, string baseline, double? min, string goal, string note)
            {
                if (!perSecond.ContainsKey(contender) || !perSecond.ContainsKey(baselineKey))
                {
                    // A run narrowed with FLOWSDK_BENCH_NATS_CONTENDERS.
                    return;
                }

                var value = perSecond[contender];
                var against = perSecond[baselineKey];
                var ratio = value / against;
                var (client, server) = nats.CpuPerEvent[contender];
                var (baselineClient, baselineServer) = nats.CpuPerEvent[baselineKey];
                var cpu = string.Create(CultureInfo.InvariantCulture, $"CPU per event (median): {client:F1} us in the benchmark process and {server:F1} us in nats-server, against {baselineClient:F1} and {baselineServer:F1}");
                rows.Add(new SummaryRow(name, Round(ratio), baseline, goal, min is null ? null : ratio >= min, Round(value), Round(against), "events/s (median of rounds)", $"{note}; {cpu}; {nats.Setup}"));
            }

            Throughput("NATS throughput: runtime, rule on execution state (KV read + CAS write per event) / raw JetStream publish->consume", NatsBenchmarks.RuntimeState, NatsBenchmarks.RawJetStream, "raw NATS.Net JetStream", 0.8, ">= 0.8",
                "FlowRuntime with NatsTransport + NatsStateStore; baseline: durable pull consumer on a stream of the same settings, explicit ack per message; same publisher and payloads");
            Throughput("NATS throughput: runtime, message-only rule (no state) / raw JetStream publish->consume", NatsBenchmarks.RuntimeMessage, NatsBenchmarks.RawJetStream, "raw NATS.Net JetStream", 0.8, ">= 0.8",
                "FlowRuntime with NatsTransport; baseline as above");
            Throughput("NATS throughput: runtime, rule on execution state / raw core NATS publish->subscribe", NatsBenchmarks.RuntimeState, NatsBenchmarks.RawCore, "raw NATS.Net core pub/sub", null, "- (scale)",
                "core NATS: no stream, no acknowledgement, at-most-once; not what the runtime's flow subjects use");
            Throughput("NATS throughput: runtime, message-only rule / raw core NATS publish->subscribe", NatsBenchmarks.RuntimeMessage, NatsBenchmarks.RawCore, "raw NATS.Net core pub/sub", null, "- (scale)",
                "as above");
            Throughput("NATS throughput: raw JetStream publish->consume / raw core NATS publish->subscribe", NatsBenchmarks.RawJetStream, NatsBenchmarks.RawCore, "raw NATS.Net core pub/sub", null, "-",
                "what JetStream's persistence and acknowledgements cost by themselves");

            var stateSizes = string.Create(CultureInfo.InvariantCulture, $"the hand loop writes values of the runtime's size ({nats.StateBytes.Once} bytes after one firing, {nats.StateBytes.Eleven} after eleven, measured on the runtime's stored values in this run)");
            Throughput("NATS, rule on state, each event creating an execution: runtime / hand-written NATS.Net loop (consume, KV get, KV create, ack; 64 lanes)", NatsBenchmarks.RuntimeCreate, NatsBenchmarks.HandCreate, "hand-written NATS.Net loop", 0.8, ">= 0.8",
                "the same payloads, a stream, durable pull consumer and bucket of the runtime's settings, execution keys hashed over 64 lanes as the runtime's; " + stateSizes);
            Throughput("NATS, rule on state, each event updating an existing execution: runtime / hand-written NATS.Net loop (consume, cached value, KV CAS update, ack; 64 lanes)", NatsBenchmarks.RuntimeUpdate, NatsBenchmarks.HandUpdate, "hand-written NATS.Net loop", 0.8, ">= 0.8",
                "executions created before the round (untimed), 10 updates each, round-robin; the hand loop keeps the last value written per execution, as the runtime's kept-state cache; " + stateSizes);
            Throughput("NATS, rule on state with an output message, creating: runtime / hand-written loop (as above, plus a core publish of the output)", NatsBenchmarks.RuntimeCreateOut, NatsBenchmarks.HandCreateOut, "hand-written NATS.Net loop", 0.8, ">= 0.8",
                "the runtime commits the output in the state's outbox, publishes it and empties the outbox (a second CAS write); the hand loop publishes after its write, with no outbox");
            Throughput("NATS, rule on state with an output message, updating: runtime / hand-written loop (as above, plus a core publish of the output)", NatsBenchmarks.RuntimeUpdateOut, NatsBenchmarks.HandUpdateOut, "hand-written NATS.Net loop", 0.8, ">= 0.8",
                "as above");
            const string book = "the hand loop stores the tally with FlowSdk's bookkeeping (the firing benchmark's HandOrder: timeline, rule counters, outbox; and the handled message ids), deserializes and serializes it with MessagePack per event, skips redeliveries, reads the parked key after a create, and with an output commits it in the outbox, publishes it with its Nats-Msg-Id and empties the outbox with a second CAS write";
            Throughput("NATS, rule on state, creating: runtime / hand-written loop doing FlowSdk's bookkeeping (equal work)", NatsBenchmarks.RuntimeCreate, NatsBenchmarks.BookCreate, "hand-written loop with bookkeeping", 0.8, ">= 0.8", book);
            Throughput("NATS, rule on state, updating: runtime / hand-written loop doing FlowSdk's bookkeeping (equal work)", NatsBenchmarks.RuntimeUpdate, NatsBenchmarks.BookUpdate, "hand-written loop with bookkeeping", 0.8, ">= 0.8", book);
            Throughput("NATS, rule with an output, creating: runtime / hand-written loop doing FlowSdk's bookkeeping and outbox (equal work)", NatsBenchmarks.RuntimeCreateOut, NatsBenchmarks.BookCreateOut, "hand-written loop with bookkeeping", 0.8, ">= 0.8", book);
            Throughput("NATS, rule with an output, updating: runtime / hand-written loop doing FlowSdk's bookkeeping and outbox (equal work)", NatsBenchmarks.RuntimeUpdateOut, NatsBenchmarks.BookUpdateOut, "hand-written loop with bookkeeping", 0.8, ">= 0.8", book);
            Throughput("NATS, hand-written loop creating executions / raw JetStream publish->consume", NatsBenchmarks.HandCreate, NatsBenchmarks.RawJetStream, "raw NATS.Net JetStream", null, "-",
                "what a KV get and a KV create per event cost by themselves, written by hand");

            var step = nats.MicrosecondsPerOp[NatsBenchmarks.Step];
            var raw = nats.MicrosecondsPerOp[NatsBenchmarks.RawKv];
            rows.Add(new SummaryRow("NATS KV: one execution step (deserialize, Fire, serialize, NatsStateStore CAS update) / raw NATS.Net KV UpdateAsync(revision) loop", Round(step / raw), "raw KV update", "<= 1.2", step / raw <= 1.2,
                Round(step), Round(raw), "us per step (median of rounds)", "the same bytes written to buckets of the same settings; " + nats.Setup));
        }
        else
        {
            rows.Add(new SummaryRow("NATS: throughput and KV step", null, "-", ">= 0.8; <= 1.2", null, null, null, "-", "not run (--only without nats)"));
        }

        if (r.BuildCost is { } build)
        {
            // The goal's row: the way users build, from the FlowSdk package, against the same package without FlowSdk's analyzers and build files.
            var package = build.PackageSeconds / build.PackageWithoutSeconds;
            rows.Add(new SummaryRow($"Clean build, {BuildCost.Rules}-rule project, from the FlowSdk package: with its generator, analyzers and CheckFlows task / the same package without them", Round(package), "the same sources and runtime without them", "<= 1.3", package <= 1.3,
                Round(build.PackageSeconds), Round(build.PackageWithoutSeconds), "s (median of clean builds)", build.Setup));
            rows.Add(new SummaryRow("Clean build, the same from the package with the compiler server on (dotnet build's default) / without", Round(build.SharedPackageSeconds / build.SharedPackageWithoutSeconds), "the same sources and runtime without them", "-", null,
                Round(build.SharedPackageSeconds), Round(build.SharedPackageWithoutSeconds), "s (median of clean builds)", "UseSharedCompilation=true"));
            // The same code compiled without FlowSdk running: what the code costs, and what FlowSdk adds on top of it.
            rows.Add(new SummaryRow("Clean build, from the package: with its generator, analyzers and CheckFlows task / the same package without them plus the generated code as the project's own files (the same code, nothing of FlowSdk running)", Round(build.PackageSeconds / build.HandWrittenSeconds), "the same code as the project's own sources", "-", null,
                Round(build.PackageSeconds), Round(build.HandWrittenSeconds), "s (median of clean builds)",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{build.GeneratedFiles} generated files, {build.GeneratedLines} lines for {build.UserLines} user lines ({(double)build.GeneratedLines / build.UserLines:F1} per user line); with the compiler server {build.SharedPackageSeconds / build.SharedHandWrittenSeconds:F2}x")));
            rows.Add(new SummaryRow("Clean build, the package without FlowSdk plus the generated code as the project's own files / the package without FlowSdk (what compiling the generated code costs)", Round(build.HandWrittenSeconds / build.PackageWithoutSeconds), "the same sources and runtime without the generated code", "-", null,
                Round(build.HandWrittenSeconds), Round(build.PackageWithoutSeconds), "s (median of clean builds)",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"with the compiler server {build.SharedHandWrittenSeconds / build.SharedPackageWithoutSeconds:F2}x ({build.SharedHandWrittenSeconds:F2} / {build.SharedPackageWithoutSeconds:F2} s)")));
            var ratio = build.WithGeneratorSeconds / build.WithoutGeneratorSeconds;
            rows.Add(new SummaryRow($"Clean build, {BuildCost.Rules}-rule project: with the FlowSdk generator and analyzers as project references (build/FlowSdk.Local.props) / without", Round(ratio), "the same sources without them", "-", null,
                Round(build.WithGeneratorSeconds), Round(build.WithoutGeneratorSeconds), "s (median of clean builds)", build.Setup + "; the goal's row before the package variant"));
            rows.Add(new SummaryRow("Clean build, the same, generator and analyzers referenced as assemblies (as a package's are), not projects / without", Round(build.WithAssembliesSeconds / build.WithoutGeneratorSeconds), "the same sources without them", "-", null,
                Round(build.WithAssembliesSeconds), Round(build.WithoutGeneratorSeconds), "s (median of clean builds)", build.Setup));
            rows.Add(new SummaryRow("Clean build, the same with the compiler server on (dotnet build's default): with / without; as assemblies / without", Round(build.SharedWithGeneratorSeconds / build.SharedWithoutGeneratorSeconds), "the same sources without them", "-", null,
                Round(build.SharedWithGeneratorSeconds), Round(build.SharedWithoutGeneratorSeconds), "s (median of clean builds)",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"UseSharedCompilation=true; as assemblies {build.SharedWithAssembliesSeconds:F2} s = {build.SharedWithAssembliesSeconds / build.SharedWithoutGeneratorSeconds:F2}x")));
        }
        else
        {
            rows.Add(new SummaryRow("Clean build, 100-rule project: with the FlowSdk generator / without", null, "-", "<= 1.3", null, null, null, "-", "not run (--only without buildcost)"));
        }

        return rows;
    }

    public static void Write(List<SummaryRow> rows, string artifacts, bool quick, DateTimeOffset started, DateTimeOffset ended, string[] args)
    {
        File.WriteAllText(Path.Combine(artifacts, "summary.json"), JsonSerializer.Serialize(rows, Json));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSArchitecture}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()}");
        var shown = args.Where((a, i) => a != "--artifacts" && (i == 0 || args[i - 1] != "--artifacts"));
        md.AppendLine(CultureInfo.InvariantCulture, $"Run: `{string.Join(' ', shown.Prepend("build/bench.sh"))}`, {started:yyyy-MM-dd HH:mm} to {ended:HH:mm} UTC ({(ended - started).TotalMinutes:F1} min of benchmarks)");
        md.AppendLine();
        md.AppendLine("| Benchmark | Ratio | Goal | Met | FlowSdk | Baseline | Unit |");
        md.AppendLine("| --- | ---: | --- | --- | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            var met = row.Met switch { true => "yes", false => "**no**", null => "-" };
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Benchmark} | {Format(row.Ratio)} | {row.Goal} | {met} | {Format(row.Value)} | {Format(row.BaselineValue)} | {row.Unit} |");
        }

        File.WriteAllText(Path.Combine(artifacts, "summary.md"), md.ToString());
        Console.WriteLine();
        Console.WriteLine(md.ToString());
        Console.WriteLine($"Wrote {Path.Combine(artifacts, "summary.json")} and summary.md");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    // Three decimals, none from 100 up, and three significant digits below 0.01 (where three decimals would leave one).
    private static double? Round(double? value) => value is { } v ? Math.Round(v, v >= 100 ? 0 : v is > 0 and < 0.01 ? 2 - (int)Math.Floor(Math.Log10(v)) : 3) : null;

    private static string Format(double? value) => value is { } v ? v.ToString(v >= 100 ? "F0" : v is > 0 and < 0.01 ? "0.#########" : "0.###", CultureInfo.InvariantCulture) : "-";
}

/// <summary>The medians build/bench-host-start.sh writes to artifacts/bench/host-start.json.</summary>
internal sealed record HostStartResult(
    [property: JsonPropertyName("date")] string Date,
    [property: JsonPropertyName("runs")] int Runs,
    [property: JsonPropertyName("loadAverage")] string LoadAverage,
    [property: JsonPropertyName("nativeFirstMs")] double NativeFirstMs,
    [property: JsonPropertyName("handFirstMs")] double HandFirstMs,
    [property: JsonPropertyName("nativeInMemoryFirstMs")] double NativeInMemoryFirstMs,
    [property: JsonPropertyName("handInMemoryFirstMs")] double HandInMemoryFirstMs,
    [property: JsonPropertyName("nativeBytes")] long NativeBytes,
    [property: JsonPropertyName("handBytes")] long HandBytes,
    [property: JsonPropertyName("fullFirstMs")] double? FullFirstMs = null,
    [property: JsonPropertyName("fullInMemoryFirstMs")] double? FullInMemoryFirstMs = null,
    [property: JsonPropertyName("fullBytes")] long? FullBytes = null)
{
    /// <summary>The file's figures, or <see langword="null"/> when the script has not run.</summary>
    public static HostStartResult? Read(string path) => File.Exists(path) ? JsonSerializer.Deserialize<HostStartResult>(File.ReadAllText(path)) : null;
}
