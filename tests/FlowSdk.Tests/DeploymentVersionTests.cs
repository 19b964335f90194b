using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>A flow's deployment version changes with everything the generator emits for it, the lifecycle subjects included.</summary>
public sealed class DeploymentVersionTests
{
    [Fact]
    public void The_version_changes_with_the_event_prefix_and_stays_for_the_same_flow()
    {
        var parcel = ParcelFlow.Definition;
        Assert.Equal(FlowDeployments.VersionOf(parcel), FlowDeployments.VersionOf(Copy(parcel, parcel.Lifecycle)));

        var otherPrefix = FlowDeployments.VersionOf(Copy(parcel, parcel.Lifecycle with { Events = "test.parcels.audit" }));
        var noEvents = FlowDeployments.VersionOf(Copy(parcel, parcel.Lifecycle with { Events = null }));
        var ended = FlowDeployments.VersionOf(Copy(parcel, parcel.Lifecycle with { Events = null, Completed = "test.parcels.done" }));

        Assert.Equal(4, new[] { FlowDeployments.VersionOf(parcel), otherPrefix, noEvents, ended }.Distinct().Count());
    }

    private static FlowDefinition<Parcel> Copy(FlowDefinition<Parcel> flow, LifecycleSubjects lifecycle) => new(
        flow.Id, flow.Phases, flow.TerminalPhases, flow.MaxIterations, flow.StateFormatter, flow.Inputs, flow.StateRules, flow.Timeout, lifecycle, flow.Schedules, flow.FanOuts);
}
