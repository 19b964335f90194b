using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// Crash tests against a real three-node JetStream cluster (the stream and the state bucket with
/// replicas 3) and a real host process given every node's URL: nodes are killed with SIGKILL while
/// the host works through a backlog of the phase-gated flow (tests/FlowSdk.CrashHost). Failovers
/// must cost no step, no double application, no duplicate output and no dead letter, and progress
/// must resume within <see cref="ResumeBound"/> of each kill.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ClusterCrashTests(ITestOutputHelper output)
{
    private const int Executions = 400;

    /// <summary>Firings between one node being back (and caught up) and the next kill.</summary>
    private const int FiringsBetweenKills = 75;

    /// <summary>
    /// From a kill to the host reporting 50 more rule firings: the cluster notices the dead node and
    /// elects new leaders (about 2 to 5 s in nats-server 2.9), the host reconnects to a live node and
    /// retries what failed meanwhile with backoff up to 2 s. The bound leaves room for a CPU shared
    /// with builds.
    /// </summary>
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(20);

    /// <summary>How long after the last kill every execution must have completed.</summary>
    private static readonly TimeSpan CompletionBound = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Replicas3 = new() { ["CRASH_REPLICAS"] = "3" };

    [Fact]
    public async Task A_cluster_losing_the_state_leader_then_the_hosts_node_then_a_second_node_loses_nothing()
    {
        await using var cluster = await NatsCluster.StartAsync(3);
        await using var admin = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls, Name = "crash-admin", ReconnectWaitMax = TimeSpan.FromMilliseconds(250) });
        var js = new NatsJSContext(admin);
        await WaitForJetStreamAsync(js);

        await using var host = await CrashHost.StartAsync(cluster.Urls, Replicas3);
        var publish = CrashHost.RunAsync(Replicas3, "publish", cluster.Urls, Executions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var resumed = new List<(string What, long Ms)>();

        // 1. The leader of the state bucket's stream.
        await host.WhenFiredAsync(FiringsBetweenKills);
        var stateLeader = NatsCluster.IndexOf(await LeaderOfAsync(js, StateStream));
        resumed.Add(("state bucket leader " + NatsCluster.NameOf(stateLeader), await KillAndMeasureAsync(cluster, stateLeader, host)));
        await cluster.RestartAsync(stateLeader);
        await WaitUntilCurrentAsync(js);

        // 2. The node the host is connected to, once the first is back.
        await host.WhenFiredAsync(host.Fired + FiringsBetweenKills);
        var hostNode = NatsCluster.IndexOf(host.Server ?? throw new InvalidOperationException("The host did not say which server it is connected to."));
        resumed.Add(("the host's node " + NatsCluster.NameOf(hostNode), await KillAndMeasureAsync(cluster, hostNode, host)));
        await cluster.RestartAsync(hostNode);
        await WaitUntilCurrentAsync(js);

        // 3. A second node after the first returned: the leader of the message stream, or another one
        // when that is the node just restarted. It stays down: two of three keep the quorum.
        await host.WhenFiredAsync(host.Fired + FiringsBetweenKills);
        var second = NatsCluster.IndexOf(await LeaderOfAsync(js, MessageStream));
        if (second == hostNode)
        {
            second = (hostNode + 1) % cluster.Size;
        }

        resumed.Add(("a second node " + NatsCluster.NameOf(second), await KillAndMeasureAsync(cluster, second, host)));
        var back = Stopwatch.StartNew();
        await publish;

        var result = await CrashHost.VerifyAsync(output, cluster.Urls, Executions, CompletionBound, back, Replicas3);
        foreach (var (what, ms) in resumed)
        {
            output.WriteLine($"killed {what}: 50 more rule firings {ms} ms later (bound {ResumeBound.TotalMilliseconds} ms)");
        }

        await host.StopAsync(output);
        CrashHost.AssertNothingLost(result, Executions, CompletionBound);
        Assert.All(resumed, r => Assert.True(r.Ms < ResumeBound.TotalMilliseconds, $"after killing {r.What} progress resumed only {r.Ms} ms later"));
    }

    private const string StateStream = "KV_flowsdk-state";

    private const string MessageStream = "FLOWSDK";

    /// <summary>Kills node <paramref name="index"/> mid-run and returns the milliseconds until the host reported 50 more rule firings.</summary>
    private async Task<long> KillAndMeasureAsync(NatsCluster cluster, int index, CrashHost host)
    {
        Assert.True(host.Fired < Executions * 5, $"the host had finished all {host.Fired} steps before {NatsCluster.NameOf(index)} was killed");
        var clock = Stopwatch.StartNew();
        cluster.Kill(index);

        // Counted once the node is gone: firings reported after this took place with it dead.
        var fired = host.Fired;
        output.WriteLine($"killed {NatsCluster.NameOf(index)} after {fired} firings (host connected to {host.Server})");
        await host.WhenFiredAsync(fired + 50);
        return clock.ElapsedMilliseconds;
    }

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
