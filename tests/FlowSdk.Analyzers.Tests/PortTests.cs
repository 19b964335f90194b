using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The ports of an assembly: FLOW0022 (an output nothing consumes), FLOW0023 (an input nothing
/// produces), both silenced by <c>External = true</c>; FLOW0024 (FlowSdk annotations but no flow).
/// </summary>
public sealed class PortTests
{
    // A two-flow assembly: orders ask billing for an invoice and wait for it to be paid.
    private const string Flows = """

        public enum OrderPhase { Placed, Billing, [TerminalPhase] Paid }

        [Flow<OrderPhase>("order")]
        public partial class Order { }

        public enum InvoicePhase { Open, [TerminalPhase] Settled }

        [Flow<InvoicePhase>("invoice")]
        public partial class Invoice { }
        """;

    [Fact]
    public Task Ports_connected_inside_the_assembly_are_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("invoices.requested")]
            public sealed record InvoiceRequested([property: CorrelationKey] string OrderId);

            [Message("invoices.paid")]
            public sealed record InvoicePaid([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static InvoiceRequested Place(Order order, OrderPlaced placed) => new(placed.OrderId);

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, InvoicePaid paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static InvoicePaid Bill(Invoice invoice, InvoiceRequested requested) => new(requested.OrderId);
            }
            """ + Flows);

    [Fact]
    public Task Output_that_no_rule_takes_is_reported_at_the_rule_that_publishes_it_and_the_message_type() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped")]
            public sealed record {|#1:OrderShipped|}([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static {|#0:OrderShipped|} Place(Order order, OrderPlaced placed) => new(placed.OrderId);

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, OrderPlaced placed) { }
            }
            """ + Flows,
            Verify.Diagnostic(DiagnosticDescriptors.OutputPortWithoutConsumer)
                .WithLocation(0)
                .WithLocation(1)
                .WithMessage("Message 'OrderShipped' (orders.shipped) is published by rule 'Place' of flow 'order', but no rule in this assembly takes it. If it is consumed outside this assembly, declare the port external: [Message(\"orders.shipped\", External = true)]; otherwise add a rule that takes it."));

    [Fact]
    public Task Input_that_nothing_produces_is_reported_at_the_rule_that_takes_it_and_the_message_type() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record {|#1:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static void Place(Order order, OrderPlaced {|#0:placed|}) { }

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, ReviewCompleted paid) { }
            }
            """ + Flows,
            Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer)
                .WithLocation(0)
                .WithLocation(1)
                .WithMessage("Message 'OrderPlaced' (orders.placed) triggers rule 'Place' of flow 'order', but nothing in this assembly produces it: no rule returns it and no code creates one. If it is sent from outside this assembly, declare the port external: [Message(\"orders.placed\", External = true)]; otherwise add a rule that returns it."));

    [Theory]
    [InlineData("public static OrderPlaced Sample() => new(\"order-1\");")]
    [InlineData("public static OrderPlaced Sample() => new OrderPlaced(\"order-1\");")]
    [InlineData("public static OrderPlaced Again(OrderPlaced placed) => placed with { OrderId = \"order-2\" };")]
    public Task Input_created_by_code_of_the_assembly_has_a_producer(string producer) =>
        Verify.AnalyzerAsync(
            $$"""
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            // Say, the controller that sends orders through the generated client.
            public static class OrderDesk
            {
                {{producer}}
            }

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static void Place(Order order, OrderPlaced placed) { }

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, ReviewCompleted paid) { }
            }
            """ + Flows);

    [Fact]
    public Task External_ports_are_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static OrderShipped Place(Order order, OrderPlaced placed) => new(placed.OrderId);

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, OrderPlaced placed) { }
            }
            """ + Flows);

    [Fact]
    public Task External_false_is_not_external() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = false)]
            public sealed record {|#1:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static void Place(Order order, OrderPlaced {|#0:placed|}) { }

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, ReviewCompleted paid) { }
            }
            """ + Flows,
            Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer).WithLocation(0).WithLocation(1).WithArguments("OrderPlaced", "orders.placed", "Place", "order"));

    [Fact]
    public Task Ports_of_a_test_flow_are_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped")]
            public sealed record OrderShipped([property: CorrelationKey] string OrderId);

            public enum ProbePhase { Waiting, Unused, [TerminalPhase] Done }

            [TestFlow]
            [Flow<ProbePhase>("order-probe")]
            public partial class OrderProbe { }

            [Rules<OrderProbe>]
            public static partial class OrderProbeRules
            {
                [Rule(From = ProbePhase.Waiting, To = ProbePhase.Waiting)]
                public static OrderShipped Ship(OrderProbe probe, OrderPlaced placed) => new(placed.OrderId);
            }
            """);

    [Fact]
    public Task The_same_flow_without_TestFlow_is_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record {|#3:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Message("orders.shipped")]
            public sealed record {|#5:OrderShipped|}([property: CorrelationKey] string OrderId);

            public enum ProbePhase { {|#7:Waiting|}, {|#0:Unused|}, [TerminalPhase] {|#1:Done|} }

            [Flow<ProbePhase>("order-probe")]
            public partial class OrderProbe { }

            [Rules<OrderProbe>]
            public static partial class OrderProbeRules
            {
                [Rule(From = ProbePhase.Waiting, To = {|#2:ProbePhase.Waiting|})]
                public static {|#4:OrderShipped|} Ship(OrderProbe probe, OrderPlaced {|#6:placed|}) => new(placed.OrderId);
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase).WithLocation(0).WithArguments("Unused", "order-probe", "Waiting", "ProbePhase"),
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase).WithLocation(1).WithArguments("Done", "order-probe", "Waiting", "ProbePhase"),
            Verify.Diagnostic(DiagnosticDescriptors.PhaseWithoutExit).WithLocation(7).WithArguments("Waiting", "order-probe", "ProbePhase"),
            Verify.Diagnostic(DiagnosticDescriptors.LoopWithoutMaxIterations).WithLocation(2).WithArguments("Ship", "order-probe", "Waiting", "Waiting"),
            Verify.Diagnostic(DiagnosticDescriptors.OutputPortWithoutConsumer).WithLocation(4).WithLocation(5).WithArguments("OrderShipped", "orders.shipped", "Ship", "order-probe"),
            Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer).WithLocation(6).WithLocation(3).WithArguments("OrderPlaced", "orders.placed", "Ship", "order-probe"));

    [Fact]
    public Task Messages_no_rule_uses_are_not_ports() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.archived")]
            public sealed record OrderArchived([property: CorrelationKey] string OrderId);

            [Rules<Order>]
            public static partial class OrderRules
            {
                [Rule(From = OrderPhase.Placed, To = OrderPhase.Billing)]
                public static void Place(Order order, PlanSubmitted placed) { }

                [Rule(From = OrderPhase.Billing, To = OrderPhase.Paid)]
                public static void Pay(Order order, ReviewCompleted paid) { }
            }

            [Rules<Invoice>]
            public static partial class InvoiceRules
            {
                [Rule(From = InvoicePhase.Open, To = InvoicePhase.Settled)]
                public static void Settle(Invoice invoice, ReviewCompleted paid) { }
            }
            """ + Flows);

    [Fact]
    public Task Rules_without_any_flow_are_reported_at_the_rules_class()
    {
        var test = new FlowAnalyzerTest
        {
            TestCode = """
                using FlowSdk;

                public class Order { }

                [Rules<{|FLOW0006:Order|}>]
                public static partial class {|#0:OrderRules|}
                {
                    [Rule]
                    public static void Log(PlanSubmitted submitted) { }
                }
                """,
        };
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticDescriptors.NoUsableFlow)
            .WithLocation(0)
            .WithMessage("Assembly 'TestProject' declares rules class 'OrderRules' but no flow the generator can use, so no flow is generated. Declare a partial class marked [Flow<TPhase>(\"id\")] and fix the errors reported on it, or declare messages this assembly only shares with others External = true."));
        return test.RunAsync();
    }

    [Fact]
    public Task Flow_the_generator_cannot_use_leaves_the_assembly_without_flows() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public class {|#0:PlanReview|} { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotPartial).WithLocation(0).WithArguments("PlanReview"),
            Verify.Diagnostic(DiagnosticDescriptors.NoStartRule).WithLocation(0).WithArguments("plan-review", "Draft", "PlanReview", "PlanPhase"),
            Verify.Diagnostic(DiagnosticDescriptors.NoUsableFlow).WithLocation(0).WithArguments("TestProject", "flow state class 'PlanReview'"),
            Verify.Diagnostic(DiagnosticDescriptors.PhaseWithoutExit).WithLocation("Shared.cs", 3, 25).WithArguments("Draft", "plan-review", "PlanPhase"),
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase).WithLocation("Shared.cs", 3, 32).WithArguments("InReview", "plan-review", "Draft", "PlanPhase"),
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase).WithLocation("Shared.cs", 3, 58).WithArguments("Approved", "plan-review", "Draft", "PlanPhase"));

    [Fact]
    public Task Messages_without_any_flow_are_reported_unless_external() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record {|#0:OrderPlaced|}([property: CorrelationKey] string OrderId);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.NoUsableFlow).WithLocation(0).WithArguments("TestProject", "message 'OrderPlaced'"));

    [Fact]
    public Task Contracts_assembly_of_external_messages_is_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);
            """);
}
