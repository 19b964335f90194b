using FlowSdk;

namespace OrdersSample;

/// <summary>A customer placed an order.</summary>
[Message("orders.placed", External = true)]
public sealed record OrderPlaced([property: CorrelationKey] string OrderId, decimal Total);

/// <summary>The payment for an order arrived.</summary>
[Message("orders.paid", External = true)]
public sealed record OrderPaid([property: CorrelationKey] string OrderId, decimal Amount);

/// <summary>The warehouse is asked to ship an order.</summary>
[Message("warehouse.ship", External = true)]
public sealed record ShipmentRequested(string OrderId, decimal Total);

/// <summary>The phases of an order.</summary>
public enum OrderPhase
{
    /// <summary>Not yet placed.</summary>
    New,

    /// <summary>Placed, waiting for payment.</summary>
    Placed,

    /// <summary>Paid and handed to the warehouse.</summary>
    [TerminalPhase]
    Shipped,
}

/// <summary>One order.</summary>
[Flow<OrderPhase>("order", Timeout = "1.00:00:00", OnCompleted = "orders.shipped")]
public partial class Order
{
    /// <summary>The order's total.</summary>
    public decimal Total { get; set; }

    /// <summary>What the customer paid.</summary>
    public decimal Paid { get; set; }
}

/// <summary>How an order moves.</summary>
[Rules<Order>]
public static partial class OrderRules
{
    /// <summary>A placed order waits for payment.</summary>
    [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
    public static void Place(Order order, OrderPlaced placed) => order.Total = placed.Total;

    /// <summary>A payment that covers the total ships the order.</summary>
    [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
    [When(nameof(CoversTotal), Description = "the payment covers the total")]
    public static ShipmentRequested Ship(Order order, OrderPaid paid)
    {
        order.Paid = paid.Amount;
        return new ShipmentRequested(order.Id, order.Total);
    }

    private static bool CoversTotal(Order order, OrderPaid paid) => paid.Amount >= order.Total;
}
