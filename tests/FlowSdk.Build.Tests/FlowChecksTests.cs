using FlowSdk.Build.Tests.Infrastructure;

namespace FlowSdk.Build.Tests;

/// <summary>The task's checks across assemblies, over manifests of assemblies compiled in memory.</summary>
public sealed class FlowChecksTests
{
    private static readonly Lazy<Compiled> Checkout = new(() => InMemoryAssembly.Compile("Checkout", "Checkout/Checkout.cs", Flows.Checkout));

    [Fact]
    public void A_consumer_whose_copy_of_a_message_differs_from_the_producer_gets_FLOW0203_at_its_declaration()
    {
        var source = Flows.FulfilmentWithOwnCopy("int");
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment/Fulfilment.cs", source, Checkout.Value);

        var issues = FlowChecks.Run(fulfilment.Manifest(), [Checkout.Value.Manifest()], checkConnections: true);

        var issue = Assert.Single(issues);
        Assert.Equal(FlowCodes.SchemaMismatch, issue.Code);
        Assert.True(issue.IsError);
        Assert.Equal(new SourcePosition("Fulfilment/Fulfilment.cs", Flows.LineOf(source, "record OrderPlaced"), Flows.ColumnOf(source, "OrderPlaced(")), issue.Location);
        Assert.Contains("'orders.placed'", issue.Message, StringComparison.Ordinal);
        Assert.Contains("only here: Total:int", issue.Message, StringComparison.Ordinal);
        Assert.Contains("only in 'Checkout': Total:decimal", issue.Message, StringComparison.Ordinal);
        Assert.Contains($"Checkout/Checkout.cs({Flows.LineOf(Flows.Checkout, "record OrderPlaced")},", issue.Message, StringComparison.Ordinal);
        Assert.Equal(FlowCodes.HelpLink("FLOW0203"), issue.HelpLink);
    }

    [Fact]
    public void A_consumer_whose_copy_matches_the_producer_is_fine()
    {
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment.cs", Flows.FulfilmentWithOwnCopy("decimal"), Checkout.Value);

        Assert.Empty(FlowChecks.Run(fulfilment.Manifest(), [Checkout.Value.Manifest()], checkConnections: true));
    }

    [Fact]
    public void The_producer_alone_has_nothing_to_report()
    {
        Assert.Empty(FlowChecks.Run(Checkout.Value.Manifest(), [], checkConnections: true));
    }

    [Fact]
    public void A_consumer_of_a_referenced_message_type_is_connected_when_a_flow_of_the_set_produces_it()
    {
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment.cs", Flows.FulfilmentOfSharedType, Checkout.Value);

        Assert.Empty(FlowChecks.Run(fulfilment.Manifest(), [Checkout.Value.Manifest()], checkConnections: true));
    }

    [Fact]
    public void A_referenced_message_type_no_flow_of_the_set_produces_gets_FLOW0201_unless_declared_external()
    {
        var contracts = InMemoryAssembly.Compile("Contracts", "Contracts.cs", Flows.Contracts);
        var source = """
            using FlowSdk;
            using Shop.Contracts;

            namespace Billing;

            public enum BillPhase { Open, [TerminalPhase] Closed }

            [Flow<BillPhase>("billing")]
            public partial class Bill { }

            [Rules<Bill>]
            public static partial class BillRules
            {
                [Rule(From = BillPhase.Open, To = BillPhase.Closed)]
                public static void Issue(Bill bill, InvoiceIssued issued) { }

                [Rule(From = BillPhase.Open, To = BillPhase.Closed)]
                public static void Pay(Bill bill, InvoicePaid paid) { }
            }
            """;
        var billing = InMemoryAssembly.Compile("Billing", "Billing.cs", source, contracts);

        var issue = Assert.Single(FlowChecks.Run(billing.Manifest(), [contracts.Manifest()], checkConnections: true));

        // InvoicePaid is External; InvoiceIssued is produced by no flow of Billing and Contracts.
        Assert.Equal(FlowCodes.UnproducedInput, issue.Code);
        Assert.False(issue.IsError);
        Assert.Equal(new SourcePosition("Billing.cs", Flows.LineOf(source, "void Issue("), Flows.ColumnOf(source, "Issue(")), issue.Location);
        Assert.Contains("Message 'Shop.Contracts.InvoiceIssued' (invoices.issued) triggers rule 'Issue' of flow 'billing'", issue.Message, StringComparison.Ordinal);
        Assert.Contains("Billing, Contracts", issue.Message, StringComparison.Ordinal);
        Assert.Empty(FlowChecks.Run(billing.Manifest(), [contracts.Manifest()], checkConnections: false));
    }

