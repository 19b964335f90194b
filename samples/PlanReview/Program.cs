using FlowSdk;
using PlanReviewSample;

var results = await PlanReviewScenario.RunAsync(Console.Out);

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
