using System.Diagnostics;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Semantics.Flows;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Xunit.Abstractions;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// A long-lived execution on NATS: its timeline keeps the latest entries only, so its key/value
/// value stays bounded and its writes keep succeeding under a bucket's maximum value size.
/// </summary>
public sealed class TimelineOnNatsTests(NatsServerFixture server, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    /// <summary>
    /// 20,000 firings by default (about 15 s here); <c>FLOWSDK_TIMELINE_FIRINGS=100000</c> (build/soak.sh
    /// runs it so) for the full run. The bucket allows 32 KiB per value: an unbounded timeline
    /// (about 130 bytes per firing) passes that after some 250 firings, and every later write fails.
    /// </summary>
    [Fact]
    public async Task One_execution_fired_many_times_keeps_a_bounded_value_and_its_writes_keep_succeeding()
    {
        var firings = int.TryParse(Environment.GetEnvironmentVariable("FLOWSDK_TIMELINE_FIRINGS"), out var n) && n > 0 ? n : 20_000;
        const int maxValueSize = 32 * 1024;
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using (var connection = await Connections.OpenAsync(server.Url))
        {
            // The bucket exists before the host connects, so the host uses it with its limit.
            var kv = new NatsKVContext(new NatsJSContext(connection));
            await kv.CreateStoreAsync(new NatsKVConfig(options.StateBucket)
            {
                History = options.StateHistory,
                Storage = NatsKVStorageType.Memory,
                MaxValueSize = maxValueSize,
            });
        }

        await using var nats = await NatsFlowInfrastructure.ConnectAsync(options, [TallyFlow.Definition]);
        await using var runtime = await FlowRuntime.StartAsync([TallyFlow.Definition], nats.ApplyTo(new FlowRuntimeOptions()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var clock = Stopwatch.StartNew();
        var sizes = new List<int>();
        const int batch = 256;
        for (var sent = 0; sent < firings;)
        {
            var count = Math.Min(batch, firings - sent);
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => runtime.PublishAsync(TallyFlow.Ports.TallyBumped, new TallyBumped("soak"), timeout.Token).AsTask()));
            sent += count;
            if (sent % (firings / 4) < batch)
            {
                await runtime.WhenIdleAsync(timeout.Token);
                sizes.Add((await nats.Store.GetAsync("tally.soak", timeout.Token))!.Value.Length);
            }
        }

        await runtime.WhenIdleAsync(timeout.Token);
        var elapsed = clock.Elapsed;
        var stored = (await nats.Store.GetAsync("tally.soak", timeout.Token))!;
        var tally = (await new TallyClient(runtime).GetAsync("soak", timeout.Token))!;
        output.WriteLine($"{firings} firings in {elapsed.TotalSeconds:F1} s ({firings / elapsed.TotalSeconds:F0}/s); value sizes along the way {string.Join(", ", sizes)} bytes, at the end {stored.Value.Length}");

        var execution = tally.Execution();
        Assert.Equal(firings, tally.Total);
        Assert.Equal(100, execution.Timeline.Count);
        Assert.Equal((firings - 100L, (long)firings), (execution.DroppedTimelineEntries, execution.TimelineEntriesRecorded));
        Assert.Equal(firings, execution.Rules["Bump"].Firings);
        Assert.InRange(stored.Value.Length, 1, maxValueSize / 2);
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 160);
    }
}
