using FlowSdk;
using SchedulesSample;

// Schedules on the embedded runtime: the runtime publishes each schedule's ticks as messages, which the
// flow's rules take like any other. The same flow on NATS, run by several hosts, publishes each tick once.
await using var runtime = await FlowRuntime.StartAsync(ReportFlow.Definition);
var reports = new ReportClient(runtime);
var problems = new List<string>();

void Expect(bool holds, string what)
{
    Console.WriteLine($"{(holds ? "ok  " : "FAIL")} {what}");
    if (!holds)
    {
        problems.Add(what);
    }
}

Console.WriteLine($"Waiting for {Report.Needed} ticks of 'every-second'...");

// The store says when the report changes: wait for the write that sends it, not a fixed time.
var sentOrTimeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using (runtime.Store.Watch("report.every-second").Subscribe(entry =>
{
    if (ReportFlow.Definition.ReadExecution(entry.Value).Phase == nameof(ReportPhase.Sent))
    {
        sentOrTimeout.TrySetResult();
    }
}))
{
    // Sent already (the watch sees only later writes), or sent while it waits, or 20 s pass.
    if ((await reports.GetAsync("every-second"))?.Phase != ReportPhase.Sent)
    {
        await sentOrTimeout.Task.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}

var report = await reports.GetAsync("every-second");
if (report is not null)
{
    Console.WriteLine($"     every-second: {report.Status} in {report.Phase}, ticks at {string.Join(", ", report.Ticks.Select(t => t.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)))}");
}

Expect(report is { Phase: ReportPhase.Sent, Status: ExecutionStatus.Completed }, $"the report collected {Report.Needed} ticks and was sent");
Expect(report is not null && report.Ticks.Count == Report.Needed, $"it holds exactly {Report.Needed} ticks");
Expect(report is not null && report.Ticks.Zip(report.Ticks.Skip(1)).All(p => p.Second - p.First == TimeSpan.FromSeconds(1)), "the ticks are one second apart, each on a whole second");
Expect(report is not null && report.Timeline.Select(e => e.Rule).SequenceEqual(["Collect", "Collect", "Send"]), "the timeline shows Collect, Collect, Send");
Expect(await reports.GetAsync("nightly") is null, "the nightly schedule (02:00 in Paris) did not tick");

Console.WriteLine(problems.Count == 0 ? "Every step ended as expected." : $"{problems.Count} step(s) did not end as expected.");
return problems.Count == 0 ? 0 : 1;
