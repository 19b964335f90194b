using FlowSdk;

namespace FlowSdk.Benchmarks.Firing;

/// <summary>The phases of the benchmark's order.</summary>
public enum OrderPhase
{
    /// <summary>Placed, not paid.</summary>
    Placed,

    /// <summary>Paid, not shipped.</summary>
    Paid,

    /// <summary>Shipped.</summary>
    [TerminalPhase]
    Shipped,
}

/// <summary>A payment arrived.</summary>
[Message("bench.orders.paid", External = true)]
public sealed record PaymentReceived([property: CorrelationKey] string OrderId, decimal Amount);

/// <summary>The order left the warehouse.</summary>
[Message("bench.orders.shipped", External = true)]
public sealed record OrderShipped([property: CorrelationKey] string OrderId);

/// <summary>One order: the state of the firing benchmark.</summary>
[Flow<OrderPhase>("bench-order")]
public partial class Order
{
    /// <summary>What the order costs.</summary>
    public decimal Total { get; set; }

    /// <summary>What was paid.</summary>
    public decimal Paid { get; set; }
}

/// <summary>The transition every contender performs: Placed to Paid when the payment covers the total.</summary>
[Rules<Order>]
public static partial class OrderRules
{
    /// <summary>A covering payment moves the order to Paid.</summary>
    [Rule(From = OrderPhase.Placed, To = OrderPhase.Paid)]
    [When(nameof(CoversTotal), Description = "the payment covers the total")]
    public static void Pay(Order order, PaymentReceived payment) => order.Paid = payment.Amount;

    /// <summary>A shipped order is done.</summary>
    [Rule(From = OrderPhase.Paid, To = OrderPhase.Shipped)]
    public static void Ship(Order order, OrderShipped shipped)
    {
    }

    private static bool CoversTotal(Order order, PaymentReceived payment) => payment.Amount >= order.Total;
}
