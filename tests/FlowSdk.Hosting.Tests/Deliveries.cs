namespace FlowSdk.Hosting.Tests;

/// <summary>A message with the values JSON has no type for: dates, durations, bytes, decimals, GUIDs.</summary>
[Message("deliveries.booked")]
public sealed record DeliveryBooked(
    [property: CorrelationKey] string DeliveryId,
    DateTime At,
    DateTimeOffset Promised,
    TimeSpan Window,
    byte[]? Signature,
    decimal Fee,
    long Attempts,
    Guid Reference,
    DeliveryKind Kind,
    List<string>? Items);

/// <summary>How a delivery travels.</summary>
public enum DeliveryKind
{
    /// <summary>By road.</summary>
    Road,

    /// <summary>By air.</summary>
    Air,
}

/// <summary>The phases of a delivery.</summary>
public enum DeliveryPhase
{
    /// <summary>Not booked yet.</summary>
    New,

    /// <summary>Booked.</summary>
    [TerminalPhase]
    Booked,
}

/// <summary>One delivery: keeps what it was booked with.</summary>
[Flow<DeliveryPhase>("delivery")]
public partial class Delivery
{
    /// <summary>The booking.</summary>
    public DeliveryBooked? Booking { get; set; }
}

/// <summary>How a delivery moves.</summary>
[Rules<Delivery>]
public static partial class DeliveryRules
{
    /// <summary>A booking is kept.</summary>
    [Rule(From = DeliveryPhase.New, To = DeliveryPhase.Booked)]
    public static void Book(Delivery delivery, DeliveryBooked booked) => delivery.Booking = booked;
}
