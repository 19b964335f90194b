using System.Text.Json;

namespace FlowSdk.Hosting.Tests;

/// <summary>Schedules in what <c>graph</c> draws and what <c>validate</c> checks.</summary>
public sealed class ScheduleGraphTests
{
    private static readonly FlowDefinition[] Flows = [SweepFlow.Definition];

    [Fact]
    public void The_graph_draws_each_schedule_ticking_on_its_subject_which_the_rules_take_into_their_phases()
    {
        var mermaid = FlowGraph.Render(Flows, "mermaid");
        Assert.Contains("    schedule_sweep__hourly{{\"schedule hourly: every 01:00:00\"}}\n", mermaid);
        Assert.Contains("    schedule_sweep__nightly{{\"schedule nightly: cron 0 2 * * *\"}}\n", mermaid);
        Assert.Contains("  schedule_sweep__hourly -.->|\"ticks\"| subject_sweeps_due\n", mermaid);
        Assert.Contains("  subject_sweeps_due -.->|\"Start\"| flow_sweep__Waiting\n", mermaid);
        Assert.Contains("  subject_sweeps_due -.->|\"Finish\"| flow_sweep__Sweeping\n", mermaid);

        var dot = FlowGraph.Render(Flows, "dot");
        Assert.Contains("\"schedule_sweep__nightly\" [label=\"schedule nightly: cron 0 2 * * *\", shape=hexagon];", dot);
        Assert.Contains("\"schedule_sweep__nightly\" -> \"subject_sweeps_due\" [label=\"ticks\", style=dashed];", dot);

        using var json = JsonDocument.Parse(FlowGraph.Render(Flows, "json"));
        var schedules = json.RootElement.GetProperty("flows")[0].GetProperty("schedules").EnumerateArray().ToList();
        Assert.Equal(["hourly", "nightly"], schedules.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("CatchUpOnce", schedules[1].GetProperty("missedTicks").GetString());
        Assert.Equal(["Waiting", "Sweeping"], schedules[0].GetProperty("phases").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void A_tick_port_is_produced_by_its_schedule_so_validate_does_not_report_it()
    {
        var issues = FlowValidation.Validate(Flows).Issues;
        Assert.DoesNotContain(issues, i => i.Message.Contains("sweeps.due", StringComparison.Ordinal));
    }
}
