using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The fix for FLOW0022 and FLOW0023: declare the port External = true. The port checks see the
/// whole assembly, so their diagnostics are compilation-end (non-local) ones: the IDE offers the fix
/// where they are shown (a build, full solution analysis), and the tests allow that.
/// </summary>
public sealed class DeclareExternalPortCodeFixerTests
{
    private const string Flow = """

        public enum OrderPhase { Placed, [TerminalPhase] Shipped }

        [Flow<OrderPhase>("order")]
        public partial class Order { }

        [Rules<Order>]
        public static partial class OrderRules
        {
            [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
            public static OrderShipped Ship(Order order, OrderPlaced placed) => new(placed.OrderId);
        }
        """;

    [Fact]
    public Task Declares_an_input_without_producer_external() =>
        PortFixAsync(
            """
            using FlowSdk;

            [Message("orders.placed")]
            public sealed record {|FLOW0023:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow,
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow);

    [Fact]
    public Task Declares_an_output_without_consumer_external_among_other_attributes() =>
        PortFixAsync(
            """
            using System;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Serializable, Message(subject: "orders.shipped")]
            public sealed class {|FLOW0022:OrderShipped|}
            {
                public OrderShipped(string orderId) => OrderId = orderId;
                public string OrderId { get; }
            }
            """ + Flow,
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
            """ + Flow);

    [Fact]
    public Task Turns_External_false_into_true() =>
        PortFixAsync(
            """
            using FlowSdk;

            [Message("orders.placed", External = false)]
            public sealed record {|FLOW0023:OrderPlaced|}([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow,
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

            [Message("orders.shipped", External = true)]
            public sealed record OrderShipped(string OrderId);
            """ + Flow);

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
                public sealed record {|FLOW0023:OrderPlaced|}([property: CorrelationKey] string OrderId);

                [Message("orders.shipped")]
                public sealed record {|FLOW0022:OrderShipped|}(string OrderId);
                """ + Flow,
            FixedCode = """
                using FlowSdk;

                [Message("orders.placed", External = true)]
                public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

                [Message("orders.shipped", External = true)]
                public sealed record OrderShipped(string OrderId);
                """ + Flow,
        };
        return test.RunAsync();
    }

    private static Task PortFixAsync(string source, string fixedSource) =>
        new FlowCodeFixTest<DeclareExternalPortCodeFixer>
        {
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            TestCode = source,
            FixedCode = fixedSource,
        }.RunAsync();
}