    [Fact]
    public void A_referenced_message_type_a_flow_publishes_and_no_flow_consumes_gets_FLOW0202()
    {
        var contracts = InMemoryAssembly.Compile("Contracts", "Contracts.cs", Flows.Contracts);
        var source = """
            using FlowSdk;
            using Shop.Contracts;

            namespace Billing;

            [Message("bills.opened", External = true)]
            public sealed record BillOpened([property: CorrelationKey] string InvoiceId);

            public enum BillPhase { Open, [TerminalPhase] Closed }

            [Flow<BillPhase>("billing")]
            public partial class Bill { }

            [Rules<Bill>]
            public static partial class BillRules
            {
                [Rule(From = BillPhase.Open, To = BillPhase.Closed)]
                public static InvoiceIssued Issue(Bill bill, BillOpened opened) => new(opened.InvoiceId, 10m);
            }
            """;
        var billing = InMemoryAssembly.Compile("Billing", "Billing.cs", source, contracts);

        var issue = Assert.Single(FlowChecks.Run(billing.Manifest(), [contracts.Manifest()], checkConnections: true));

        Assert.Equal(FlowCodes.UnconsumedOutput, issue.Code);
        Assert.Equal(Flows.LineOf(source, "InvoiceIssued Issue("), issue.Location.Line);
        Assert.Contains("Message 'Shop.Contracts.InvoiceIssued' (invoices.issued) is published by rule 'Issue' of flow 'billing'", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_on_message_types_of_the_assembly_itself_are_left_to_the_analyzers()
    {
        // Nothing produces OrderSubmitted-like 'orders.new' here, but the type is declared in this
        // assembly: FLOW0023 judges it, seeing code that sends one, which a manifest cannot show.
        var source = """
            using FlowSdk;

            namespace Solo;

            [Message("orders.new")]
            public sealed record NewOrder([property: CorrelationKey] string OrderId);

            public enum SoloPhase { Open, [TerminalPhase] Done }

            [Flow<SoloPhase>("solo")]
            public partial class Solo { }

            [Rules<Solo>]
            public static partial class SoloRules
            {
                [Rule(From = SoloPhase.Open, To = SoloPhase.Done)]
                public static void Take(Solo solo, NewOrder order) { }
            }
            """;

        Assert.Empty(FlowChecks.Run(InMemoryAssembly.Compile("Solo", "Solo.cs", source).Manifest(), [], checkConnections: true));
    }

    [Fact]
    public void A_flow_id_used_by_a_referenced_assembly_gets_FLOW0204()
    {
        var source = Flows.FulfilmentWithOwnCopy("decimal").Replace("[Flow<FulfilmentPhase>(\"fulfilment\")]", "[Flow<FulfilmentPhase>(\"checkout\")]", StringComparison.Ordinal);
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment.cs", source, Checkout.Value);

        var issue = Assert.Single(FlowChecks.Run(fulfilment.Manifest(), [Checkout.Value.Manifest()], checkConnections: true));

        Assert.Equal(FlowCodes.DuplicateFlowId, issue.Code);
        Assert.True(issue.IsError);
        Assert.Equal(Flows.LineOf(source, "public partial class Fulfilment"), issue.Location.Line);
        Assert.Contains("'Shop.Checkout.Checkout' (in referenced assembly 'Checkout'", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lifecycle_subjects_count_as_produced()
    {
        var contracts = InMemoryAssembly.Compile(
            "Contracts",
            "Contracts.cs",
            "using FlowSdk;\nnamespace Audit;\n[Message(\"checkout.done\")] public sealed record CheckoutDone([property: CorrelationKey] string ExecutionId, string Flow);");
        var source = """
            using FlowSdk;
            using Audit;

            namespace Auditing;

            public enum AuditPhase { Open, [TerminalPhase] Logged }

            [Flow<AuditPhase>("audit")]
            public partial class AuditLog { }

            [Rules<AuditLog>]
            public static partial class AuditRules
            {
                [Rule(From = AuditPhase.Open, To = AuditPhase.Logged)]
                public static void Log(AuditLog log, CheckoutDone done) { }
            }
            """;
        var audit = InMemoryAssembly.Compile("Audit", "Audit.cs", source, contracts);

        Assert.Equal(FlowCodes.UnproducedInput, Assert.Single(FlowChecks.Run(audit.Manifest(), [contracts.Manifest()], checkConnections: true)).Code);
        Assert.Empty(FlowChecks.Run(audit.Manifest(), [contracts.Manifest(), Checkout.Value.Manifest()], checkConnections: true));
    }

    [Fact]
    public void A_schedule_counts_as_the_producer_of_its_tick_declared_in_a_referenced_assembly()
    {
        var contracts = InMemoryAssembly.Compile("Contracts", "Contracts.cs", Flows.TickContract);
        var withSchedule = InMemoryAssembly.Compile("Reports", "Reports.cs", Flows.Reports(schedule: true), contracts);
        var withoutSchedule = InMemoryAssembly.Compile("Reports", "Reports.cs", Flows.Reports(schedule: false), contracts);

        Assert.Empty(FlowChecks.Run(withSchedule.Manifest(), [contracts.Manifest()], checkConnections: true));
        Assert.Equal(FlowCodes.UnproducedInput, Assert.Single(FlowChecks.Run(withoutSchedule.Manifest(), [contracts.Manifest()], checkConnections: true)).Code);
    }
}
