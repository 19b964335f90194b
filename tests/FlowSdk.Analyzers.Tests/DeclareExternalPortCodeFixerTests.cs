using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The fix for FLOW0022 and FLOW0023: declare the port External = true. The diagnostics sit on the
/// rule that publishes or takes the message; the fix edits the message's declaration, their first
/// additional location, in whichever file it is. The port checks see the whole assembly, so their
/// diagnostics are compilation-end (non-local) ones: the IDE offers the fix where they are shown (a
/// build, full solution analysis), and the tests allow that.
/// </summary>
public sealed class DeclareExternalPortCodeFixerTests
{
    /// <summary>The flow; <paramref name="output"/> and <paramref name="input"/> wrap the rule's return type and message parameter (test markup).</summary>
    private static string Flow(string output = "OrderShipped", string input = "placed") => $$"""

        public enum OrderPhase { Placed, [TerminalPhase] Shipped }

        [Flow<OrderPhase>("order")]
        public partial class Order { }

        [Rules<Order>]
        public static partial class OrderRules
        {
            [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
            public static {{output}} Ship(Order order, OrderPlaced {{input}}) => new(placed.OrderId);
        }
        """;

    [Fact]
    public Task Declares_an_input_without_producer_external() =>
        PortFixAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record {|#1:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow(input: "{|#0:placed|}"),
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow(),
            Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer).WithLocation(0).WithLocation(1).WithArguments("OrderPlaced", "orders.placed", "Ship", "order"));

    [Fact]
    public Task Declares_an_output_without_consumer_external_among_other_attributes() =>
        PortFixAsync(
            """
            using System;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Serializable, Message(subject: "orders.shipped")]
            public sealed class {|#1:OrderShipped|}
            {
                public OrderShipped(string orderId) => OrderId = orderId;
                public string OrderId { get; }
            }
            """ + Flow(output: "{|#0:OrderShipped|}"),
            """
            using System;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Serializable, Message(subject: "orders.shipped", External = true)]
            public sealed class OrderShipped
            {
                public OrderShipped(string orderId) => OrderId = orderId;
                public string OrderId { get; }
            }
            """ + Flow(),
            Verify.Diagnostic(DiagnosticDescriptors.OutputPortWithoutConsumer).WithLocation(0).WithLocation(1).WithArguments("OrderShipped", "orders.shipped", "Ship", "order"));

    [Fact]
    public Task Turns_External_false_into_true() =>
        PortFixAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = false)]
            public sealed record {|#1:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow(input: "{|#0:placed|}"),
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow(),
            Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer).WithLocation(0).WithLocation(1).WithArguments("OrderPlaced", "orders.placed", "Ship", "order"));

    [Fact]
    public async Task Declares_the_port_external_in_the_file_of_the_message()
    {
        const string Messages = """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);
            """;
        var test = new FlowCodeFixTest<DeclareExternalPortCodeFixer> { CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck };
        test.TestState.Sources.Add(("Flow.cs", "using FlowSdk;\n" + Flow(output: "{|#0:OrderShipped|}")));
        test.TestState.Sources.Add(("Messages.cs", Messages + "\n\n[Message(\"orders.shipped\")]\npublic sealed record {|#1:OrderShipped|}(string OrderId);\n"));
        test.FixedState.Sources.Add(("Flow.cs", "using FlowSdk;\n" + Flow()));
        test.FixedState.Sources.Add(("Messages.cs", Messages + "\n\n[Message(\"orders.shipped\", External = true)]\npublic sealed record OrderShipped(string OrderId);\n"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticDescriptors.OutputPortWithoutConsumer).WithLocation(0).WithLocation(1).WithArguments("OrderShipped", "orders.shipped", "Ship", "order"));
        await test.RunAsync();
    }

    [Fact]
    public Task Fix_all_declares_every_dangling_port_external()
    {
        var test = new FlowCodeFixTest<DeclareExternalPortCodeFixer>
        {
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            CodeActionEquivalenceKey = DeclareExternalPortCodeFixer.Key,
            NumberOfFixAllIterations = 1,
            TestCode = """
                using FlowSdk;

                [Message("orders.placed")]
                public sealed record {|#1:OrderPlaced|}([property: CorrelationKey] string OrderId);

                [Message("orders.shipped")]
                public sealed record {|#3:OrderShipped|}(string OrderId);
                """ + Flow(output: "{|#2:OrderShipped|}", input: "{|#0:placed|}"),
            FixedCode = """
                using FlowSdk;

                [Message("orders.placed", External = true)]
                public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

                [Message("orders.shipped", External = true)]
                public sealed record OrderShipped(string OrderId);
                """ + Flow(),
        };
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticDescriptors.InputPortWithoutProducer).WithLocation(0).WithLocation(1).WithArguments("OrderPlaced", "orders.placed", "Ship", "order"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticDescriptors.OutputPortWithoutConsumer).WithLocation(2).WithLocation(3).WithArguments("OrderShipped", "orders.shipped", "Ship", "order"));
        return test.RunAsync();
    }

    private static Task PortFixAsync(string source, string fixedSource, DiagnosticResult expected)
    {
        var test = new FlowCodeFixTest<DeclareExternalPortCodeFixer>
        {
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            TestCode = source,
            FixedCode = fixedSource,
        };
        test.ExpectedDiagnostics.Add(expected);
        return test.RunAsync();
    }
}
