using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;

namespace FlowSdk.Analyzers.Tests;

/// <summary>The fix for CS0592 on a FlowSdk property attribute written on a positional record parameter: add the property: target.</summary>
public sealed class AddPropertyTargetCodeFixerTests
{
    [Fact]
    public Task Adds_the_property_target_to_a_correlation_key() =>
        Verify.FragmentCodeFixAsync<AddPropertyTargetCodeFixer>(
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([{|CS0592:CorrelationKey|}] string OrderId, int Amount);
            """,
            """
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId, int Amount);
            """);

    [Fact]
    public Task Adds_the_property_target_to_every_flowsdk_attribute_of_a_record_struct() =>
        Verify.FragmentCodeFixAsync<AddPropertyTargetCodeFixer>(
            """
            using FlowSdk;

            [Message("orders.checked", External = true)]
            public readonly record struct OrderChecked([{|CS0592:FlowSdk.CorrelationKey|}] string OrderId, [{|CS0592:TaskIdAttribute|}] string TaskId);
            """,
            """
            using FlowSdk;

            [Message("orders.checked", External = true)]
            public readonly record struct OrderChecked([property: FlowSdk.CorrelationKey] string OrderId, [property: TaskIdAttribute] string TaskId);
            """);

    [Fact]
    public Task Moves_the_attribute_out_of_a_list_it_shares_with_a_parameter_attribute() =>
        Verify.FragmentCodeFixAsync<AddPropertyTargetCodeFixer>(
            """
            using System.Diagnostics.CodeAnalysis;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([NotNull, {|CS0592:CorrelationKey|}] string OrderId, int Amount);
            """,
            """
            using System.Diagnostics.CodeAnalysis;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] [NotNull] string OrderId, int Amount);
            """);

    [Fact]
    public Task Offers_nothing_for_an_attribute_that_is_not_flowsdk_s() =>
        Verify.FragmentCodeFixAsync<AddPropertyTargetCodeFixer>(
            """
            using System;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId, [{|CS0592:Obsolete|}] int Amount);
            """,
            """
            using System;
            using FlowSdk;

            [Message("orders.placed", External = true)]
            public sealed record OrderPlaced([property: CorrelationKey] string OrderId, [{|CS0592:Obsolete|}] int Amount);
            """);

    [Fact]
    public Task Offers_nothing_on_a_parameter_of_a_method() =>
        Verify.FragmentCodeFixAsync<AddPropertyTargetCodeFixer>(
            """
            using FlowSdk;

            public static class Orders
            {
                public static void Place([{|CS0592:CorrelationKey|}] string orderId) { }
            }
            """,
            """
            using FlowSdk;

            public static class Orders
            {
                public static void Place([{|CS0592:CorrelationKey|}] string orderId) { }
            }
            """);
}
