using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;

namespace FlowSdk.Tests;

/// <summary>The tests that run the tally flow, one at a time: the cache tests read the process-wide meter's measurements tagged with it.</summary>
[CollectionDefinition(Name)]
public sealed class TallyCollection
{
    public const string Name = "tally";
}

/// <summary>
/// An execution keeps only its latest timeline entries, counts the dropped ones, and numbers its
/// firings by every entry ever recorded, so its stored value stays bounded and its message ids unique.
/// </summary>
[Collection(TallyCollection.Name)]
public sealed class TimelineBoundTests
{
    [Fact]
    public async Task An_execution_keeps_the_latest_100_entries_by_default_and_its_stored_value_stops_growing()
    {
        await using var host = await FlowTestHost.StartAsync(TallyFlow.Definition);
        var tallies = new TallyClient(host.Runtime);
        var sizes = new List<int>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 150; i++)
            {
                await tallies.SendAsync(new TallyBumped("long-lived"));
            }

            await host.SettleAsync();
            sizes.Add(StoredSize(await host.GetAsync(TallyFlow.Definition, "long-lived")));
        }

        var tally = await host.GetAsync(TallyFlow.Definition, "long-lived");
        var execution = tally.Execution();
        Assert.Equal(450, tally.Total);
        Assert.Equal(100, execution.Timeline.Count);
        Assert.Equal((350L, 450L), (execution.DroppedTimelineEntries, execution.TimelineEntriesRecorded));
        Assert.Equal(new FlowTestHostOptions().Start, execution.FirstTimelineEntryAt);
        Assert.Equal(450, execution.Rules["Bump"].Firings);

        // Unbounded, each round would add 150 entries of about 130 bytes; bounded, only the counts' widths change.
        Assert.InRange(sizes[2] - sizes[1], -8, 8);
    }

    [Fact]
    public async Task Firings_past_the_bound_of_their_flow_publish_messages_with_ids_that_stay_unique()
    {
        await using var host = await FlowTestHost.StartAsync([TallyFlow.Definition], o => o.ConfigureRuntime = r => r.SetMaxTimelineEntries("tally", 10));
        var tallies = new TallyClient(host.Runtime);
        for (var i = 0; i < 60; i++)
        {
            await tallies.SendAsync(new TallyBumped("teller", Tell: true));
        }

        await host.SettleAsync();

        // Ids numbered by the kept entries would repeat once the timeline is full, and the
        // transport's duplicate window would drop every message after the tenth.
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), host.Messages.Of(TallyFlow.Ports.TallyTold).Select(t => t.Total));
        var execution = (await host.GetAsync(TallyFlow.Definition, "teller")).Execution();
        Assert.Equal(10, execution.Timeline.Count);
        Assert.Equal((50L, 60L), (execution.DroppedTimelineEntries, execution.TimelineEntriesRecorded));
    }

    [Fact]
    public void A_bound_below_one_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRuntime([TallyFlow.Definition], new FlowRuntimeOptions { MaxTimelineEntries = 0 }));
        Assert.Equal(nameof(FlowRuntimeOptions.MaxTimelineEntries), error.ParamName);
        var perFlow = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRuntimeOptions().SetMaxTimelineEntries("tally", 0));
        Assert.Contains("flow 'tally'", perFlow.Message, StringComparison.Ordinal);
    }

    private static int StoredSize(Tally tally) => FlowSerializer.Serialize(TallyFlow.Definition.StateFormatter, tally).Length;
}
