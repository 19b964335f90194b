using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using FlowSdk.Benchmarks.OnNats;
using FlowSdk.Nats;
using FlowSdk.Testing.Nats;
using MessagePack;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace FlowSdk.Benchmarks;

/// <summary>One live-executions case of the NATS scale benchmark (medians over rounds).</summary>
internal sealed record NatsScaleCase(int Live, double EventsPerSecond, double P50Microseconds, double P99Microseconds, double HitRate, double CreatePerSecond);

/// <summary>
/// How FlowRuntime on NATS (default options: 64 lanes, kept-state cache of 10,000) behaves as the
/// number of live executions grows: for 1,000, 10,000 and (in the full run, or with
/// <c>--only scale</c>) 100,000 executions, created first (timed separately), then rounds of
/// round-robin updates over all of them, continuing where the last round stopped, as the in-memory
/// scale benchmark does. The rule (<see cref="TallyRules.Sum"/>) publishes an output message per
/// event carrying the event's number. Throughput: rounds of round-robin updates, 256 publishes in
/// flight (the events queue in the stream), until the runtime reports every firing. Latency, per
/// event: 1,000 more events of the round-robin with at most 16 between publish and output (so they
/// do not wait behind a queue of thousands), each timed from just before its JetStream publish to the
/// arrival of its output at a core subscription of the benchmark; the runtime publishes an output
/// only after the state write that carries it committed. The hit rate is the runtime's own cache
/// counters (<c>flowsdk.state.cache_hits</c> / <c>cache_misses</c>) over the timed rounds and the
/// latency events. The first case runs twice and its first run is thrown away.
/// </summary>
internal static class NatsScale
{
    private const int LatencyInFlight = 16;
    private const int LatencyEvents = 1_000;

    public static List<NatsScaleCase> Run(bool quick, bool big, string artifacts)
    {
        if (NatsServer.FindExecutable() is null)
        {
            throw new InvalidOperationException("nats-server was not found (PATH, /usr/bin, /usr/sbin or NATS_SERVER). Install it: apt-get install -y nats-server (build/bench.sh does).");
        }

        using var server = NatsServer.StartAsync(jetStream: true, Path.Combine(artifacts, "nats-server.pid"), []).GetAwaiter().GetResult();
        Console.WriteLine($"// NATS scale: nats-server at {server.Url}");
        int[] sizes = big ? [1_000, 10_000, 100_000] : [1_000, 10_000];
        return RunAsync(server.Url, sizes, events: quick ? 2_000 : 4_000, rounds: quick ? 3 : 5).GetAwaiter().GetResult();
    }

    private static async Task<List<NatsScaleCase>> RunAsync(string url, int[] sizes, int events, int rounds)
    {
        long hits = 0, misses = 0, firings = 0, target = long.MaxValue;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName && instrument.Name is FlowSdkDiagnostics.StateCacheHits or FlowSdkDiagnostics.StateCacheMisses or FlowSdkDiagnostics.RuleFirings)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case FlowSdkDiagnostics.StateCacheHits: Interlocked.Add(ref hits, value); break;
                case FlowSdkDiagnostics.StateCacheMisses: Interlocked.Add(ref misses, value); break;
                default:
                    if (Interlocked.Add(ref firings, value) >= Interlocked.Read(ref target))
                    {
                        Volatile.Read(ref reached).TrySetResult();
                    }

