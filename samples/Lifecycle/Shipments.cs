using FlowSdk;

namespace LifecycleSample;

/// <summary>A shipment was booked.</summary>
[Message("shipments.booked")]
public sealed record ShipmentBooked([property: CorrelationKey] string ShipmentId, string Destination);

/// <summary>A scan of the parcel on its way.</summary>
[Message("shipments.scanned")]
public sealed record ParcelScanned([property: CorrelationKey] string ShipmentId, string Where);

/// <summary>The parcel was delivered.</summary>
[Message("shipments.delivered")]
public sealed record ParcelDelivered([property: CorrelationKey] string ShipmentId);

/// <summary>The carrier lost the parcel.</summary>
[Message("shipments.lost")]
public sealed record ParcelLost([property: CorrelationKey] string ShipmentId);

/// <summary>The phases of a shipment.</summary>
public enum ShipmentPhase
{
    /// <summary>Not booked yet.</summary>
    New,

    /// <summary>Booked, on its way.</summary>
    InTransit,

    /// <summary>Delivered.</summary>
    [TerminalPhase]
    Delivered,
}

/// <summary>One shipment.</summary>
[Flow<ShipmentPhase>("shipment", Timeout = "30.00:00:00")]
public partial class Shipment
{
    /// <summary>Where it goes.</summary>
    public string Destination { get; set; } = "";

    /// <summary>Where it was scanned, in the order the scans were handled.</summary>
    public string Route { get; set; } = "";
}

/// <summary>How a shipment moves.</summary>
[Rules<Shipment>]
public static partial class ShipmentRules
{
    /// <summary>A booked shipment is on its way.</summary>
    [Rule(From = ShipmentPhase.New, To = ShipmentPhase.InTransit)]
    public static void Book(Shipment shipment, ShipmentBooked booked) => shipment.Destination = booked.Destination;

    /// <summary>Each scan adds to the route.</summary>
    [Rule(From = ShipmentPhase.InTransit)]
    public static void Scan(Shipment shipment, ParcelScanned scanned) => shipment.Route += scanned.Where + ";";

    /// <summary>Delivered ends the shipment.</summary>
    [Rule(From = ShipmentPhase.InTransit, To = ShipmentPhase.Delivered)]
    public static void Deliver(Shipment shipment, ParcelDelivered delivered) => shipment.Route += "delivered;";

    /// <summary>A lost parcel fails the shipment; an operator may retry it once the parcel turns up.</summary>
    [Rule(From = ShipmentPhase.InTransit)]
    public static void Lose(Shipment shipment, ParcelLost lost, RuleContext context) => context.Fail("the carrier lost the parcel");
}
