using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// FLOW0055 (an invalid fan-out group), FLOW0056 (a child flow that never yields the group's result) and
/// FLOW0057 (a start message no rule of the child flow starts an execution with).
/// </summary>
public sealed class FanOutTests
{
    private const string Messages = """
        using FlowSdk;

        [Message("batches.started")]
        public sealed record BatchStarted([property: CorrelationKey] string BatchId);

        [Message("items.price.requested")]
        public sealed record PriceRequested([property: CorrelationKey] string ItemId, string Sku);

        [Message("items.priced")]
        public sealed record ItemPriced(string ItemId, decimal Price);

        public enum BatchPhase { New, Pricing, [TerminalPhase] Priced }

        public enum ItemPhase { Requested, Looking, [TerminalPhase] Done }

        [Flow<ItemPhase>("item")]
        public partial class Item { public decimal Price { get; set; } }

        """;

    [Fact]
    public Task A_child_that_publishes_its_result_before_it_ends_is_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [{|#0:FanOut<Item, PriceRequested, ItemPriced>("items")|}]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                // The result goes out while the item is still looking; the rule that ends it returns nothing.
                [Rule(From = ItemPhase.Requested, To = ItemPhase.Looking)]
                public static ItemPriced Look(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);

                [Rule(From = ItemPhase.Looking, To = ItemPhase.Done)]
                public static void Finish(Item item) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FanOutChildWithoutResult)
                .WithLocation(0)
                .WithArguments("items", "batch", "item", "ItemPriced"));

    [Fact]
    public Task A_child_whose_ending_rule_returns_the_result_is_not_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [FanOut<Item, PriceRequested, ItemPriced>("items", Mode = FanOutMode.AnyError, Timeout = "00:05:00")]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                [Rule(From = ItemPhase.Requested, To = ItemPhase.Done)]
                public static ItemPriced Price(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);
            }
            """);

    [Fact]
    public Task An_invalid_group_name_and_timeout_and_a_name_used_twice_are_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [{|#0:FanOut<Item, PriceRequested, ItemPriced>("Items")|}]
            [{|#1:FanOut<Item, PriceRequested, ItemPriced>("prices", Timeout = "5 minutes")|}]
            [FanOut<Item, PriceRequested, ItemPriced>("items")]
            [{|#2:FanOut<Item, PriceRequested, ItemPriced>("items")|}]
            [{|#3:FanOut<Batch, PriceRequested, ItemPriced>("batches")|}]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                [Rule(From = ItemPhase.Requested, To = ItemPhase.Done)]
                public static ItemPriced Price(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidFanOut).WithLocation(0)
                .WithArguments("Items", "batch", "'Items' is not a valid fan-out group name: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'items')"),
            Verify.Diagnostic(DiagnosticDescriptors.InvalidFanOut).WithLocation(1)
                .WithArguments("prices", "batch", "Timeout = \"5 minutes\" is not a duration longer than zero written as [d.]hh:mm:ss (for example \"00:05:00\")"),
            Verify.Diagnostic(DiagnosticDescriptors.InvalidFanOut).WithLocation(2)
                .WithArguments("items", "batch", "another fan-out group of the flow has the same name; give each its own"),
            Verify.Diagnostic(DiagnosticDescriptors.FanOutChildWithoutResult).WithLocation(3)
                .WithArguments("batches", "batch", "batch", "ItemPriced"),
            Verify.Diagnostic(DiagnosticDescriptors.FanOutInputStartsNoChild).WithLocation(3)
                .WithArguments("batches", "batch", "batch", "PriceRequested", "New"));

    [Fact]
    public Task A_start_message_no_rule_of_the_child_takes_is_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [{|#0:FanOut<Item, BatchStarted, ItemPriced>("items")|}]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                // The children are started with a BatchStarted, but the item flow starts on a PriceRequested.
                [Rule(From = ItemPhase.Requested, To = ItemPhase.Done)]
                public static ItemPriced Price(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FanOutInputStartsNoChild)
                .WithLocation(0)
                .WithArguments("items", "batch", "item", "BatchStarted", "Requested"));

    [Fact]
    public Task A_start_message_the_child_takes_only_in_a_later_phase_or_without_its_state_is_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [{|#0:FanOut<Item, PriceRequested, ItemPriced>("items")|}]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                // Takes the start message, but only once the item is looking: no execution is ever created.
                [Rule(From = ItemPhase.Looking, To = ItemPhase.Done)]
                public static ItemPriced Price(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);

                // Message only: reacts to the start message without creating an execution.
                [Rule]
                public static void Log(PriceRequested requested) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FanOutInputStartsNoChild)
                .WithLocation(0)
                .WithArguments("items", "batch", "item", "PriceRequested", "Requested"));

    [Fact]
    public Task A_start_message_taken_by_a_rule_without_From_starts_the_child_and_is_not_reported() =>
        Verify.FragmentAsync(Messages + """
            [Flow<BatchPhase>("batch")]
            [FanOut<Item, PriceRequested, ItemPriced>("items")]
            public partial class Batch { }

            [Rules<Item>]
            public static partial class ItemRules
            {
                [Rule(To = ItemPhase.Done)]
                public static ItemPriced Price(Item item, PriceRequested requested) => new(requested.ItemId, 9.5m);
            }
            """);
}
