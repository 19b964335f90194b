using FlowSdk.Orchestration;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>What a schedule built by hand refuses, as FLOW0051 does at compile time.</summary>
public sealed class ScheduleDefinitionTests
{
    [Fact]
    public void A_time_zone_with_an_interval_is_refused_naming_the_schedule()
    {
        var error = Assert.Throws<ArgumentException>(() => new ScheduleDefinition<ClockTicked>("daily", ClockFlow.Ports.ClockTicked, every: TimeSpan.FromDays(1), timeZone: "Europe/Paris"));

        Assert.Equal("timeZone", error.ParamName);
        Assert.StartsWith("Schedule 'daily': TimeZone 'Europe/Paris' applies to a cron expression only", error.Message, StringComparison.Ordinal);
        Assert.Equal("Europe/Paris", new ScheduleDefinition<ClockTicked>("daily", ClockFlow.Ports.ClockTicked, cron: "0 0 * * *", timeZone: "Europe/Paris").TimeZone);
    }
}
