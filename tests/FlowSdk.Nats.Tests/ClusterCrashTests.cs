using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Xunit.Abstractions;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// Crash tests against a real three-node JetStream cluster (the stream and the state bucket with
/// replicas 3) and a real host process given every node's URL: nodes are killed with SIGKILL while
/// the host works through a backlog of the phase-gated flow (tests/FlowSdk.CrashHost). Failovers
/// must cost no step, no double application, no duplicate output and no dead letter. Each kill is
/// measured twice: the election (until both streams and the durable consumer the host uses have a
/// leader on a live node, within <see cref="ElectionBound"/>), then the host's progress from there (within
/// <see cref="ResumeBound"/> of the election).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ClusterCrashTests(ITestOutputHelper output)
{
    /// <summary>Executions published in each wave: one before the host starts, one published across each kill, one after the last.</summary>
    private const int Wave = 100;

    private const int Waves = 5;

    private const int Executions = Wave * Waves;

    /// <summary>
    /// How long each wave's publishing lasts at least (the publisher paces itself): a host that handles
    /// steps faster than they are published cannot have applied the whole wave before its kill lands.
    /// </summary>
    private const string PublishSeconds = "3";

    /// <summary>Steps applied between the wave before a kill being published and the kill.</summary>
    private const int StepsBeforeKill = 25;

    /// <summary>
    /// From a kill until every stream and consumer the host uses has a leader on a live node: the
    /// cluster notices the dead node and elects (about 2 to 5 s in nats-server 2.9). The bound leaves
    /// room for a CPU shared with builds.
    /// </summary>
    private static readonly TimeSpan ElectionBound = TimeSpan.FromSeconds(20);

    /// <summary>
    /// From the election to the host's next progress (25 more steps applied, or every published step
    /// applied, counted on the server): the host reconnects to a live node and handles again what failed meanwhile, with
    /// backoff up to 2 s.
    /// </summary>
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(5);

    /// <summary>How long after the last kill every execution must have completed.</summary>
    private static readonly TimeSpan CompletionBound = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Replicas3 = new() { ["CRASH_REPLICAS"] = "3" };

    private int _published;

    [Fact]
    public async Task A_cluster_losing_the_state_leader_then_the_hosts_node_then_a_second_node_loses_nothing()
    {
        await using var cluster = await NatsCluster.StartAsync(3);
        await using var admin = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls, Name = "crash-admin", ReconnectWaitMax = TimeSpan.FromMilliseconds(250), RequestTimeout = TimeSpan.FromSeconds(1) });
        var js = new NatsJSContext(admin);
        await WaitForJetStreamAsync(js);

        // The first wave waits for the host: a backlog of 500 steps when it starts.
        await PublishWaveAsync(cluster);
        await using var host = await CrashHost.StartAsync(cluster.Urls, Replicas3);
        try
        {
            await RunAsync(cluster, js, host);
        }
        catch (Exception)
        {
            // What the host logged says where it stalled.
            host.WriteLog(output);
            throw;
        }
    }

    private async Task RunAsync(NatsCluster cluster, NatsJSContext js, CrashHost host)
    {
        var kills = new List<Kill>();

        // 1. The leader of the state bucket's stream. A wave is published while the host works through
        // the first: on a fast machine the host drains a backlog of 500 steps before the kill lands.
        var wave = PublishWaveAsync(cluster);
        await WhenAppliedAsync(js, await AppliedAsync(js) + StepsBeforeKill, _published * 5L);
        var stateLeader = NatsCluster.IndexOf(await LeaderOfAsync(js, StateStream));
        kills.Add(await KillAndMeasureAsync(cluster, js, stateLeader, "the state bucket's leader", host));
        await wave;
        await cluster.RestartAsync(stateLeader);
        await WaitUntilCurrentAsync(js);

        // 2. The node the host is connected to, once the first is back. The wave is published while
        // the host handles it and goes on through the kill: the host cannot have drained it by then.
        wave = PublishWaveAsync(cluster);
        await WhenAppliedAsync(js, await AppliedAsync(js) + StepsBeforeKill, _published * 5L);
        var hostNode = NatsCluster.IndexOf(host.Server ?? throw new InvalidOperationException("The host did not say which server it is connected to."));
        kills.Add(await KillAndMeasureAsync(cluster, js, hostNode, "the host's node", host));
        await wave;
        await cluster.RestartAsync(hostNode);
        await WaitUntilCurrentAsync(js);

        // 3. A second node after the first returned: the leader of the message stream, or another one
        // when that is the node just restarted. It stays down: two of three keep the quorum.
        wave = PublishWaveAsync(cluster);
        await WhenAppliedAsync(js, await AppliedAsync(js) + StepsBeforeKill, _published * 5L);
        var second = NatsCluster.IndexOf(await LeaderOfAsync(js, MessageStream));
        if (second == hostNode)
        {
            second = (hostNode + 1) % cluster.Size;
        }

        kills.Add(await KillAndMeasureAsync(cluster, js, second, "a second node", host));
        var back = Stopwatch.StartNew();
        await wave;

        // The last wave runs on two of three nodes.
        await PublishWaveAsync(cluster);
        var result = await CrashHost.VerifyAsync(output, cluster.Urls, Executions, CompletionBound, back, Replicas3);
        foreach (var kill in kills)
        {
            output.WriteLine($"killed {kill.What} {NatsCluster.NameOf(kill.Node)} with {kill.AppliedBefore} steps applied: leaders elected {kill.ElectionMs} ms later, progress {kill.ProgressMs} ms after the election (bounds {ElectionBound.TotalMilliseconds} and {ResumeBound.TotalMilliseconds} ms)");
        }

        await host.StopAsync(output);
        CrashHost.AssertNothingLost(result, Executions, CompletionBound);
        Assert.All(kills, k => Assert.True(k.ElectionMs < ElectionBound.TotalMilliseconds, $"after killing {k.What} the leaders were elected only {k.ElectionMs} ms later"));
        Assert.All(kills, k => Assert.True(k.ProgressMs < ResumeBound.TotalMilliseconds, $"after killing {k.What} the host progressed only {k.ProgressMs} ms after the election"));
    }

    private const string StateStream = "KV_flowsdk-state";

    private const string MessageStream = "FLOWSDK";

    /// <summary>What one kill cost: from the kill to the election, from the election to the host's next progress.</summary>
    private sealed record Kill(string What, int Node, long AppliedBefore, long ElectionMs, long ProgressMs);

    /// <summary>
    /// Publishes the next <see cref="Wave"/> executions (5 steps each); the task completes when the
    /// server has them. They count as published from the start: the publisher retries through a kill.
    /// </summary>
    private Task PublishWaveAsync(NatsCluster cluster)
    {
        var first = _published;
        _published += Wave;
        return CrashHost.RunAsync(Replicas3, "publish", cluster.Urls, Wave.ToString(CultureInfo.InvariantCulture), "x", first.ToString(CultureInfo.InvariantCulture), PublishSeconds);
    }

    /// <summary>
    /// Kills node <paramref name="index"/> mid-run; measures the time until every stream and consumer
    /// the host uses has a leader on another node, then the time from there until the host reported
    /// 25 more steps were applied, or every published step (nothing is left to progress on).
    /// </summary>
    private async Task<Kill> KillAndMeasureAsync(NatsCluster cluster, NatsJSContext js, int index, string what, CrashHost host)
    {
        var all = _published * 5L;
        var applied = await AppliedAsync(js);
        Assert.True(applied < all, $"the host had applied all {all} published steps before {NatsCluster.NameOf(index)} was killed");
        var clock = Stopwatch.StartNew();
        cluster.Kill(index);
        output.WriteLine($"killed {what} {NatsCluster.NameOf(index)} with {applied} of {all} steps applied (host connected to {host.Server})");
        await WaitForLeadersAsync(js, NatsCluster.NameOf(index));
        var election = clock.ElapsedMilliseconds;
        await WhenAppliedAsync(js, await AppliedAsync(js) + 25, all);
        return new Kill(what, index, applied, election, clock.ElapsedMilliseconds - election);
    }

    /// <summary>
    /// Steps applied so far, counted on the server: the outputs in the stream (one per applied step,
    /// published after its commit, de-duplicated by id). The host's own count of rule firings can
    /// stay behind: a handling whose commit went through while the answer was lost in a failover is
    /// finished by its retry as a duplicate, which is no firing.
    /// </summary>
    private static async Task<long> AppliedAsync(NatsJSContext js)
    {
        var stream = await js.GetStreamAsync(MessageStream, new StreamInfoRequest { SubjectsFilter = AppliedSubject });
        return stream.Info.State.Subjects is { } subjects && subjects.TryGetValue(AppliedSubject, out var count) ? (long)count : 0;
    }

    /// <summary>Waits (60 s at most) until <paramref name="atLeast"/> steps are applied, or all <paramref name="all"/> published ones.</summary>
    private static async Task WhenAppliedAsync(NatsJSContext js, long atLeast, long all)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await AppliedAsync(js) >= Math.Min(atLeast, all))
                {
                    return;
                }
            }
            catch (Exception) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Electing: ask again.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Fewer than {Math.Min(atLeast, all)} steps applied after 60 s ({await AppliedAsync(js)}).");
            }

            // Polled: the servers' stream and consumer state, in other processes, raises no event here.
            await Task.Delay(50);
        }
    }

    private const string AppliedSubject = "crash.applied";

    /// <summary>Waits until both streams and every durable consumer of the message stream have a leader other than <paramref name="dead"/>.</summary>
    private static async Task WaitForLeadersAsync(NatsJSContext js, string dead)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await HasLiveLeaderAsync(js, StateStream, dead) && await HasLiveLeaderAsync(js, MessageStream, dead))
                {
                    var consumersLed = true;
                    await foreach (var consumer in js.ListConsumersAsync(MessageStream))
                    {
                        // The durable consumers the hosts share; an ephemeral one (a subscription of a
                        // test client, with one replica) may live on the dead node until it expires.
                        if (consumer.Info.Config.DurableName is { Length: > 0 })
                        {
                            consumersLed &= consumer.Info.Cluster?.Leader is { Length: > 0 } leader && leader != dead;
                        }
                    }

                    if (consumersLed)
                    {
                        return;
                    }
                }
            }
            catch (Exception) when (clock.Elapsed < ElectionBound * 2)
            {
                // Electing: ask again.
            }

            if (clock.Elapsed > ElectionBound * 2)
            {
                throw new TimeoutException($"No leaders on live nodes {clock.ElapsedMilliseconds} ms after {dead} was killed.");
            }

            // Polled: which node leads each stream and consumer is asked of the cluster; nothing is pushed.
            await Task.Delay(50);
        }
    }

    private static async Task<bool> HasLiveLeaderAsync(NatsJSContext js, string stream, string dead) =>
        (await js.GetStreamAsync(stream)).Info.Cluster?.Leader is { Length: > 0 } leader && leader != dead;

    /// <summary>Waits until the cluster's JetStream answers (a meta leader is elected).</summary>
    private static async Task WaitForJetStreamAsync(NatsJSContext js)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await js.GetAccountInfoAsync();
                return;
            }
            catch (Exception) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The server name of the leader of <paramref name="stream"/>, asked through the JetStream API (<c>$JS.API.STREAM.INFO</c>).</summary>
    private static async Task<string> LeaderOfAsync(NatsJSContext js, string stream)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var info = await js.GetStreamAsync(stream);
                if (info.Info.Cluster?.Leader is { Length: > 0 } leader)
                {
                    return leader;
                }
            }
            catch (Exception) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // Electing: ask again.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Stream {stream} has no leader after 30 s.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until both streams have a leader and every replica is current, so that killing another node keeps the quorum.</summary>
    private async Task WaitUntilCurrentAsync(NatsJSContext js)
    {
        var clock = Stopwatch.StartNew();
        foreach (var stream in (string[])[StateStream, MessageStream])
        {
            while (true)
            {
                try
                {
                    var cluster = (await js.GetStreamAsync(stream)).Info.Cluster;
                    if (cluster?.Leader is { Length: > 0 } && cluster.Replicas is { Count: 2 } replicas && replicas.All(r => r.Current && !r.Offline))
                    {
                        break;
                    }
                }
                catch (Exception) when (clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    // Electing: ask again.
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"Stream {stream} did not have every replica current within 60 s.");
                }

                await Task.Delay(200);
            }
        }

        output.WriteLine($"every replica current {clock.ElapsedMilliseconds} ms after the restart");
    }
}
