using FlowSdk;
using FlowSdk.Sqlite;
using LifecycleSample;

// Stop and start a flow, then cancel and retry single executions, on a database file: messages sent
// to a stopped flow wait in the file and are handled after start, in order. The same verbs work from
// the command line of a generated host (deploy, start, stop, undeploy, deployments; cancel, retry),
// against a host on the database file or any number of hosts on NATS.
var folder = Directory.CreateTempSubdirectory("flowsdk-lifecycle-");
var problems = new List<string>();
try
{
    await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Path.Combine(folder.FullName, "lifecycle.db") });
    await using var runtime = await FlowRuntime.StartAsync([ShipmentFlow.Definition], new FlowRuntimeOptions().UseSqlite(database));
    var shipments = new ShipmentClient(runtime);
    var patience = TimeSpan.FromSeconds(30);

    void Expect(bool holds, string what)
    {
        Console.WriteLine($"{(holds ? "ok  " : "FAIL")} {what}");
        if (!holds)
        {
            problems.Add(what);
        }
    }

    // Waits until the shipment's committed state satisfies done: on the store's watch, not a timer.
    async Task<Shipment> WhenStored(string id, Func<Shipment, bool> done)
    {
        using var deadline = new CancellationTokenSource(patience);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var watch = runtime.Store.Watch("shipment." + id).Subscribe(_ => changed.TrySetResult());
            if (await shipments.GetAsync(id) is { } shipment && done(shipment))
            {
                Console.WriteLine($"     {id}: {shipment.Status} in {shipment.Phase}, route {shipment.Route}{(shipment.StatusReason is null ? "" : " - " + shipment.StatusReason)}");
                return shipment;
            }

            await changed.Task.WaitAsync(deadline.Token);
        }
    }

    async Task ShowDeployment()
    {
        var record = (await shipments.GetDeploymentAsync())!;
        Console.WriteLine($"     deployment: {record.State}, version {record.Version}, by {record.ChangedBy}{(record.LastAction is { } a ? $" ({a})" : "")}");
    }

    // 1. A flow without a deployment record is deployed and running at start (auto-deploy).
    await ShowDeployment();
    Expect(runtime.IsFlowRunning(ShipmentFlow.Definition), "the flow runs at start: auto-deploy created its record Running");
    await shipments.SendAsync(new ShipmentBooked("sh-1", "Lyon"));
    await WhenStored("sh-1", s => s.Phase == ShipmentPhase.InTransit);

    // 2. Stop: the runtime drains what is in flight and takes the subscriptions down.
    await shipments.StopFlowAsync(by: "alice");
    await runtime.WhenFlowRunningAsync(ShipmentFlow.Definition, running: false);
    await ShowDeployment();
    Expect(!runtime.IsFlowRunning(ShipmentFlow.Definition), "after stop the flow's subscriptions are down");

    await shipments.SendAsync(new ParcelScanned("sh-1", "Dijon"));
    await shipments.SendAsync(new ParcelScanned("sh-1", "Lyon"));
    await shipments.SendAsync(new ParcelDelivered("sh-1"));
    var waiting = (await shipments.GetAsync("sh-1"))!;
    Expect(waiting.Route == "" && waiting.Phase == ShipmentPhase.InTransit, "messages sent while stopped wait in the file, unhandled");

    try
    {
        await shipments.UndeployAsync();
        await shipments.StartFlowAsync();
        Expect(false, "starting an undeployed flow is refused");
    }
    catch (DeploymentException ex)
    {
        Console.WriteLine("     refused: " + ex.Message);
        Expect(ex.State == DeploymentState.NotDeployed, "after undeploy, start is refused naming the state");
    }

    // 3. Deploy and start: the waiting messages are handled, in the order they were sent.
    await shipments.DeployAsync(by: "alice");
    await shipments.StartFlowAsync(by: "alice");
    await runtime.WhenFlowRunningAsync(ShipmentFlow.Definition);
    await ShowDeployment();
    var delivered = await WhenStored("sh-1", s => s.Phase == ShipmentPhase.Delivered);
    Expect(delivered.Route == "Dijon;Lyon;delivered;", "after start the waiting messages are handled in order");

    // 4. Cancel is terminal; retry runs a failed shipment again from its last committed state.
    await shipments.SendAsync(new ShipmentBooked("sh-2", "Nantes"));
    await shipments.SendAsync(new ShipmentBooked("sh-3", "Lille"));
    await WhenStored("sh-2", s => s.Phase == ShipmentPhase.InTransit);
    await WhenStored("sh-3", s => s.Phase == ShipmentPhase.InTransit);
    await shipments.CancelAsync("sh-2", reason: "customer withdrew", by: "bob");
    var cancelled = await WhenStored("sh-2", s => s.Status == ExecutionStatus.Cancelled);
    Expect(cancelled.Status == ExecutionStatus.Cancelled, "a cancelled shipment ends for good");

    await shipments.SendAsync(new ParcelLost("sh-3"));
    await WhenStored("sh-3", s => s.Status == ExecutionStatus.Failed);
    await shipments.RetryAsync("sh-3", reason: "the parcel turned up", by: "carol");
    await shipments.SendAsync(new ParcelDelivered("sh-3"));
    var retried = await WhenStored("sh-3", s => s.Status == ExecutionStatus.Completed);
    Expect(retried.Phase == ShipmentPhase.Delivered, "the retried shipment is delivered");
}
finally
{
    try
    {
        folder.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
}

Console.WriteLine(problems.Count == 0 ? "Every step ended as expected." : $"{problems.Count} step(s) did not end as expected.");
return problems.Count == 0 ? 0 : 1;
