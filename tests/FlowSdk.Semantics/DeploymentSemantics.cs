using FlowSdk.Internal;
using FlowSdk.Semantics.Flows;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Semantics;

/// <summary>
/// Flow deployments as desired state: the verbs follow the transitions (refusals name the state),
/// concurrent verbs resolve by compare-and-set, and runtimes converge: a stopped flow is not
/// subscribed, a runtime started while it is stopped does not consume, a host with another manifest
/// version does not run it, and a start brings the subscriptions back.
/// </summary>
public abstract class DeploymentSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Whether the transport keeps the messages of a flow that has no subscription (a durable consumer, as NATS and SQLite have); the embedded one does not.</summary>
    protected virtual bool KeepsMessagesOfStoppedFlows => true;

    [Fact]
    public async Task A_flow_without_a_record_is_auto_deployed_running_and_the_verbs_follow_the_transitions()
    {
        await using var t = await StartAsync();
        var flow = OrderFlow.Definition;
        var record = await t.Runtime.GetDeploymentAsync(flow);
        Assert.NotNull(record);
        Assert.Equal(DeploymentState.Running, record.State);
        Assert.Equal(t.Runtime.VersionOf(flow), record.Version);
        Assert.StartsWith("auto-deploy:", record.ChangedBy, StringComparison.Ordinal);
        Assert.True(t.Runtime.IsFlowRunning(flow));

        var refused = await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.StartFlowAsync(flow));
        Assert.Equal((DeploymentState.Running, DeploymentAction.Start), (refused.State, refused.Action));
        Assert.Equal("Cannot start flow 'order': it is Running; start applies to Deployed flows.", refused.Message);
        refused = await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.UndeployAsync(flow));
        Assert.Equal("Cannot undeploy flow 'order': it is Running; undeploy applies to Deployed flows (stop it first).", refused.Message);
        refused = await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.DeployAsync(flow));
        Assert.Equal(DeploymentState.Running, refused.State);

        var stopped = await t.Orders.StopFlowAsync(by: "alice");
        Assert.Equal((DeploymentState.Running, DeploymentState.Deployed, "alice", DeploymentAction.Stop), (stopped.Before, stopped.Record.State, stopped.Record.ChangedBy, stopped.Record.LastAction));
        await t.Runtime.WhenFlowRunningAsync(flow, running: false).WaitAsync(Deadline);
        Assert.False(t.Runtime.IsFlowRunning(flow));

        await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.StopFlowAsync(flow));
        var undeployed = await t.Runtime.UndeployAsync(flow, by: "alice");
        Assert.Equal(DeploymentState.NotDeployed, undeployed.Record.State);
        refused = await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.StartFlowAsync(flow));
        Assert.Equal("Cannot start flow 'order': it is NotDeployed; start applies to Deployed flows (deploy it first).", refused.Message);

        var deployed = await t.Runtime.DeployAsync(flow, by: "bob");
        Assert.Equal((DeploymentState.NotDeployed, DeploymentState.Deployed), (deployed.Before, deployed.Record.State));
        Assert.False(t.Runtime.IsFlowRunning(flow));
        await t.Runtime.StartFlowAsync(flow, by: "bob");
        await t.Runtime.WhenFlowRunningAsync(flow).WaitAsync(Deadline);

        // Running again: messages are handled.
        await t.SendAndSettleAsync(new OrderPlaced("d-1", 10));
        Assert.Equal("normal;", (await t.OrderAsync("d-1")).Path);
        var last = await t.Runtime.GetDeploymentAsync(flow);
        Assert.Equal((DeploymentState.Running, "bob", DeploymentAction.Start), (last!.State, last.ChangedBy, last.LastAction));
    }

    [Fact]
    public async Task Two_concurrent_verbs_resolve_by_compare_and_set_one_wins_and_the_other_is_told_the_state()
    {
        await using var t = await StartAsync();
        var flow = OrderFlow.Definition;
        for (var round = 0; round < 10; round++)
        {
            // Both operators saw Running and stop it at the same time.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var verbs = Enumerable.Range(0, 2)
                .Select(i => Task.Run(async () =>
                {
                    await start.Task;
                    return await FlowDeployments.ApplyAsync(Infrastructure.Store, flow, DeploymentAction.Stop, by: "operator-" + i);
                }))
                .ToArray();
            start.SetResult();
            var outcomes = await Task.WhenAll(verbs.Select(async v =>
            {
                try
                {
                    return (Change: await v, Error: (DeploymentException?)null);
                }
                catch (DeploymentException e)
                {
                    return (Change: (DeploymentChange?)null, Error: e);
                }
            }));

            Assert.Single(outcomes, o => o.Change is not null);
            var loser = Assert.Single(outcomes, o => o.Error is not null).Error!;
            Assert.Equal(DeploymentState.Deployed, loser.State);
            Assert.Contains("it is Deployed", loser.Message, StringComparison.Ordinal);
            await FlowDeployments.ApplyAsync(Infrastructure.Store, flow, DeploymentAction.Start);
        }
    }

    [Fact]
    public async Task A_stopped_flow_is_not_subscribed_a_runtime_started_meanwhile_does_not_consume_and_start_handles_the_waiting_messages_in_order()
    {
        await using var t = await StartAsync();
        var flow = OrderFlow.Definition;
        await t.SendAndSettleAsync(new OrderPlaced("s-1", 100));

        await t.Runtime.StopFlowAsync(flow);
        await t.Runtime.WhenFlowRunningAsync(flow, running: false).WaitAsync(Deadline);

        // A second host that starts while the flow is stopped does not consume either.
        await using var other = await Infrastructure.ConnectAnotherAsync();
        await using (var second = await TestRuntime.StartAsync(other))
        {
            Assert.False(second.Runtime.IsFlowRunning(flow));
            Assert.Equal(DeploymentState.Deployed, (await second.Runtime.GetDeploymentAsync(flow))!.State);
        }

        // Shipped after Paid: handled the other way round, EarlyShipment would fire.
        await t.Orders.SendAsync(new OrderPaid("s-1", 100));
        await t.Orders.SendAsync(new OrderShipped("s-1"));
        Assert.False(t.Runtime.IsFlowRunning(flow));
        Assert.Equal("normal;", (await t.OrderAsync("s-1")).Path);

        await t.Runtime.StartFlowAsync(flow);
        await t.Runtime.WhenFlowRunningAsync(flow).WaitAsync(Deadline);
        await t.SettleAsync();
        var order = await t.OrderAsync("s-1");
        Assert.Equal(KeepsMessagesOfStoppedFlows ? "normal;pay;ship;" : "normal;", order.Path);

        // After start, new messages are handled on every transport.
        await t.SendAndSettleAsync(new OrderPlaced("s-2", 100));
        Assert.Equal("normal;", (await t.OrderAsync("s-2")).Path);
    }

    [Fact]
    public async Task A_host_whose_version_differs_from_the_deployed_one_does_not_run_the_flow_and_says_so_until_its_version_is_deployed()
    {
        var flow = OrderFlow.Definition;
        var other = new DeploymentRecord(flow.Id, DeploymentState.Running, "0123456789abcdef", "ci", DateTimeOffset.UnixEpoch, DeploymentAction.Deploy, 0);
        Assert.True((await Infrastructure.Store.TryCreateAsync(FlowDeployments.Key(flow.Id), other.ToJson())).Succeeded);

        await using var t = await StartAsync();
        Assert.False(t.Runtime.IsFlowRunning(flow));
        var warning = Assert.Single(t.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("deployed manifest version is 0123456789abcdef", StringComparison.Ordinal));
        Assert.Contains(t.Runtime.VersionOf(flow), warning.Message, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<DeploymentException>(() => t.Runtime.DeployAsync(flow));
        Assert.Equal(DeploymentState.Running, refused.State);
        var forced = await t.Runtime.DeployAsync(flow, force: true, by: "release");
        Assert.Equal((DeploymentState.Running, DeploymentState.Running), (forced.Before, forced.Record.State));
        Assert.Equal(t.Runtime.VersionOf(flow), forced.Record.Version);
        await t.Runtime.WhenFlowRunningAsync(flow).WaitAsync(Deadline);
        await t.SendAndSettleAsync(new OrderPlaced("v-1", 5));
        Assert.Equal("normal;", (await t.OrderAsync("v-1")).Path);
    }

    [Fact]
    public async Task Without_auto_deploy_a_flow_without_a_record_is_not_run_until_deployed_and_started()
    {
        var flow = OrderFlow.Definition;
        await using var t = await StartAsync(o => o.AutoDeploy = false);
        Assert.Null(await t.Runtime.GetDeploymentAsync(flow));
        Assert.False(t.Runtime.IsFlowRunning(flow));
        Assert.Single(t.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("auto-deploy is off", StringComparison.Ordinal));

        await t.Runtime.DeployAsync(flow);
        Assert.False(t.Runtime.IsFlowRunning(flow));
        await t.Runtime.StartFlowAsync(flow);
        await t.Runtime.WhenFlowRunningAsync(flow).WaitAsync(Deadline);
        await t.SendAndSettleAsync(new OrderPlaced("a-1", 5));
        Assert.Equal("normal;", (await t.OrderAsync("a-1")).Path);
        Assert.Equal([new DeploymentRecord(flow.Id, DeploymentState.Running, t.Runtime.VersionOf(flow), FlowDeployments.DefaultBy, default, DeploymentAction.Start, 0)], (await FlowDeployments.ListAsync(Infrastructure.Store)).Select(r => r with { ChangedAt = default, Revision = 0, Shape = null }));
    }

    /// <summary>A flow of another host that reads <c>test.orders.placed</c> (OrderPlaced {OrderId, Amount} in flow 'order') as an OrderShipped {OrderId}.</summary>
    private static FlowDefinition<Order> Audit(string subject = "test.orders.placed") => new(
        "order-audit",
        ["New", "Placed", "Paid", "Shipped"],
        ["Shipped"],
        0,
        Order.FlowFormatter.Instance,
        [new InputPort<Order, OrderShipped>(new MessagePort<OrderShipped>(subject, OrderShippedFormatter.Instance), static m => m.OrderId, [])]);

    [Fact]
    public async Task Deploy_validates_a_flow_with_the_flows_other_hosts_deployed_refuses_a_subject_bound_to_two_message_types_and_force_deploys_it_anyway()
    {
        // This host runs 'order' (auto-deployed: its record keeps its ports); another host deploys 'order-audit'.
        await using var t = await StartAsync();
        var audit = Audit();
        Assert.NotNull((await t.Runtime.GetDeploymentAsync(OrderFlow.Definition))!.Shape);

        // Each flow alone is valid: only the combination, which no single build sees, has the conflict.
        Assert.True(FlowValidation.Validate([OrderFlow.Definition]).IsValid);
        Assert.True(FlowValidation.Validate([audit]).IsValid);

        // A second runtime, over its own connection to the same store, has 'order-audit' (and not 'order').
        await using var other = await Infrastructure.ConnectAnotherAsync();
        await using var second = await FlowSdk.Testing.FlowTestHost.StartAsync([audit], o =>
        {
            o.Transport = other.Transport;
            o.StateStore = other.Store;
            o.ConfigureRuntime = r => r.AutoDeploy = false;
        });
        var refused = await Assert.ThrowsAsync<DeploymentValidationException>(() => second.Runtime.DeployAsync(audit, by: "bob"));
        var error = Assert.Single(refused.Validation.Issues, i => i.Severity == ValidationSeverity.Error);
        Assert.Equal(("subject-bound-to-two-types", "FLOW0203", "order-audit", "test.orders.placed"), (error.Kind, error.Id, error.Flow, error.Subject));
        Assert.Equal(
            "Cannot deploy flow 'order-audit': validating it with the flows deployed in the cluster found 1 error(s) (deploy --force deploys it anyway):\n"
            + "  error FLOW0203 subject-bound-to-two-types: Subject 'test.orders.placed' is bound to both 'OrderShipped' in flow 'order-audit' and 'OrderPlaced' in flow 'order': a rule listening on it could not tell which type a message is. Give each message type its own subject.",
            refused.Message);
        Assert.Equal((DeploymentAction.Deploy, DeploymentState.NotDeployed), (refused.Action, refused.State));
        Assert.Null(await FlowDeployments.GetAsync(Infrastructure.Store, audit.Id));

        var forced = await second.Runtime.DeployAsync(audit, force: true, by: "bob");
        Assert.Equal((DeploymentState.NotDeployed, DeploymentState.Deployed), (forced.Before, forced.Record.State));
        Assert.Equal(1, forced.Validation!.ErrorCount);

        // The record keeps the ports, so this host sees the conflict in the cluster too.
        var record = await FlowDeployments.GetAsync(Infrastructure.Store, audit.Id);
        var port = Assert.Single(record!.Shape!.Ports);
        Assert.Equal((true, "test.orders.placed", "OrderShipped", "OrderId"), (port.IsInput, port.Subject, port.MessageType, string.Join(",", port.Members)));
        var cluster = FlowValidation.ValidateWithDeployed([], await FlowDeployments.ListAsync(Infrastructure.Store), reportDeployed: true);
        Assert.Equal(["order", "order-audit"], cluster.Flows);
        Assert.Single(cluster.Issues, i => i.Kind == "subject-bound-to-two-types");
        Assert.False(cluster.IsValid);

        // Redeploying 'order' through the generated client now meets 'order-audit' the other way round.
        await t.Orders.StopFlowAsync();
        await t.Orders.UndeployAsync();
        var back = await Assert.ThrowsAsync<DeploymentValidationException>(() => t.Orders.DeployAsync(by: "alice"));
        Assert.Equal("order", Assert.Single(back.Validation.Issues, i => i.Severity == ValidationSeverity.Error).Flow);
        Assert.Equal(DeploymentState.NotDeployed, (await t.Orders.GetDeploymentAsync())!.State);
        var redeployed = await t.Orders.DeployAsync(force: true, by: "alice");
        Assert.Equal((DeploymentState.NotDeployed, DeploymentState.Deployed, 1), (redeployed.Before, redeployed.Record.State, redeployed.Validation!.ErrorCount));
    }

    [Fact]
    public async Task Deploy_goes_through_with_warnings_and_returns_them_with_the_links_it_found()
    {
        await using var t = await StartAsync();

        // Reads what rule Large of 'order' publishes: linked; nothing produces test.orders.audited: a warning.
        var audit = new FlowDefinition<Order>(
            "order-audit",
            ["New", "Placed", "Paid", "Shipped"],
            ["Shipped"],
            0,
            Order.FlowFormatter.Instance,
            [
                new InputPort<Order, OrderNoticed>(new MessagePort<OrderNoticed>("test.orders.noticed", OrderNoticedFormatter.Instance), static m => m.OrderId, []),
                new InputPort<Order, OrderShipped>(new MessagePort<OrderShipped>("test.orders.audited", OrderShippedFormatter.Instance), static m => m.OrderId, []),
            ]);

        var change = await FlowDeployments.ApplyAsync(Infrastructure.Store, audit, DeploymentAction.Deploy);

        Assert.Equal(DeploymentState.Deployed, change.Record.State);
        var validation = change.Validation!;
        Assert.True(validation.IsValid);
        var warning = Assert.Single(validation.Issues);
        Assert.Equal(("unproduced-input", "FLOW0201", ValidationSeverity.Warning, "test.orders.audited"), (warning.Kind, warning.Id, warning.Severity, warning.Subject));
        Assert.Equal(new FlowLink("test.orders.noticed", "order", "Large", "order-audit", "?", "OrderNoticed"), Assert.Single(validation.Links));
    }
}
