using FlowSdk;

namespace AotSerializationSample;

/// <summary>The phases of a basket.</summary>
public enum BasketPhase
{
    /// <summary>Items are added.</summary>
    Open,

    /// <summary>Paid.</summary>
    [TerminalPhase]
    CheckedOut,
}

/// <summary>How an item is shipped.</summary>
public enum Shipping
{
    /// <summary>By post.</summary>
    Post,

    /// <summary>By courier.</summary>
    Courier,
}

/// <summary>A line of a basket.</summary>
public sealed record Line(string Sku, int Quantity, decimal Price, Shipping Shipping);

/// <summary>Where a basket goes.</summary>
public sealed record Address(string Street, string City, string? Note);

/// <summary>An item was added.</summary>
[Message("shop.item.added", External = true)]
public sealed record ItemAdded([property: CorrelationKey] string BasketId, Line Line, IReadOnlyList<string> Tags, DateTimeOffset At);

/// <summary>The basket was paid.</summary>
[Message("shop.checked.out", External = true)]
public sealed record CheckedOut([property: CorrelationKey] string BasketId, Guid Payment, Address ShipTo);

/// <summary>A basket.</summary>
[Flow<BasketPhase>("basket")]
public partial class Basket
{
    /// <summary>The lines.</summary>
    public List<Line> Lines { get; set; } = [];

    /// <summary>Quantities by SKU.</summary>
    public Dictionary<string, int> Quantities { get; set; } = [];

    /// <summary>The tags seen.</summary>
    public HashSet<string> Tags { get; set; } = [];

    /// <summary>Where it goes.</summary>
    public Address? ShipTo { get; set; }

    /// <summary>The payment.</summary>
    public Guid? Payment { get; set; }

    /// <summary>How long it stayed open.</summary>
    public TimeSpan OpenFor { get; set; }

    /// <summary>A thumbnail.</summary>
    public byte[] Thumbnail { get; set; } = [];
}

/// <summary>The basket's rules.</summary>
[Rules<Basket>]
public static partial class BasketRules
{
    /// <summary>Adds an item.</summary>
    /// <param name="basket">The basket.</param>
    /// <param name="added">The item.</param>
    [Rule(From = BasketPhase.Open)]
    public static void Add(Basket basket, ItemAdded added)
    {
        basket.Lines.Add(added.Line);
        basket.Quantities[added.Line.Sku] = basket.Quantities.GetValueOrDefault(added.Line.Sku) + added.Line.Quantity;
        basket.Tags.UnionWith(added.Tags);
        basket.Thumbnail = [.. basket.Thumbnail, (byte)basket.Lines.Count];
    }

    /// <summary>Checks out.</summary>
    /// <param name="basket">The basket.</param>
    /// <param name="checkedOut">The payment.</param>
    [Rule(From = BasketPhase.Open, To = BasketPhase.CheckedOut)]
    public static void CheckOut(Basket basket, CheckedOut checkedOut)
    {
        basket.ShipTo = checkedOut.ShipTo;
        basket.Payment = checkedOut.Payment;
        basket.OpenFor = TimeSpan.FromMinutes(12.5);
    }
}