                    break;
            }
        });
        listener.Start();

        await using var publisher = new NatsConnection(new NatsOpts { Url = url, Name = "scale-publisher" });
        await publisher.ConnectAsync().ConfigureAwait(false);
        var js = new NatsJSContext(publisher);

        // Outputs: the event's number -> when its output arrived.
        long[] sent = [];
        long[] received = [];

        // Each tracked round numbers its events from a base of its own, so a late output of an earlier round is never taken for one of this round's.
        var valueBase = 0;
        var paced = false;
        var outputs = new NatsBenchmarks.Countdown();

        // The latency phase keeps at most LatencyInFlight events between publish and output.
        var inFlight = new SemaphoreSlim(LatencyInFlight);
        await using var subscription = await publisher.SubscribeCoreAsync("bench.nats.added", serializer: NatsRawSerializer<byte[]>.Default).ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var receiver = Task.Run(async () =>
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var at = Stopwatch.GetTimestamp();
                var value = ValueOf(msg.Data) - Volatile.Read(ref valueBase);
                var r = Volatile.Read(ref received);
                if (value >= 0 && value < r.Length && Interlocked.CompareExchange(ref r[value], at, 0) == 0)
                {
                    outputs.Hit(1);
                    if (Volatile.Read(ref paced))
                    {
                        inFlight.Release();
                    }
                }
            }
        });

        var definition = TallyFlow.Definition;
        var options = new FlowRuntimeOptions();
        await using var infrastructure = await options.UseNatsAsync(new NatsFlowOptions
        {
            Url = url,
            ConnectionName = "scale-runtime",
            StreamName = "BENCHSCALE",
            StateBucket = "bench-scale-state",
        }, [definition]).ConfigureAwait(false);
        await using var runtime = await FlowRuntime.StartAsync([definition], options).ConfigureAwait(false);
        await infrastructure.Transport.WhenSubscribedAsync().ConfigureAwait(false);
        var port = definition.InputPorts.Single(p => p.Subject == "bench.nats.add");

        async Task<double> PublishAndWaitAsync(byte[][] payloads, bool track, bool pace = false)
        {
            Volatile.Write(ref paced, pace);
            var before = Interlocked.Read(ref firings);
            Volatile.Write(ref reached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Interlocked.Exchange(ref target, before + payloads.Length);
            if (track)
            {
                Volatile.Write(ref received, new long[payloads.Length]);
                Volatile.Write(ref sent, new long[payloads.Length]);
                outputs.Reset(payloads.Length);
            }
            else
            {
                Volatile.Write(ref received, []);
            }

            var watch = Stopwatch.StartNew();
            await NatsBenchmarks.PublishJetStreamAsync(js, "bench.nats.add", payloads, async i =>
            {
                if (pace)
                {
                    await inFlight.WaitAsync().ConfigureAwait(false);
                }

                if (track)
                {
                    sent[i] = Stopwatch.GetTimestamp();
                }
            }).ConfigureAwait(false);

            // Firings are counted after the commit; the counter's listener completes the round's signal
            // when all of this round's events have fired.
            if (Interlocked.Read(ref firings) - before < payloads.Length)
            {
                try
                {
                    await reached.Task.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"Only {Interlocked.Read(ref firings) - before} of {payloads.Length} events fired.");
                }
            }

            watch.Stop();
            if (track)
            {
                await outputs.Done.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            }

            return payloads.Length / watch.Elapsed.TotalSeconds;
        }

        var results = new List<NatsScaleCase>();
        var primer = true;
        var caseNumber = 0;
        foreach (var live in (int[])[sizes[0], .. sizes])
        {
            var prefix = caseNumber++;
            string Id(int execution) => string.Create(CultureInfo.InvariantCulture, $"s{prefix}-e{execution:D6}");

            // Create the executions (one event each; values out of the tracked range).
            var create = Enumerable.Range(0, live).Select(e => port.EncodeMessage(new Add(Id(e), int.MaxValue - 1, "created"))).ToArray();
            var createRate = await PublishAndWaitAsync(create, track: false).ConfigureAwait(false);

            // A warm-up round, then the timed rounds, round-robin from where the last stopped.
            var next = 0;
            byte[][] Round(int from) => Enumerable.Range(0, Math.Max(events, LatencyEvents)).Select(i => port.EncodeMessage(new Add(Id((next + i) % live), from + i, "update"))).ToArray();
            await PublishAndWaitAsync(Round(int.MaxValue / 2), track: false).ConfigureAwait(false);
            next = (next + events) % live;
            var rates = new List<double>();
            var (hitsBefore, missesBefore) = (Interlocked.Read(ref hits), Interlocked.Read(ref misses));
            for (var r = 0; r < rounds; r++)
            {
                var from = (prefix * 1_000_000) + (r * events);
                var payloads = Round(from);
                Volatile.Write(ref valueBase, from);
                next = (next + events) % live;
                rates.Add(await PublishAndWaitAsync(payloads, track: true).ConfigureAwait(false));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS scale {live} live, round {r + 1}/{rounds}: {rates[^1]:F0} events/s"));
            }

            // Latency: the next events of the round-robin with at most LatencyInFlight of them between publish and output.
            var latencyFrom = (prefix * 1_000_000) + (rounds * events);
            var latencyPayloads = Round(latencyFrom).Take(LatencyEvents).ToArray();
            next = (next + LatencyEvents) % live;
            Volatile.Write(ref valueBase, latencyFrom);
            await PublishAndWaitAsync(latencyPayloads, track: true, pace: true).ConfigureAwait(false);
            var latencies = received.Select((at, i) => Stopwatch.GetElapsedTime(sent[i], at).TotalMicroseconds).Order().ToArray();
            var p50 = latencies[latencies.Length / 2];
            var p99 = latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS scale {live} live, latency with {LatencyInFlight} in flight: p50 {p50:F0} us, p99 {p99:F0} us"));

            var (h, m) = (Interlocked.Read(ref hits) - hitsBefore, Interlocked.Read(ref misses) - missesBefore);
            var result = new NatsScaleCase(live, Median(rates), p50, p99, h + m == 0 ? double.NaN : (double)h / (h + m), createRate);
            if (primer)
            {
                // The first case run in the process measures slower (JIT, connections, the server's first pages): a throwaway.
                primer = false;
                continue;
            }

            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// NATS scale {live} live: created at {createRate:F0}/s; {results[^1]}"));
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await receiver.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return results;
    }

    /// <summary>The <c>Value</c> member of an <see cref="Added"/> as the generated formatter writes it (a map keyed by member name, or an array).</summary>
    private static int ValueOf(byte[]? bytes)
    {
        if (bytes is null)
        {
            return -1;
        }

        var reader = new MessagePackReader(bytes);
        if (reader.NextMessagePackType == MessagePackType.Map)
        {
            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                if (reader.ReadString() == "Value")
                {
                    return reader.ReadInt32();
                }

                reader.Skip();
            }

            return -1;
        }

        var length = reader.ReadArrayHeader();
        for (var i = 0; i < length; i++)
        {
            if (i == 2)
            {
                return reader.ReadInt32();
            }

            reader.Skip();
        }

        return -1;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
