using System.Text.Json;

namespace FlowSdk.Hosting.Tests;

/// <summary>Fan-out edges in what <c>graph</c> draws: a thick "fan-out" edge from the parent flow to the child flow, a dashed "fan-in" edge back.</summary>
public sealed class FanOutGraphTests
{
    private static readonly FlowDefinition[] Flows = [FanOutSample.QuoteFlow.Definition, FanOutSample.PriceLookupFlow.Definition];

    [Fact]
    public void The_graph_draws_each_fan_out_group_to_its_child_flow_and_back()
    {
        var mermaid = FlowGraph.Render(Flows, "mermaid");
        Assert.Contains("  flow_quote ==>|\"fan-out prices: prices.lookup.requested\"| flow_price_lookup\n", mermaid);
        Assert.Contains("  flow_price_lookup -.->|\"fan-in prices (AnyError, timeout 00:01:00): prices.found\"| flow_quote\n", mermaid);

        var dot = FlowGraph.Render(Flows, "dot");
        Assert.Contains("  \"flow_quote__New\" -> \"flow_price_lookup__Requested\" [label=\"fan-out prices: prices.lookup.requested\", style=bold, color=darkgreen, ltail=\"cluster_flow_quote\", lhead=\"cluster_flow_price_lookup\"];", dot);
        Assert.Contains("  \"flow_price_lookup__Requested\" -> \"flow_quote__New\" [label=\"fan-in prices (AnyError, timeout 00:01:00): prices.found\", style=dashed, color=darkgreen, ltail=\"cluster_flow_price_lookup\", lhead=\"cluster_flow_quote\"];", dot);

        using var json = JsonDocument.Parse(FlowGraph.Render(Flows, "json"));
        var quote = json.RootElement.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "quote");
        var group = Assert.Single(quote.GetProperty("fanOuts").EnumerateArray());
        Assert.Equal(
            ("prices", "price-lookup", "prices.lookup.requested", "prices.found", "AnyError", "00:01:00"),
            (group.GetProperty("name").GetString(), group.GetProperty("childFlow").GetString(), group.GetProperty("input").GetString(), group.GetProperty("result").GetString(), group.GetProperty("mode").GetString(), group.GetProperty("timeout").GetString()));
    }

    [Fact]
    public void A_child_flow_that_is_not_drawn_is_a_plain_node()
    {
        var dot = FlowGraph.Render([FanOutSample.QuoteFlow.Definition], "dot");
        Assert.Contains("  \"child_price_lookup\" [label=\"price-lookup\", shape=box];", dot);
        Assert.Contains("  \"flow_quote__New\" -> \"child_price_lookup\" [label=\"fan-out prices: prices.lookup.requested\", style=bold, color=darkgreen, ltail=\"cluster_flow_quote\"];", dot);
        var mermaid = FlowGraph.Render([FanOutSample.QuoteFlow.Definition], "mermaid");
        Assert.Contains("  child_price_lookup[\"price-lookup\"]\n  flow_quote ==>|\"fan-out prices: prices.lookup.requested\"| child_price_lookup\n", mermaid);
    }
}
