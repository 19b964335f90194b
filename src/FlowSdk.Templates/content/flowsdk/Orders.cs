using FlowSdk;

namespace FlowSdkApp;

// One flow: an order is placed, then shipped. Try it:
//   dotnet run -- send orders.placed '{"OrderId": "o-1", "Total": 42.5}'
//   dotnet run -- send orders.shipped '{"OrderId": "o-1"}'
//   dotnet run -- inspect o-1
//   dotnet run -- graph

/// <summary>A customer placed an order (External: it comes from outside this project).</summary>
[Message("orders.placed", External = true)]
public sealed record OrderPlaced([property: CorrelationKey] string OrderId, decimal Total);

/// <summary>The order left the warehouse.</summary>
[Message("orders.shipped", External = true)]
public sealed record OrderShipped([property: CorrelationKey] string OrderId);

/// <summary>Where an order stands.</summary>
public enum OrderPhase
{
    /// <summary>Not yet placed.</summary>
    New,

    /// <summary>Placed, waiting to be shipped.</summary>
    Placed,

    /// <summary>Shipped: the execution is complete.</summary>
    [TerminalPhase]
    Shipped,
}

/// <summary>One order: the flow's state, stored with its execution.</summary>
[Flow<OrderPhase>("order")]
public partial class Order
{
    /// <summary>The order's total.</summary>
    public decimal Total { get; set; }
}

/// <summary>How an order moves: the first rule whose phase and conditions hold fires.</summary>
[Rules<Order>]
public static partial class OrderRules
{
    /// <summary>A placed order keeps its total.</summary>
    [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
    public static void Place(Order order, OrderPlaced placed) => order.Total = placed.Total;

    /// <summary>Shipping completes the order.</summary>
    [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
    public static void Ship(Order order, OrderShipped shipped)
    {
    }
}
