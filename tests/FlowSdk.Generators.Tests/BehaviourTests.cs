using FlowSdk.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Tests;

/// <summary>
/// The generated code does what the annotations say: compiled and loaded, its definitions describe
/// the flows as declared, and the flows run on the embedded runtime through the generated clients.
/// </summary>
public sealed class BehaviourTests
{
    [Fact]
    public void PlanReview_definition_lists_phases_and_rules_in_declaration_order()
    {
        using var assembly = Load(Cases.PlanReview());

        var flow = (FlowDefinition)assembly.StaticProperty("PlanReviewSample.PlanReviewFlow", "Definition")!;

        Assert.Equal("plan-review", flow.Id);
        Assert.Equal(["Drafted", "InReview", "Revising", "Approved"], flow.Phases);
        Assert.Equal(["Approved"], flow.TerminalPhases);
        Assert.Equal(3, flow.MaxIterations);
        Assert.Equal(["plans.submitted", "plans.review.completed", "plans.revised", "plans.revision.requested"], flow.InputSubjects);
        Assert.Equal(
            [
                "PlanReviewSample.PlanReviewRules.Submit MessageAndState plans.submitted Drafted->InReview [] All => plans.review.requested",
                "PlanReviewSample.PlanReviewRules.Approve MessageAndState plans.review.completed InReview->Approved [IsApproved: the reviewer approved] All => -",
                "PlanReviewSample.PlanReviewRules.RequestRevision MessageAndState plans.review.completed InReview->Revising [] All => plans.revision.requested",
                "PlanReviewSample.PlanReviewRules.Resubmit MessageAndState plans.revised Revising->InReview [] All => plans.review.requested",
                "PlanReviewSample.AuthorRules.Revise Message plans.revision.requested *->* [] All => plans.revised",
            ],
            flow.Rules.Select(Describe));

        var desk = (FlowDefinition)assembly.StaticProperty("PlanReviewSample.ReviewDeskFlow", "Definition")!;
        Assert.Equal("review-desk", desk.Id);
        Assert.Equal(0, desk.MaxIterations);
        Assert.Equal(
            [
                "PlanReviewSample.ReviewDeskRules.Approve MessageAndState plans.review.requested Reviewing->Closed [IsReviewable: the plan is not on hold, HasEverySection: the plan has every required section] All => plans.review.completed",
                "PlanReviewSample.ReviewDeskRules.AskForChanges MessageAndState plans.review.requested Reviewing->* [IsReviewable: the plan is not on hold] All => plans.review.completed",
            ],
            desk.Rules.Select(Describe));
    }

    [Fact]
    public void Shipping_definition_lists_every_rule_with_its_conditions()
    {
        using var assembly = Load(Cases.ShippingCompilation());

        var flow = (FlowDefinition)assembly.StaticProperty("Acme.Shipping.ShipmentFlow", "Definition")!;

        Assert.Equal(["Created", "Packed", "Shipped", "Delivered", "Lost"], flow.Phases);
        Assert.Equal(["Delivered", "Lost"], flow.TerminalPhases);
        Assert.Equal(2, flow.MaxIterations);
        Assert.Equal(
            [
                "Acme.Shipping.ShipmentRules.Create MessageAndState shipping.created Created->* [] All => -",
                "Acme.Shipping.ShipmentRules.Pack MessageAndState shipping.packed Created->Packed [] All => shipping.label.requested",
                "Acme.Shipping.ShipmentRules.Deliver MessageAndState shipping.scanned Shipped->Delivered [AtTheDoor: scanned at the shipment's address, MarkedFinal: MarkedFinal] Any => -",
                "Acme.Shipping.ShipmentRules.Scan MessageAndState shipping.scanned *->* [] All => -",
                "Acme.Shipping.ShipmentRules.Ship MessageAndState shipping.label.printed Packed->Shipped [] All => -",
                "Acme.Shipping.LabelPrinterRules.Print Message shipping.label.requested *->* [IsPost: by post, IsWorthIt: costs more than 1 <unit> & \"cheap\"] All => shipping.label.printed",
            ],
            flow.Rules.Select(Describe));
    }

