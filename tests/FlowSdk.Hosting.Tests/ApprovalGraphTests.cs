using System.Text.Json;

namespace FlowSdk.Hosting.Tests;

/// <summary>Approval points in what <c>graph</c> draws: thick edges labelled "approval: &lt;rule&gt;", the policy and expiry in JSON.</summary>
public sealed class ApprovalGraphTests
{
    private static readonly FlowDefinition[] Flows = [ApprovalsSample.ExpenseFlow.Definition];

    [Fact]
    public void The_graph_marks_the_rules_that_require_approval()
    {
        var mermaid = FlowGraph.Render(Flows, "mermaid");
        Assert.Contains("flow_expense__New ==>|\"approval: Pay\"| flow_expense__Paid", mermaid);
        Assert.Contains("flow_expense__New ==>|\"approval: PaySmall\"| flow_expense__Paid", mermaid);
        Assert.Contains("flow_expense__New -->|\"Refuse\"| flow_expense__Refused", mermaid);

        var dot = FlowGraph.Render(Flows, "dot");
        Assert.Contains("\"flow_expense__New\" -> \"flow_expense__Paid\" [label=\"approval: Pay\", style=bold, color=darkorange];", dot);
        Assert.Contains("\"flow_expense__New\" -> \"flow_expense__Refused\" [label=\"Refuse\"];", dot);

        using var json = JsonDocument.Parse(FlowGraph.Render(Flows, "json"));
        var rules = json.RootElement.GetProperty("flows")[0].GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(("Ask", "2.00:00:00"), (rules["Pay"].GetProperty("approval").GetProperty("policy").GetString(), rules["Pay"].GetProperty("approval").GetProperty("expires").GetString()));
        Assert.Equal("Approve", rules["PaySmall"].GetProperty("approval").GetProperty("policy").GetString());
        Assert.False(rules["Refuse"].TryGetProperty("approval", out _));
    }
}
