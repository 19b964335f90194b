namespace FlowSdk.Semantics.Flows;

[Message("test.orders.placed")]
public sealed record OrderPlaced([property: CorrelationKey] string OrderId, int Amount);

[Message("test.orders.paid")]
public sealed record OrderPaid([property: CorrelationKey] string OrderId, int Amount);

[Message("test.orders.shipped")]
public sealed record OrderShipped([property: CorrelationKey] string OrderId);

[Message("test.orders.broken")]
public sealed record OrderBroken([property: CorrelationKey] string OrderId);

[Message("test.orders.noticed")]
public sealed record OrderNoticed(string OrderId, string Text);

public enum OrderPhase
{
    New,
    Placed,
    Paid,
    [TerminalPhase]
    Shipped,
}

[Flow<OrderPhase>("order")]
public partial class Order
{
    public int Amount { get; set; }

    public int Paid { get; set; }

    /// <summary>Which rules ran, in order: what first-match and re-evaluation tests look at.</summary>
    public string Path { get; set; } = "";
}

[Rules<Order>]
public static partial class OrderRules
{
    // Both Large and Normal can take a large order; declaration order says Large wins.
    [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
    [When(nameof(IsLarge), Description = "the amount is 1000 or more")]
    public static OrderNoticed Large(Order order, OrderPlaced placed)
    {
        order.Amount = placed.Amount;
        order.Path += "large;";
        return new OrderNoticed(placed.OrderId, "large order");
    }

    [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
    public static void Normal(Order order, OrderPlaced placed)
    {
        order.Amount = placed.Amount;
        order.Path += "normal;";
    }

    [Rule(From = OrderPhase.Placed, To = OrderPhase.Paid)]
    [When(nameof(PaysInFull), Description = "the payment covers the amount")]
    public static void Pay(Order order, OrderPaid paid)
    {
        order.Paid = paid.Amount;
        order.Path += "pay;";
    }

    [Rule(From = OrderPhase.Paid, To = OrderPhase.Shipped)]
    public static void Ship(Order order, OrderShipped shipped) => order.Path += "ship;";

    // A placed order that is shipped before payment is recorded, but stays Placed.
    [Rule(From = OrderPhase.Placed)]
    public static void EarlyShipment(Order order, OrderShipped shipped) => order.Path += "early;";

    [Rule]
    public static void Break(Order order, OrderBroken broken) => throw new InvalidOperationException("the warehouse is on fire");

    private static bool IsLarge(OrderPlaced placed) => placed.Amount >= 1000;

    private static bool PaysInFull(Order order, OrderPaid paid) => paid.Amount >= order.Amount;
}
