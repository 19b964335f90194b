using System.Text;

namespace FlowSdk.Tests;

/// <summary>The flow's shape in its deployment record: what deploy-time validation reads of flows other hosts deployed.</summary>
public sealed class DeploymentRecordShapeTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void The_shape_round_trips_through_the_record_s_json()
    {
        var shape = new FlowShape(
            "order",
            [
                new FlowPort(true, "orders.placed", "OrderPlaced", "0123456789abcdef", ["OrderId", "Total"], "Place") { External = true },
                new FlowPort(false, "warehouse.ship", "?", "", [], "Ship"),
            ],
            ["orders.shipped"]);
        var record = new DeploymentRecord("order", DeploymentState.Deployed, "v1", "alice", At, DeploymentAction.Deploy, 0) { Shape = shape };

        var read = DeploymentRecord.FromJson(record.ToJson(), 7);

        Assert.Equal(record with { Revision = 7, Shape = null }, read with { Shape = null });
        Assert.Equal(
            [(true, "orders.placed", "OrderPlaced", "0123456789abcdef", "OrderId,Total", "Place", true), (false, "warehouse.ship", "?", "", "", "Ship", false)],
            read.Shape!.Ports.Select(p => (p.IsInput, p.Subject, p.MessageType, p.Schema, string.Join(",", p.Members), p.Rule, p.External)));
        Assert.Equal(["orders.shipped"], read.Shape.Produced);
    }

    [Fact]
    public void A_record_without_a_shape_reads_as_unknown_and_a_broken_shape_is_a_clear_error()
    {
        const string Old = """{"flow":"order","state":"Running","version":"v1","changedBy":"bob","changedAt":"2026-01-02T03:04:05.0000000+00:00"}""";
        Assert.Null(DeploymentRecord.FromJson(Encoding.UTF8.GetBytes(Old), 1).Shape);

        var broken = Old[..^1] + ""","shape":{"ports":[{"direction":"sideways","subject":"a","messageType":"A","rule":"R"}],"produced":[]}}""";
        var error = Assert.Throws<FormatException>(() => DeploymentRecord.FromJson(Encoding.UTF8.GetBytes(broken), 1));
        Assert.Equal("Deployment record of flow 'order': a port's direction 'sideways' is not 'in' or 'out'.", error.Message);
    }

    [Fact]
    public void Validation_leaves_out_a_deployed_flow_whose_record_has_no_shape_and_says_so()
    {
        var old = new DeploymentRecord("legacy", DeploymentState.Running, "v0", "bob", At, null, 1);
        var gone = new DeploymentRecord("gone", DeploymentState.NotDeployed, "v0", "bob", At, DeploymentAction.Undeploy, 1) { Shape = new FlowShape("gone", [], []) };

        var result = FlowValidation.ValidateWithDeployed([], [old, gone], reportDeployed: true);

        Assert.Equal(["legacy"], result.Unchecked);
        Assert.Empty(result.Flows);
        Assert.Contains("note: flow 'legacy' is deployed without port information", result.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fan_out_group_produces_its_children_s_start_message_and_takes_their_result()
    {
        var together = FlowValidation.Validate([FlowSdk.Semantics.Flows.FanBatchFlow.Definition, FlowSdk.Semantics.Flows.FanItemFlow.Definition]);

        Assert.DoesNotContain(together.Issues, i => i.Subject is "test.fanout.item.started" or "test.fanout.item.done");

        var parentAlone = FlowValidation.Validate([FlowSdk.Semantics.Flows.FanBatchFlow.Definition]).ToText();

        Assert.Contains("Message '?' (test.fanout.item.started) is published by rule 'fan-out group all' of flow 'fanout-batch', but no rule in these flows takes it.", parentAlone, StringComparison.Ordinal);
        Assert.Contains("Message 'ItemDone' (test.fanout.item.done) triggers rule 'fan-out group all' of flow 'fanout-batch', but nothing in these flows produces it", parentAlone, StringComparison.Ordinal);
    }
}
