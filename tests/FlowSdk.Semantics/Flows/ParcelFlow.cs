namespace FlowSdk.Semantics.Flows;

[Message("test.parcels.sent")]
public sealed record ParcelSent([property: CorrelationKey] string ParcelId);

/// <summary>The request of a publish-and-await: the runtime fills in <see cref="TaskId"/>.</summary>
[Message("test.parcels.rate.request")]
public sealed record RateRequest(string ParcelId, [property: TaskId] string TaskId = "");

[Message("test.parcels.rate.reply")]
public sealed record RateReply([property: TaskId] string TaskId, int Cents);

[Message("test.parcels.delivered")]
public sealed record ParcelDelivered([property: CorrelationKey] string ParcelId, bool Damaged = false);

public enum ParcelPhase
{
    New,
    Rating,
    Rated,
    [TerminalPhase]
    Delivered,
}

/// <summary>A flow that publishes its lifecycle events, under <c>test.parcels.events</c>.</summary>
[Flow<ParcelPhase>("parcel", Events = "test.parcels.events", Timeout = "01:00:00")]
public partial class Parcel
{
    public int Cents { get; set; }
}

[Rules<Parcel>]
public static partial class ParcelRules
{
    [Rule(From = ParcelPhase.New, To = ParcelPhase.Rating, AwaitReply = true)]
    public static RateRequest Send(Parcel parcel, ParcelSent sent) => new(sent.ParcelId);

    [Rule(From = ParcelPhase.Rating, To = ParcelPhase.Rated)]
    public static void Rate(Parcel parcel, RateReply reply) => parcel.Cents = reply.Cents;

    [Rule(From = ParcelPhase.Rated, To = ParcelPhase.Delivered)]
    public static void Deliver(Parcel parcel, ParcelDelivered delivered)
    {
        if (delivered.Damaged)
        {
            throw new InvalidOperationException("the parcel arrived damaged");
        }
    }
}

/// <summary>
/// The parcel flow's "cancelled" event read by a message type of another flow: any of the event's
/// members, with the event's types (the status as FlowSdk's enum, the time as a DateTimeOffset).
/// </summary>
[Message("test.parcels.events.cancelled")]
public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, string Flow, ExecutionStatus Status, string? By, string? Reason, long Sequence, DateTimeOffset At);

public enum AuditPhase
{
    Open,
    [TerminalPhase]
    Noted,
}

/// <summary>A flow that follows another flow's executions through its lifecycle events, like any message.</summary>
[Flow<AuditPhase>("parcel-audit")]
public partial class ParcelAudit
{
    public string Note { get; set; } = "";

    public DateTimeOffset CancelledAt { get; set; }
}

[Rules<ParcelAudit>]
public static partial class ParcelAuditRules
{
    [Rule(From = AuditPhase.Open, To = AuditPhase.Noted)]
    public static void Cancelled(ParcelAudit audit, ParcelCancelled cancelled)
    {
        audit.Note = $"{cancelled.Flow}/{cancelled.ExecutionId} {cancelled.Status} by {cancelled.By}: {cancelled.Reason} (#{cancelled.Sequence})";
        audit.CancelledAt = cancelled.At;
    }
}
