using FlowSdk;
using FlowSdk.Nats;
using PlanReviewSample;

// In process by default; on NATS with FLOWSDK_NATS_URL=nats://host:port (docs/nats.md).
var options = new FlowRuntimeOptions();
NatsFlowInfrastructure? nats;
try
{
    nats = await PlanReviewInfrastructure.ConfigureAsync(options, Environment.GetEnvironmentVariable);
}
catch (NatsFlowConnectionException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using (nats)
{
    Console.WriteLine(nats is null
        ? "Running in process."
        : $"Running on NATS: stream {nats.Transport.StreamName}, bucket {nats.Store.Bucket}.");
    var results = await PlanReviewScenario.RunAsync(Console.Out, options);

    // Plans 1-3 are approved after 1, 2 and 3 rounds; plan 4's author never revises it, so it escalates;
    // plan 5 is on hold and waits for review until its ten-minute timeout.
    var expected = new Dictionary<string, ExecutionStatus>
    {
        ["plan-1"] = ExecutionStatus.Completed,
        ["plan-2"] = ExecutionStatus.Completed,
        ["plan-3"] = ExecutionStatus.Completed,
        ["plan-4"] = ExecutionStatus.Escalated,
        ["plan-5"] = ExecutionStatus.Running,
    };
    var ok = expected.All(e => results[e.Key].Status == e.Value);
    Console.WriteLine(ok ? "All plans ended as expected." : "Some plans did not end as expected.");
    return ok ? 0 : 1;
}
