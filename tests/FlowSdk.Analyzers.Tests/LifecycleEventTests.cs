using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// FLOW0038: a message type on a subject where a flow publishes its lifecycle events must read an
/// ExecutionEvent; one that does is an input the runtime produces (no FLOW0023), and the event
/// prefix is a subject like any other (FLOW0006).
/// </summary>
public sealed class LifecycleEventTests
{
    private const string Parcel = """

        [Message("parcels.sent", External = true)]
        public sealed record ParcelSent([property: CorrelationKey] string ParcelId);

        [Message("parcels.delivered", External = true)]
        public sealed record ParcelDelivered([property: CorrelationKey] string ParcelId);

        public enum ParcelPhase { New, Sent, [TerminalPhase] Delivered }

        [Flow<ParcelPhase>("parcel", Events = "parcels.events")]
        public partial class Parcel { }

        [Rules<Parcel>]
        public static partial class ParcelRules
        {
            [Rule(From = ParcelPhase.New, To = ParcelPhase.Sent)]
            public static void Send(Parcel parcel, ParcelSent sent) { }

            [Rule(From = ParcelPhase.Sent, To = ParcelPhase.Delivered)]
            public static void Deliver(Parcel parcel, ParcelDelivered delivered) { }
        }

        public enum AuditPhase { Open, [TerminalPhase] Noted }

        [Flow<AuditPhase>("audit")]
        public partial class Audit { }

        [Rules<Audit>]
        public static partial class AuditRules
        {
            [Rule(From = AuditPhase.Open, To = AuditPhase.Noted)]
            public static void Note(Audit audit, ParcelCancelled cancelled) { }
        }
        """;

    [Fact]
    public Task A_message_that_reads_the_event_is_fed_by_the_runtime() =>
        Verify.AnalyzerAsync(
            """
            using System;
            using FlowSdk;

            [Message("parcels.events.cancelled")]
            public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, string Flow, ExecutionStatus Status, string? By, string? Reason, long Sequence, DateTimeOffset At, string Kind);
            """ + Parcel);

    [Theory]
    [InlineData("int Amount", "its member 'Amount' is not a member of ExecutionEvent (it has Flow, ExecutionId, Kind, Status, Phase, Sequence, At, Iteration, Rule, Trigger, Action, FromPhase, By, Reason, WaitingFor)")]
    [InlineData("int Sequence", "its member 'Sequence' is int, and the event's Sequence is a long")]
    [InlineData("DateTime At", "its member 'At' is System.DateTime, and the event's At is a DateTimeOffset")]
    [InlineData("TriggerKind Status", "its member 'Status' is FlowSdk.TriggerKind, and the event's Status is an ExecutionStatus (or its name as a string)")]
    [InlineData("string Reason", "its member 'Reason' is not nullable, and events of some kinds have no Reason")]
    public Task A_message_that_does_not_read_the_event_is_reported_at_its_subject(string member, string problem) =>
        Verify.AnalyzerAsync(
            $$"""
            #nullable enable
            using System;
            using FlowSdk;

            [Message({|#0:"parcels.events.cancelled"|})]
            public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, {{member}});
            """ + Parcel,
            Verify.Diagnostic(DiagnosticDescriptors.EventMessageDoesNotMatch)
                .WithLocation(0)
                .WithArguments("ParcelCancelled", "parcels.events.cancelled", "parcel", problem));

    [Fact]
    public Task An_event_prefix_that_is_not_a_subject_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Events = {|#0:"plans.*"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSubject)
                .WithLocation(0)
                .WithArguments("plans.*", "the lifecycle event prefix of flow 'plan-review'", "token 2 is the wildcard '*', which only a subscription may use"));

    [Fact]
    public Task Every_member_that_does_not_read_the_event_is_named_at_once() =>
        Verify.AnalyzerAsync(
            """
            using System;
            using FlowSdk;

            [Message({|#0:"parcels.events.cancelled"|})]
            public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, int Sequence, string Status, DateTime At);
            """ + Parcel,
            Verify.Diagnostic(DiagnosticDescriptors.EventMessageDoesNotMatch)
                .WithLocation(0)
                .WithArguments("ParcelCancelled", "parcels.events.cancelled", "parcel", "its member 'Sequence' is int, and the event's Sequence is a long; its member 'At' is System.DateTime, and the event's At is a DateTimeOffset"));

    [Fact]
    public Task A_message_under_the_prefix_on_a_kind_the_flow_never_publishes_is_reported_and_not_sent_to_FLOW0023() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message({|#0:"parcels.events.completed"|})]
            public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, string Flow);
            """ + Parcel,
            Verify.Diagnostic(DiagnosticDescriptors.EventMessageDoesNotMatch)
                .WithLocation(0)
                .WithArguments("ParcelCancelled", "parcels.events.completed", "parcel", "the flow publishes no event 'completed': its events end in started, step, waiting, paused, resumed, cancelled, retried, ended, approved, rejected (an execution's end, whatever its status, is 'ended'), so nothing would ever arrive on 'parcels.events.completed'"));

    [Fact]
    public Task Two_flows_with_one_event_prefix_are_warned_at_each_prefix() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Message("parcels.events.cancelled")]
            public sealed record ParcelCancelled([property: CorrelationKey] string ExecutionId, string Flow);

            [Message("letters.sent", External = true)]
            public sealed record LetterSent([property: CorrelationKey] string LetterId);

            public enum LetterPhase { New, [TerminalPhase] Sent }

            [Flow<LetterPhase>("letter", Events = {|#0:"parcels.events"|})]
            public partial class Letter { }

            [Rules<Letter>]
            public static partial class LetterRules
            {
                [Rule(From = LetterPhase.New, To = LetterPhase.Sent)]
                public static void Send(Letter letter, LetterSent sent) { }
            }
            """ + Parcel.Replace("""[Flow<ParcelPhase>("parcel", Events = "parcels.events")]""", """[Flow<ParcelPhase>("parcel", Events = {|#1:"parcels.events"|})]"""),
            Verify.Diagnostic(DiagnosticDescriptors.EventPrefixShared).WithLocation(0).WithArguments("letter", "parcels.events", "'parcel'"),
            Verify.Diagnostic(DiagnosticDescriptors.EventPrefixShared).WithLocation(1).WithArguments("parcel", "parcels.events", "'letter'"));
}
