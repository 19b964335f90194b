using System.Text.Json;
using FlowSdk.Hosting.Tests.Infrastructure;
using FlowSdk.Internal;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// <c>deploy</c>, <c>start</c>, <c>stop</c>, <c>undeploy</c> and <c>deployments</c> on the command
/// line: the transitions and their refusals on a database file, and two host processes on NATS that
/// stop consuming when an operator stops the flow from a third process, and handle what waited, in
/// order, when it is started again.
/// </summary>
public sealed class DeploymentCliTests() : CliOnDatabaseFile([OrdersSample.OrderFlow.Definition], "flowsdk-deployment-cli-", "orders.db")
{
    [Fact]
    public async Task The_verbs_follow_the_transitions_on_a_database_file_and_refusals_name_the_state_with_a_failing_exit_code()
    {
        var version = FlowDeployments.VersionOf(OrdersSample.OrderFlow.Definition);
        var none = await RunAsync("deployments");
        Assert.Equal(0, none.Code);
        Assert.Matches(@"(?m)^order\s+NotDeployed\s+-\s+" + version + @"\s+no record", none.Output);

        var start = await RunAsync("start", "order");
        Assert.Equal((FlowCli.Failed, "", "error: Cannot start flow 'order': it is NotDeployed; start applies to Deployed flows (deploy it first).\n"), start);

        var deployed = await RunAsync("deploy", "order", "--by", "alice");
        Assert.Equal(0, deployed.Code);
        Assert.StartsWith($"order: NotDeployed -> Deployed (deploy, version {version}, by alice)", deployed.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("start", "order")).Code);

        var undeploy = await RunAsync("undeploy", "order");
        Assert.Equal((FlowCli.Failed, "error: Cannot undeploy flow 'order': it is Running; undeploy applies to Deployed flows (stop it first).\n"), (undeploy.Code, undeploy.Error));
        var again = await RunAsync("deploy", "order");
        Assert.Equal(FlowCli.Failed, again.Code);
        Assert.Contains("it is Running; deploy applies to NotDeployed flows", again.Error);
        Assert.Equal(0, (await RunAsync("deploy", "order", "--force")).Code);

        Assert.Equal(0, (await RunAsync("stop", "order", "--by", "bob")).Code);
        using (var json = JsonDocument.Parse((await RunAsync("deployments", "--json")).Output))
        {
            var flow = Assert.Single(json.RootElement.GetProperty("flows").EnumerateArray());
            Assert.Equal(("order", "Deployed", version, true, "bob", "Stop"), (flow.GetProperty("flow").GetString(), flow.GetProperty("state").GetString(), flow.GetProperty("version").GetString(), flow.GetProperty("versionMatches").GetBoolean(), flow.GetProperty("changedBy").GetString(), flow.GetProperty("lastAction").GetString()));
        }

        Assert.Equal(0, (await RunAsync("undeploy", "order")).Code);
        Assert.Matches(@"(?m)^order\s+NotDeployed\s+" + version, (await RunAsync("deployments")).Output);