    [Fact]
    public void Approval_rules_carry_their_policy_and_expiry_with_the_flow_defaults_applied()
    {
        const string source = """
            using FlowSdk;

            namespace Acme.Refunds;

            public enum RefundPhase { Requested, [TerminalPhase] Paid }

            [Message("refunds.requested")]
            public sealed record RefundRequested([property: CorrelationKey] string RefundId);

            [Message("refunds.waived")]
            public sealed record RefundWaived([property: CorrelationKey] string RefundId);

            [Message("refunds.noted")]
            public sealed record RefundNoted([property: CorrelationKey] string RefundId);

            [Flow<RefundPhase>("refund", ApprovalPolicy = ApprovalPolicy.Deny, ApprovalExpires = "03:00:00")]
            public partial class Refund { }

            [Rules<Refund>]
            public static partial class RefundRules
            {
                [Rule(To = RefundPhase.Paid)]
                [RequiresApproval]
                public static void Pay(Refund refund, RefundRequested requested) { }

                [Rule]
                [RequiresApproval(Policy = ApprovalPolicy.Ask, Expires = "1.00:00:00")]
                public static void Waive(Refund refund, RefundWaived waived) { }

                [Rule]
                public static void Note(Refund refund, RefundNoted noted) { }

                public static bool Rejected(Refund refund) => refund.LastApproval is { Approved: false };
            }
            """;
        using var assembly = Load(TestCompilation.Create([new SourceFile("Refund.cs", source)], "RefundCase"));

        var flow = (FlowDefinition)assembly.StaticProperty("Acme.Refunds.RefundFlow", "Definition")!;

        Assert.Equal(
            [
                ("Pay", new ApprovalInfo(ApprovalPolicy.Deny, TimeSpan.FromHours(3))),
                ("Waive", new ApprovalInfo(ApprovalPolicy.Ask, TimeSpan.FromDays(1))),
                ("Note", (ApprovalInfo?)null),
            ],
            flow.Rules.Select(r => (r.Name, r.Approval)));
    }

    [Fact]
    public void A_state_read_back_keeps_the_bookkeeping_in_the_ExecutionInfo_its_constructor_made()
    {
        const string source = """
            using FlowSdk;

            namespace Acme.Tallies;

            public enum TallyPhase { Open, [TerminalPhase] Closed }

            [Message("tallies.added")]
            public sealed record Added([property: CorrelationKey] string TallyId, int Amount);

            [Flow<TallyPhase>("tally")]
            public partial class Tally
            {
                public Tally() => MadeWith = ((IFlowState)this).Execution;

                [MessagePack.IgnoreMember]
                public ExecutionInfo MadeWith { get; }

                public int Total { get; set; }
            }

            [Rules<Tally>]
            public static partial class TallyRules
            {
                [Rule]
                public static void Add(Tally tally, Added added) => tally.Total += added.Amount;
            }
            """;
        using var assembly = Load(TestCompilation.Create([new SourceFile("Tally.cs", source)], "TallyCase"));
        var flow = (FlowDefinition)assembly.StaticProperty("Acme.Tallies.TallyFlow", "Definition")!;
        var definition = flow.GetType();
        var state = definition.GetMethod("Start")!.Invoke(flow, ["t-1", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)])!;
        state.GetType().GetProperty("Total")!.SetValue(state, 7);
        var formatter = definition.GetProperty("StateFormatter")!.GetValue(flow)!;
        var serialize = typeof(MessagePack.MessagePackSerializer).GetMethods()
            .Single(m => m.Name == "Serialize" && m.IsGenericMethod && m.GetParameters() is [{ ParameterType.IsGenericParameter: true }, { ParameterType.Name: "MessagePackSerializerOptions" }, _])
            .MakeGenericMethod(state.GetType());
        var options = MessagePack.MessagePackSerializerOptions.Standard.WithResolver(
            MessagePack.Resolvers.CompositeResolver.Create([(MessagePack.Formatters.IMessagePackFormatter)formatter], [MessagePack.Resolvers.StandardResolver.Instance]));
        var bytes = (byte[])serialize.Invoke(null, [state, options, default(CancellationToken)])!;
        var deserialize = typeof(MessagePack.MessagePackSerializer).GetMethods()
            .Single(m => m.Name == "Deserialize" && m.IsGenericMethod && m.GetParameters() is [{ ParameterType.Name: "ReadOnlyMemory`1" }, { ParameterType.Name: "MessagePackSerializerOptions" }, _])
            .MakeGenericMethod(state.GetType());

        var copy = (IFlowState)deserialize.Invoke(null, [new ReadOnlyMemory<byte>(bytes), options, default(CancellationToken)])!;

