using System.Globalization;
using FlowSdk.Common;

namespace FlowSdk.Tests;

/// <summary>The checks across flows that the analyzers, the MSBuild task, validate and deploy share: kinds, IDs per scope, wording, links.</summary>
public sealed class CrossFlowChecksTests
{
    private static CheckMessage Message(string subject, string type, string owner, string schema = "", bool external = false, bool reported = true, params string[] members) =>
        new(subject, type, type, schema, members, external, owner, null) { Reported = reported };

    private static CheckPort In(string rule, CheckMessage message, bool reported = true) => new(rule, true, message) { Reported = reported };

    private static CheckPort Out(string rule, CheckMessage message, bool reported = true) => new(rule, false, message) { Reported = reported };

    private static CheckFlow Flow(string id, string owner, IReadOnlyList<CheckPort> ports, IReadOnlyList<string>? produced = null, bool reported = true) =>
        new(id, id, owner, null, ports, produced ?? []) { Reported = reported };

    private static CheckResult Run(CheckScope scope, params CheckFlow[] flows) => CrossFlowChecks.Run(new CheckInput(scope, "the set", flows, []));

    [Theory]
    [InlineData(0, "FLOW0022", "FLOW0023")]
    [InlineData(1, "FLOW0202", "FLOW0201")]
    [InlineData(2, "FLOW0202", "FLOW0201")]
    public void Unconnected_ports_are_warnings_under_the_scope_s_ids(int scopeNumber, string orphaned, string unproduced)
    {
        var scope = (CheckScope)scopeNumber;
        var result = Run(scope, Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "A")), Out("Ship", Message("orders.shipped", "OrderShipped", "A"))]));

        Assert.Equal(
            [("orphaned-output", orphaned, false, "Ship", "orders.shipped"), ("unproduced-input", unproduced, false, "Place", "orders.placed")],
            result.Issues.Select(i => (CrossFlowChecks.KindName(i.Kind), i.Id, i.IsError, i.Rule!, i.Subject!)).OrderBy(i => i.Item1, StringComparer.Ordinal));
        Assert.False(result.HasErrors);
    }

    [Fact]
    public void The_analyzers_descriptors_and_the_checks_say_the_same_words()
    {
        var result = Run(CheckScope.Compilation, Flow("order", "A", [Out("Ship", Message("orders.shipped", "OrderShipped", "A"))]));

        var issue = Assert.Single(result.Issues);
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, CrossFlowChecks.CompilationFormat(CheckKind.OrphanedOutput), [.. issue.Arguments]), issue.Message);
        Assert.Equal(
            "Message 'OrderShipped' (orders.shipped) is published by rule 'Ship' of flow 'order', but no rule in this assembly takes it. If it is consumed outside this assembly, declare the port external: [Message(\"orders.shipped\", External = true)]; otherwise add a rule that takes it.",
            issue.Message);
    }

    [Fact]
    public void A_port_is_connected_by_a_wildcard_consumer_a_schedule_or_code_that_sends_it_and_not_reported_when_external()
    {
        var consumer = Flow("audit", "A", [In("Log", Message("orders.*", "AnyOrder", "A"))]);
        var producer = Flow("order", "A", [Out("Ship", Message("orders.shipped", "OrderShipped", "A"))]);
        Assert.DoesNotContain(Run(CheckScope.Cluster, consumer, producer).Issues, i => i.Kind == CheckKind.OrphanedOutput);

        var ticked = Flow("report", "A", [In("Send", Message("reports.tick", "Tick", "A"))], produced: ["reports.tick"]);
        Assert.Empty(Run(CheckScope.Cluster, ticked).Issues);

        var sent = new CheckInput(CheckScope.Compilation, "", [Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "A"))])], []) { Sent = ["orders.placed"] };
        Assert.Empty(CrossFlowChecks.Run(sent).Issues);

        var external = Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "A", external: true))]);
        Assert.Empty(Run(CheckScope.Assemblies, external).Issues);
    }

    [Fact]
    public void Ports_that_are_not_reported_still_connect_others_but_are_not_reported_themselves()
    {
        var theirs = Flow("checkout", "B", [Out("Place", Message("orders.placed", "OrderPlaced", "B")), In("Pay", Message("orders.paid", "OrderPaid", "B"))], reported: false);
        var mine = Flow("fulfilment", "A", [In("Pack", Message("orders.placed", "OrderPlaced", "A"))]);

        Assert.Empty(Run(CheckScope.Assemblies, mine, theirs with { Ports = [.. theirs.Ports.Select(p => p with { Reported = false })] }).Issues);
    }

    [Fact]
    public void One_subject_with_two_types_is_FLOW0016_in_one_compilation_and_FLOW0203_across_flows()
    {
        var a = Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "order", "s1", members: ["OrderId:string"]))]);
        var b = Flow("audit", "A", [In("Log", Message("orders.placed", "OrderShipped", "audit", "s2", members: ["Id:string"]))]);

        var compilation = Run(CheckScope.Compilation, a, b).Issues.Where(i => i.IsError).ToList();
        Assert.Equal(["FLOW0016", "FLOW0016"], compilation.Select(i => i.Id));
        Assert.Equal(new object[] { "orders.placed", "OrderPlaced", "OrderShipped" }, compilation[0].Arguments);

        var cluster = Assert.Single(Run(CheckScope.Cluster, a, b).Issues, i => i.IsError);
        Assert.Equal((CheckKind.SubjectBoundToTwoTypes, "FLOW0203", "order"), (cluster.Kind, cluster.Id, cluster.Flow));
        Assert.Equal(
            "Subject 'orders.placed' is bound to both 'OrderPlaced' in flow 'order' and 'OrderShipped' in flow 'audit': a rule listening on it could not tell which type a message is. Give each message type its own subject.",
            cluster.Message);
        Assert.NotEmpty(cluster.Suggestions);
    }

    [Fact]
    public void Across_assemblies_a_copy_with_the_same_members_is_fine_and_different_members_are_a_schema_mismatch()
    {
        var theirs = Flow("checkout", "Checkout", [Out("Place", Message("orders.placed", "Shop.Checkout.OrderPlaced", "Checkout", "f1", reported: false, members: ["OrderId:string", "Total:decimal"]), reported: false)], reported: false);
        var copy = Flow("fulfilment", "Fulfilment", [In("Pack", Message("orders.placed", "Shop.Fulfilment.OrderPlaced", "Fulfilment", "f1", members: ["OrderId:string", "Total:decimal"]))]);
        Assert.Empty(Run(CheckScope.Assemblies, copy, theirs).Issues);

        var differs = Flow("fulfilment", "Fulfilment", [In("Pack", Message("orders.placed", "Shop.Fulfilment.OrderPlaced", "Fulfilment", "f2", members: ["OrderId:string", "Total:int"]))]);
        var issue = Assert.Single(Run(CheckScope.Assemblies, differs, theirs).Issues);
        Assert.Equal((CheckKind.SchemaMismatch, "FLOW0203", true), (issue.Kind, issue.Id, issue.IsError));
        Assert.Equal(
            "Subject 'orders.placed' carries Shop.Fulfilment.OrderPlaced {OrderId:string, Total:int} here, but Shop.Checkout.OrderPlaced {OrderId:string, Total:decimal} in referenced assembly 'Checkout'. Members differ (only here: Total:int; only in 'Checkout': Total:decimal). Both sides of a subject must agree on the message: share one message type, or make the declarations match.",
            issue.Message);
    }

    [Fact]
    public void A_flow_id_twice_is_FLOW0018_for_both_in_one_compilation_and_FLOW0204_only_against_another_assembly()
    {
        var one = Flow("order", "A", []);
        var two = Flow("order", "A", []);
        Assert.Equal(["FLOW0018", "FLOW0018"], Run(CheckScope.Compilation, one, two).Issues.Select(i => i.Id));
        Assert.Empty(Run(CheckScope.Assemblies, one, two).Issues);
        Assert.Empty(Run(CheckScope.Compilation, one, two with { IdDeclared = false }).Issues);

        var referenced = Flow("order", "B", [], reported: false);
        var issue = Assert.Single(Run(CheckScope.Assemblies, one, referenced).Issues);
        Assert.Equal(("FLOW0204", "Flow id 'order' is declared by both 'order' and 'order' (in referenced assembly 'B'): a flow id names the flow's subjects, state and deployment, so it must be unique. Give one of them another id."), (issue.Id, issue.Message));
    }

    [Fact]
    public void A_lifecycle_subject_that_a_message_uses_is_FLOW0035_in_one_compilation()
    {
        var flow = Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "A"))]) with { Lifecycle = [new("OnCompleted", "orders.placed")] };

        var issue = Assert.Single(Run(CheckScope.Compilation, flow).Issues, i => i.IsError);
        Assert.Equal((CheckKind.LifecycleSubjectConflict, "FLOW0035"), (issue.Kind, issue.Id));
        Assert.Equal(new object[] { "OnCompleted", "orders.placed", "order", "OrderPlaced" }, issue.Arguments);
        Assert.DoesNotContain(Run(CheckScope.Cluster, flow).Issues, i => i.IsError);
    }

    [Fact]
    public void Links_say_which_flow_s_output_feeds_which_flow_s_input()
    {
        var checkout = Flow("checkout", "A", [Out("Place", Message("orders.placed", "OrderPlaced", "A"))]);
        var fulfilment = Flow("fulfilment", "A", [In("Pack", Message("orders.placed", "OrderPlaced", "A"))]);
        var audit = Flow("audit", "A", [In("Log", Message("orders.>", "AnyOrder", "A"))]);

        Assert.Equal(
            [new CheckLink("orders.placed", "checkout", "Place", "fulfilment", "Pack", "OrderPlaced"), new CheckLink("orders.placed", "checkout", "Place", "audit", "Log", "AnyOrder")],
            Run(CheckScope.Cluster, checkout, fulfilment, audit).Links);
    }

    [Fact]
    public void Errors_come_first()
    {
        var a = Flow("order", "A", [In("Place", Message("orders.placed", "OrderPlaced", "order", "s1"))]);
        var b = Flow("audit", "A", [In("Log", Message("orders.placed", "OrderShipped", "audit", "s2"))]);

        var issues = Run(CheckScope.Cluster, a, b).Issues;
        Assert.True(issues[0].IsError);
        Assert.False(issues[^1].IsError);
    }
}