        var unknown = await RunAsync("stop", "nothing");
        Assert.NotEqual(0, unknown.Code);
        Assert.Contains("No flow 'nothing'. The flows are: order.", unknown.Error);
    }

    /// <summary>An earlier build's 'order': the same state and input, no rules yet, so its manifest version differs from the sample's.</summary>
    private static readonly FlowDefinition[] EarlierBuild =
    [
        new FlowDefinition<OrdersSample.Order>(
            "order",
            ["New", "Placed", "Shipped"],
            ["Shipped"],
            0,
            OrdersSample.Order.FlowFormatter.Instance,
            [new InputPort<OrdersSample.Order, OrdersSample.OrderPlaced>(OrdersSample.OrderFlow.Ports.OrderPlaced, static m => m.OrderId, [])]),
    ];

    [Fact]
    public async Task Send_with_a_build_whose_version_is_not_the_deployed_one_says_so_at_once_and_sends_nothing_and_a_stopped_flow_keeps_the_message()
    {
        var earlier = new StringWriter();
        Assert.Equal(FlowCli.Success, await FlowCli.RunAsync(["deploy", "order"], EarlierBuild, new FlowCliEnvironment { Out = earlier, Error = earlier, LiveStatus = false, DatabasePath = Database }));
        Assert.Equal(FlowCli.Success, await FlowCli.RunAsync(["start", "order"], EarlierBuild, new FlowCliEnvironment { Out = earlier, Error = earlier, LiveStatus = false, DatabasePath = Database }));
        var deployed = FlowDeployments.VersionOf(EarlierBuild[0]);
        var local = FlowDeployments.VersionOf(OrdersSample.OrderFlow.Definition);
        Assert.NotEqual(deployed, local);

        // This build does not run 'order': the send is refused at once (not after the 30 s quiescence timeout), naming both versions and the fix.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = await RunAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 5}""");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The refusal took {clock.Elapsed}.");
        Assert.Equal(
            (FlowCli.Failed, "", $"error: flow order is deployed with version {deployed}, this build has {local}: this build does not run it, so the message was not sent. Deploy this build's version with: deploy order --force (its executions are kept), then send again.\n"),
            refused);

        // Nothing was kept for later: once this build's version is deployed, o-1 does not exist until it is sent.
        Assert.Equal(FlowCli.Success, (await RunAsync("deploy", "order", "--force")).Code);
        Assert.NotEqual(FlowCli.Success, (await RunAsync("inspect", "o-1")).Code);
        var sent = await RunAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 5}""");
        Assert.Equal(FlowCli.Success, sent.Code);
        Assert.Contains("order/o-1: Running in phase Placed", sent.Output, StringComparison.Ordinal);

        // A stopped flow keeps the message for its start, and the send says so instead of waiting.
        Assert.Equal(FlowCli.Success, (await RunAsync("stop", "order")).Code);
        clock.Restart();
        var kept = await RunAsync("send", "orders.placed", """{"OrderId": "o-2", "Total": 7}""");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The send took {clock.Elapsed}.");
        Assert.Equal((FlowCli.Success, "Sent OrderPlaced on orders.placed: kept until the flow runs; flow order is Deployed (stopped; start order runs it).\n", ""), kept);
        Assert.Equal(FlowCli.Success, (await RunAsync("start", "order")).Code);
        var after = await RunAsync("send", "orders.placed", """{"OrderId": "o-3", "Total": 9}""");
        Assert.Equal(FlowCli.Success, after.Code);
        Assert.Contains("order/o-3: Running in phase Placed", after.Output, StringComparison.Ordinal);

        // The kept message was handled once the flow ran (as the runtime started, so send need not list it).
        var kept2 = await RunAsync("inspect", "o-2");
        Assert.Equal(FlowCli.Success, kept2.Code);
        Assert.Contains("phase:     Placed", kept2.Output, StringComparison.Ordinal);
    }

    /// <summary>Another host's flow that reads orders.placed (OrderPlaced {OrderId, Total} in flow 'order') as an OrderPaid {OrderId, Amount}.</summary>
    private static readonly FlowDefinition[] AuditHost =
    [
        new FlowDefinition<OrdersSample.Order>(
            "order-audit",
            ["Placed", "Paid", "Shipped"],
            ["Shipped"],
            0,
            OrdersSample.Order.FlowFormatter.Instance,
            [new InputPort<OrdersSample.Order, OrdersSample.OrderPaid>(new MessagePort<OrdersSample.OrderPaid>("orders.placed", OrdersSample.OrderPaidFormatter.Instance), static m => m.OrderId, [])]),
    ];

    /// <summary>The command line of the audit host, on the same database file.</summary>
    private async Task<(int Code, string Output, string Error)> RunAuditAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, AuditHost, new FlowCliEnvironment { Out = output, Error = error, LiveStatus = false, DatabasePath = Database });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Validate_cluster_and_deploy_see_the_flows_other_hosts_deployed_deploy_refuses_the_conflict_and_force_deploys_it()
    {
        const string Conflict = "error FLOW0203 subject-bound-to-two-types: Subject 'orders.placed' is bound to both 'OrderPaid' in flow 'order-audit' and 'OrderPlaced' in flow 'order': a rule listening on it could not tell which type a message is. Give each message type its own subject.";

        // Each host's flows alone are valid; nothing is deployed yet, so the cluster is too.
        Assert.Equal(FlowCli.Success, (await RunAuditAsync("validate")).Code);
        Assert.Equal(FlowCli.Success, (await RunAsync("validate", "--cluster")).Code);
        Assert.Equal(0, (await RunAsync("deploy", "order")).Code);

        var text = await RunAuditAsync("validate", "--cluster");
        Assert.Equal(FlowCli.Failed, text.Code);
        Assert.Contains(Conflict + "\n  suggestion: Give each message type its own subject.\n", text.Output, StringComparison.Ordinal);
        // The runtime knows a rule's output by its subject only: 'order' publishes on warehouse.ship, which no flow here takes.
        Assert.Contains("warning FLOW0202 orphaned-output: Message '?' (warehouse.ship) is published by rule 'Ship' of flow 'order', but no rule in the flows deployed together takes it.", text.Output, StringComparison.Ordinal);
        Assert.EndsWith("invalid: 1 error(s), 1 warning(s), 0 link(s) in 2 flow(s).\n", text.Output, StringComparison.Ordinal);

        using (var json = JsonDocument.Parse((await RunAuditAsync("validate", "--cluster", "--json")).Output))
        {
            var root = json.RootElement;
            Assert.False(root.GetProperty("valid").GetBoolean());
            Assert.Equal(["order-audit", "order"], root.GetProperty("flows").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal((1, 1), (root.GetProperty("errors").GetInt32(), root.GetProperty("warnings").GetInt32()));
            var issue = root.GetProperty("issues")[0];
            Assert.Equal(("error", "subject-bound-to-two-types", "FLOW0203", "order-audit", "orders.placed"), (issue.GetProperty("severity").GetString(), issue.GetProperty("kind").GetString(), issue.GetProperty("id").GetString(), issue.GetProperty("flow").GetString(), issue.GetProperty("subject").GetString()));
        }

        var refused = await RunAuditAsync("deploy", "order-audit");
        Assert.Equal((FlowCli.Failed, ""), (refused.Code, refused.Output));
        Assert.Equal("error: Cannot deploy flow 'order-audit': validating it with the flows deployed in the cluster found 1 error(s) (deploy --force deploys it anyway):\n  " + Conflict + "\n", refused.Error);
        Assert.Matches(@"(?m)^order-audit\s+NotDeployed\s+-", (await RunAuditAsync("deployments")).Output);

        var forced = await RunAuditAsync("deploy", "order-audit", "--force", "--by", "carol");
        Assert.Equal(FlowCli.Success, forced.Code);
        Assert.StartsWith("order-audit: NotDeployed -> Deployed (deploy --force, version ", forced.Output, StringComparison.Ordinal);
        Assert.Contains(Conflict + " (deployed anyway: --force)\n", forced.Output, StringComparison.Ordinal);

        // The orders host sees the audit host's flow in the cluster now, though it does not have it.
        var fromOrders = await RunAsync("validate", "--cluster");
        Assert.Equal(FlowCli.Failed, fromOrders.Code);
        Assert.Contains("error FLOW0203 subject-bound-to-two-types: Subject 'orders.placed' is bound to both 'OrderPlaced' in flow 'order' and 'OrderPaid' in flow 'order-audit'", fromOrders.Output, StringComparison.Ordinal);
        Assert.Equal(FlowCli.Success, (await RunAsync("validate")).Code);
    }

    [Fact]
    public async Task A_flow_stopped_from_another_process_is_not_consumed_by_either_host_on_nats_and_start_handles_what_waited_in_order()
    {
        await using var server = await NatsServer.StartAsync();
        await using var first = OrdersHost.Start(null, "run", "--nats", server.Url);
        await using var second = OrdersHost.Start(null, "run", "--nats", server.Url);
        await first.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await second.WaitForAsync("Press Ctrl+C to stop.", Patience);
        Assert.Matches(@"(?m)^order\s+Running\s+", (await OrdersHost.RunAsync("deployments", "--nats", server.Url)).Output);

        await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "r-1", "Total": 10}""", "--nats", server.Url);
        await StoredExecutions.WhenStoredAsync(server.Url, "order.r-1", _ => true, "r-1 placed while running", first, Patience);

        var stopped = await OrdersHost.RunAsync("stop", "order", "--by", "ops", "--nats", server.Url);
        Assert.Equal(0, stopped.Code);
        Assert.StartsWith("order: Running -> Deployed (stop", stopped.Output, StringComparison.Ordinal);
        await first.WaitForAsync("Flow order is Deployed (changed by ops)", Patience);
        await second.WaitForAsync("Flow order is Deployed (changed by ops)", Patience);

        // Paid 12 before paid 10: handled in that order, the order ships with 12.
        await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "s-1", "Total": 10}""", "--nats", server.Url);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "s-1", "Amount": 12}""", "--nats", server.Url);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "s-1", "Amount": 10}""", "--nats", server.Url);

        // The three wait in the stream: the flow's consumer has them pending, nothing delivered, and
        // no host asks for messages. Polled: the consumer's state on the server raises no event to wait on.
        await using (var client = new NatsConnection(new NatsOpts { Url = server.Url, Name = "deployment-test" }))
        {
            var js = new NatsJSContext(client);
            var until = DateTime.UtcNow + Patience;
            ConsumerInfo info;
            while (true)
            {
                info = await FlowConsumerAsync(js);
                if (info is { NumPending: 3, NumAckPending: 0, NumWaiting: 0 })
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < until, $"The stopped flow's consumer did not settle at 3 pending (pending {info.NumPending}, unacknowledged {info.NumAckPending}, pull requests {info.NumWaiting}). Hosts printed:\n{first.Output}\n{second.Output}");
                await Task.Delay(100);
            }
        }

        var listed = await OrdersHost.RunAsync("executions", "--nats", server.Url);
        Assert.DoesNotContain("s-1", listed.Output, StringComparison.Ordinal);

        var restart = await OrdersHost.RunAsync("start", "order", "--nats", server.Url);
        Assert.Equal(0, restart.Code);
        var twice = await OrdersHost.RunAsync("start", "order", "--nats", server.Url);
        Assert.Equal((FlowCli.Failed, "error: Cannot start flow 'order': it is Running; start applies to Deployed flows.\n"), (twice.Code, twice.Error));

        await StoredExecutions.WhenStoredAsync(server.Url, "order.s-1", s => s.Contains("\"Status\":\"Completed\"", StringComparison.Ordinal), "s-1 completed after the start", first, Patience);
        var inspected = (await OrdersHost.RunAsync("inspect", "s-1", "--nats", server.Url)).Output;
        Assert.Contains("Ship: Placed -> Shipped", inspected);
        Assert.Matches("\"Paid\":\\s*\"?12\\b", inspected); // a decimal: a string in MessagePack

        Assert.Equal(0, await first.InterruptAsync());
        Assert.Equal(0, await second.InterruptAsync());
    }

    private static async Task<ConsumerInfo> FlowConsumerAsync(NatsJSContext js)
    {
        await foreach (var consumer in js.ListConsumersAsync("FLOWSDK", CancellationToken.None))
        {
            if (consumer.Info.Config.Description == "FlowSdk queue group 'flowsdk.order'")
            {
                return consumer.Info;
            }
        }

        throw new InvalidOperationException("The order flow's consumer does not exist.");
    }
}
