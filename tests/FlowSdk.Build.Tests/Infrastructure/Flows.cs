namespace FlowSdk.Build.Tests.Infrastructure;

/// <summary>Small flows the tests compile: a producer and consumers of the subject <c>orders.placed</c>.</summary>
internal static class Flows
{
    /// <summary>Checkout: takes an External <c>orders.submitted</c>, publishes <c>orders.placed</c> (OrderId: string, Total: decimal).</summary>
    public const string Checkout = """
        using FlowSdk;

        namespace Shop.Checkout;

        [Message("orders.submitted", External = true)]
        public sealed record OrderSubmitted([property: CorrelationKey] string OrderId, decimal Total);

        [Message("orders.placed")]
        public sealed record OrderPlaced([property: CorrelationKey] string OrderId, decimal Total);

        public enum CheckoutPhase { Open, [TerminalPhase] Placed }

        [Flow<CheckoutPhase>("checkout", Timeout = "00:05:00", MaxIterations = 2, OnCompleted = "checkout.done")]
        public partial class Checkout
        {
            public decimal Total { get; set; }
        }

        [Rules<Checkout>]
        public static partial class CheckoutRules
        {
            [Rule(From = CheckoutPhase.Open, To = CheckoutPhase.Placed)]
            [When(nameof(HasTotal), Description = "the order has a total")]
            public static OrderPlaced Place(Checkout checkout, OrderSubmitted submitted)
            {
                checkout.Total = submitted.Total;
                return new OrderPlaced(submitted.OrderId, submitted.Total);
            }

            private static bool HasTotal(OrderSubmitted submitted) => submitted.Total > 0;
        }
        """;

    /// <summary>A fulfilment flow that takes <c>orders.placed</c> as its own copy of the message, with <paramref name="totalType"/> for Total.</summary>
    public static string FulfilmentWithOwnCopy(string totalType) => $$"""
        using FlowSdk;

        namespace Shop.Fulfilment;

        [Message("orders.placed", External = true)]
        public sealed record OrderPlaced([property: CorrelationKey] string OrderId, {{totalType}} Total);

        public enum FulfilmentPhase { Waiting, [TerminalPhase] Packed }

        [Flow<FulfilmentPhase>("fulfilment")]
        public partial class Fulfilment
        {
            public string? Order { get; set; }
        }

        [Rules<Fulfilment>]
        public static partial class FulfilmentRules
        {
            [Rule(From = FulfilmentPhase.Waiting, To = FulfilmentPhase.Packed)]
            public static void Pack(Fulfilment fulfilment, OrderPlaced placed) => fulfilment.Order = placed.OrderId;
        }
        """;

    /// <summary>A fulfilment flow that takes the checkout's own <c>Shop.Checkout.OrderPlaced</c> (a referenced type).</summary>
    public const string FulfilmentOfSharedType = """
        using FlowSdk;
        using Shop.Checkout;

        namespace Shop.Fulfilment;

        public enum FulfilmentPhase { Waiting, [TerminalPhase] Packed }

        [Flow<FulfilmentPhase>("fulfilment")]
        public partial class Fulfilment
        {
            public string? Order { get; set; }
        }

        [Rules<Fulfilment>]
        public static partial class FulfilmentRules
        {
            [Rule(From = FulfilmentPhase.Waiting, To = FulfilmentPhase.Packed)]
            public static void Pack(Fulfilment fulfilment, OrderPlaced placed) => fulfilment.Order = placed.OrderId;
        }
        """;

    /// <summary>Messages only, no flow: a contracts assembly.</summary>
    public const string Contracts = """
        using FlowSdk;

        namespace Shop.Contracts;

        [Message("invoices.issued")]
        public sealed record InvoiceIssued([property: CorrelationKey] string InvoiceId, decimal Amount);

        [Message("invoices.paid", External = true)]
        public sealed record InvoicePaid([property: CorrelationKey] string InvoiceId);
        """;

    /// <summary>A tick message, declared in a contracts assembly of its own.</summary>
    public const string TickContract = """
        using System;
        using FlowSdk;
        using FlowSdk.Orchestration;

        namespace Reports.Contracts;

        [Message("reports.tick")]
        public sealed record ReportTick([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<ReportTick>
        {
            public static ReportTick Create(string schedule, DateTimeOffset at) => new(schedule, at);
        }
        """;

    /// <summary>A flow that takes <c>reports.tick</c>: with two schedules that publish it, or (without) from nobody.</summary>
    public static string Reports(bool schedule) => $$"""
        using FlowSdk;
        using FlowSdk.Orchestration;
        using Reports.Contracts;

        namespace Reports;

        public enum ReportPhase { Idle, Sent }

        [Flow<ReportPhase>("reports")]
        {{(schedule ? "[Schedule<ReportTick>(\"hourly\", Every = \"01:00:00\")]\n[Schedule<ReportTick>(\"nightly\", Cron = \"0 2 * * *\", TimeZone = \"Europe/Paris\", MissedTicks = MissedTickPolicy.CatchUpOnce)]" : "")}}
        public partial class Report
        {
            public int Sent { get; set; }
        }

        [Rules<Report>]
        public static partial class ReportRules
        {
            [Rule(From = ReportPhase.Idle, To = ReportPhase.Idle)]
            public static void Send(Report report, ReportTick tick) => report.Sent++;
        }
        """;


    /// <summary>The 1-based line of the first line of <paramref name="text"/> that contains <paramref name="find"/>.</summary>
    public static int LineOf(string text, string find)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var index = Array.FindIndex(lines, l => l.Contains(find, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{find}' is not in the text.");
        return index + 1;
    }

    /// <summary>The 1-based column of <paramref name="find"/> on its line.</summary>
    public static int ColumnOf(string text, string find)
    {
        var line = text.ReplaceLineEndings("\n").Split('\n')[LineOf(text, find) - 1];
        return line.IndexOf(find, StringComparison.Ordinal) + 1;
    }
}