        Assert.Equal(7, copy.GetType().GetProperty("Total")!.GetValue(copy));
        Assert.Equal("t-1", copy.Execution.Id);
        Assert.Equal("tally", copy.Execution.Flow);
        Assert.Same(copy.GetType().GetProperty("MadeWith")!.GetValue(copy), copy.Execution);
    }

    [Fact]
    public void The_state_reads_its_phase_as_the_phase_enum_and_an_unknown_phase_as_its_default()
    {
        const string source = """
            using FlowSdk;

            namespace Acme.Lights;

            public enum LightPhase { Red = 3, Green = 5, [TerminalPhase] Off = 7 }

            [Message("lights.switched")]
            public sealed record Switched([property: CorrelationKey] string LightId);

            [Flow<LightPhase>("light")]
            public partial class Light
            {
            }

            [Rules<Light>]
            public static partial class LightRules
            {
                [Rule(From = LightPhase.Red, To = LightPhase.Green)]
                public static void Go(Light light, Switched switched) { }
            }
            """;
        using var assembly = Load(TestCompilation.Create([new SourceFile("Light.cs", source)], "LightCase"));
        var flow = (FlowDefinition)assembly.StaticProperty("Acme.Lights.LightFlow", "Definition")!;
        var state = (IFlowState)flow.GetType().GetMethod("Start")!.Invoke(flow, ["l-1", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)])!;
        var setPhase = typeof(ExecutionInfo).GetProperty(nameof(ExecutionInfo.Phase))!.SetMethod!;
        var phase = state.GetType().GetProperty("Phase")!;

        string PhaseOf(string stored)
        {
            setPhase.Invoke(state.Execution, [stored]);
            return phase.GetValue(state)!.ToString()!;
        }

        Assert.Equal("Red", PhaseOf("Red"));
        Assert.Equal("Green", PhaseOf("Green"));
        Assert.Equal("Off", PhaseOf("Off"));
        // Names are compared ordinally; anything else is the enum's default (0: no member here).
        Assert.Equal("0", PhaseOf("green"));
        Assert.Equal("0", PhaseOf("Nope"));
        Assert.Equal("0", PhaseOf(""));
    }

    [Fact]
    public void Generated_ports_round_trip_messages_with_their_formatters()
    {
        using var assembly = Load(Cases.ShippingCompilation());
        var port = assembly.StaticField<object>("Acme.Shipping.ShipmentFlow+Ports", "ParcelScanned");
        var scannedType = assembly.Type("Acme.Shipping.ParcelScanned");
        var scanned = Activator.CreateInstance(scannedType)!;
        scannedType.GetProperty("ShipmentId")!.SetValue(scanned, new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"));
        scannedType.GetProperty("Location")!.SetValue(scanned, "Depot");
        scannedType.GetProperty("At")!.SetValue(scanned, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)));

        var bytes = (byte[])port.GetType().GetMethod("Serialize")!.Invoke(port, [scanned])!;
        var copy = port.GetType().GetMethod("Deserialize")!.Invoke(port, [new ReadOnlyMemory<byte>(bytes)])!;

        Assert.Equal("shipping.scanned", port.GetType().GetProperty("Subject")!.GetValue(port));
        Assert.Equal(assembly.Type("Acme.Shipping.ParcelScannedFormatter"), port.GetType().GetProperty("Formatter")!.GetValue(port)!.GetType());
        Assert.Equal(scanned, copy, new PropertyComparer());
        var json = MessagePack.MessagePackSerializer.ConvertToJson(bytes);
        Assert.StartsWith("{\"ShipmentId\":", json, StringComparison.Ordinal);
        Assert.Contains("\"Location\":\"Depot\",\"Comment\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanReview_flows_run_through_the_generated_clients()
    {
        using var assembly = Load(Cases.PlanReview(), Probes.PlanReview);

        var report = await assembly.InvokeAsync("PlanReviewSample.GeneratedCodeProbe", "RunAsync");

        Assert.Equal(
            """
            plan ready: Completed Approved #1 [Submit, Approve] Ready
            desk ready: Completed Closed rounds=1
            plan no-rollback: Completed Approved #2 [Submit, RequestRevision, Resubmit, Approve] No rollback
            desk no-rollback: Completed Closed rounds=2
            """.ReplaceLineEndings("\n"),
            report);
    }

    [Fact]
    public async Task Shipping_flow_runs_with_guid_keys_message_only_rules_and_or_conditions()
    {
        using var assembly = Load(Cases.ShippingCompilation(), Probes.Shipping);

        var report = await assembly.InvokeAsync("Acme.Shipping.GeneratedCodeProbe", "RunAsync");

        Assert.Equal(
            """
            0f8fad5b-d9cb-469f-a165-70867728950e: Completed Delivered Express scans=1 label=Post:9.5 last=Van note=- [Create, Pack, Ship, Scan, Deliver]
            7c9e6679-7425-40de-944b-e07fc1f90ae7: Running Packed Normal scans=0 label=- last=- note=ring twice [Create, Pack]
            """.ReplaceLineEndings("\n"),
            report);
    }

    private static InMemoryAssembly Load(Compilation input, params SourceFile[] extra)
    {
        var compilation = input.AddSyntaxTrees(extra.Select(f => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(f.Text, TestCompilation.ParseOptions, f.Path)));
        var output = GeneratorRunner.Run(compilation).AssertClean();
        return InMemoryAssembly.Load(output.Output);
    }

    private static string Describe(RuleInfo rule) =>
        $"{rule} {rule.Trigger} {rule.Source} {rule.From ?? "*"}->{rule.To ?? "*"} [{string.Join(", ", rule.Conditions.Select(c => $"{c.Name}: {c.Description}"))}] {rule.ConditionMode} => {rule.Output ?? "-"}";

    private sealed class PropertyComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) =>
            x is not null && y is not null && x.GetType() == y.GetType()
            && x.GetType().GetProperties().All(p => Object.Equals(p.GetValue(x), p.GetValue(y)));

        public int GetHashCode(object obj) => 0;
    }
}
