using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>The inputs the tests run the generator over.</summary>
internal static class Cases
{
    private static readonly string[] SampleFiles = ["Messages.cs", "PlanReview.cs", "ReviewDesk.cs"];

    /// <summary>The annotated sources of samples/PlanReview, read from the repository as they are now.</summary>
    public static IReadOnlyList<SourceFile> PlanReviewSources() =>
        [.. SampleFiles.Select(file => new SourceFile("samples/PlanReview/" + file, File.ReadAllText(RepoPaths.Sample(file))))];

    public static CSharpCompilation PlanReview() => TestCompilation.Create(PlanReviewSources(), "PlanReviewSample");

    /// <summary>The annotated sources of samples/FanOut (a parent flow fanning out to a child flow), read from the repository as they are now.</summary>
    public static IReadOnlyList<SourceFile> FanOutSources() =>
        [new SourceFile("samples/FanOut/Quotes.cs", File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "FanOut", "Quotes.cs")))];

    public static CSharpCompilation FanOut() => TestCompilation.Create(FanOutSources(), "FanOutSample");

    public static IReadOnlyList<SourceFile> ShippingSources() => [new SourceFile("Shipping.cs", Shipping)];

    public static CSharpCompilation ShippingCompilation() => TestCompilation.Create(ShippingSources(), "ShippingCase");

    /// <summary>
    /// What the sample does not show: a Guid correlation key, an internal message type, enum members
    /// (one with a byte underlying type), nullable strings, init-only and settable members of a
    /// message class, a record struct message, a message-only rule with a nullable output, conditions
    /// combined with OR, a rule that keeps the phase, a private rule, two terminal phases and rules
    /// spread over two classes.
    /// </summary>
    public const string Shipping = """
        using FlowSdk;

        namespace Acme.Shipping;

        /// <summary>The phases of a shipment.</summary>
        public enum ShipmentPhase
        {
            /// <summary>Ordered.</summary>
            Created,

            /// <summary>In a box.</summary>
            Packed,

            /// <summary>On its way.</summary>
            Shipped,

            /// <summary>Arrived.</summary>
            [TerminalPhase]
            Delivered,

            /// <summary>Gone.</summary>
            [TerminalPhase]
            Lost,
        }

        /// <summary>How urgent a shipment is.</summary>
        public enum Priority
        {
            /// <summary>Whenever.</summary>
            Normal,

            /// <summary>Today.</summary>
            Express = 5,
        }

        /// <summary>Who carries a parcel.</summary>
        internal enum Carrier : byte
        {
            /// <summary>The post.</summary>
            Post = 1,

            /// <summary>A courier.</summary>
            Courier = 2,
        }

        /// <summary>A shipment was ordered.</summary>
        [Message("shipping.created")]
        public sealed record ShipmentCreated([property: CorrelationKey] Guid ShipmentId, string Address, string? Note, Priority Priority, long Weight);

        /// <summary>A shipment was packed; internal to the shipping service.</summary>
        [Message("shipping.packed")]
        internal sealed record ShipmentPacked([property: CorrelationKey] Guid ShipmentId, Carrier Carrier, bool Fragile);

        /// <summary>A parcel was scanned somewhere.</summary>
        [Message("shipping.scanned")]
        public sealed class ParcelScanned
        {
            /// <summary>The shipment.</summary>
            [CorrelationKey]
            public Guid ShipmentId { get; init; }

            /// <summary>Where it was scanned.</summary>
            public string Location { get; set; } = "";

            /// <summary>What the scanner said, if anything.</summary>
            public string? Comment { get; set; }

            /// <summary>When it was scanned.</summary>
            public DateTimeOffset At { get; init; }
        }

        /// <summary>A label should be printed. It has no correlation key: only message-only rules take it.</summary>
        [Message("shipping.label.requested")]
        internal readonly record struct LabelRequested(Guid ShipmentId, Carrier Carrier, double Cost);

        /// <summary>A label was printed.</summary>
        [Message("shipping.label.printed")]
        public sealed record LabelPrinted([property: CorrelationKey] Guid ShipmentId, string Label);

        /// <summary>One shipment.</summary>
        [Flow<ShipmentPhase>("shipment", MaxIterations = 2)]
        public partial class Shipment
        {
            /// <summary>Where it goes.</summary>
            public string Address { get; set; } = "";

            /// <summary>A note from the customer.</summary>
            public string? Note { get; set; }

            /// <summary>How urgent it is.</summary>
            public Priority Priority { get; set; }

            /// <summary>How often it was scanned.</summary>
            public int Scans { get; set; }

            /// <summary>Where it was last seen.</summary>
            public string? LastLocation { get; set; }

            /// <summary>The printed label.</summary>
            public string? Label { get; set; }
        }

        /// <summary>The shipment's rules.</summary>
        [Rules<Shipment>]
        internal static partial class ShipmentRules
        {
            /// <summary>A new shipment.</summary>
            [Rule(From = ShipmentPhase.Created)]
            public static void Create(Shipment shipment, ShipmentCreated created)
            {
                shipment.Address = created.Address;
                shipment.Note = created.Note;
                shipment.Priority = created.Priority;
            }

            /// <summary>Packing asks for a label; express shipments pay more.</summary>
            [Rule(From = ShipmentPhase.Created, To = ShipmentPhase.Packed)]
            public static LabelRequested Pack(Shipment shipment, ShipmentPacked packed) =>
                new(packed.ShipmentId, packed.Carrier, shipment.Priority == Priority.Express ? 9.5 : 4.5);

            /// <summary>A scan at the door, or one the scanner calls final, delivers the shipment.</summary>
            [Rule(From = ShipmentPhase.Shipped, To = ShipmentPhase.Delivered, Conditions = ConditionMode.Any)]
            [When(nameof(AtTheDoor), Description = "scanned at the shipment's address")]
            [When(nameof(MarkedFinal))]
            private static void Deliver(Shipment shipment, ParcelScanned scan) => shipment.LastLocation = scan.Location;

            /// <summary>Any other scan is counted.</summary>
            [Rule]
            public static void Scan(Shipment shipment, ParcelScanned scan)
            {
                shipment.Scans++;
                shipment.LastLocation = scan.Location;
            }

            /// <summary>A printed label ships the parcel.</summary>
            [Rule(From = ShipmentPhase.Packed, To = ShipmentPhase.Shipped)]
            public static void Ship(Shipment shipment, LabelPrinted printed) => shipment.Label = printed.Label;

            private static bool AtTheDoor(Shipment shipment, ParcelScanned scan) => scan.Location == shipment.Address;

            private static bool MarkedFinal(ParcelScanned scan) => scan.Comment is "final";
        }

        /// <summary>The label printer: message-only rules.</summary>
        [Rules<Shipment>]
        internal static partial class LabelPrinterRules
        {
            /// <summary>Prints a label for a post parcel worth it; prints nothing for a free one.</summary>
            [Rule]
            [When(nameof(IsPost), Description = "by post")]
            [When(nameof(IsWorthIt), Description = "costs more than 1 <unit> & \"cheap\"")]
            public static LabelPrinted? Print(LabelRequested request) =>
                request.Cost == 0 ? null : new(request.ShipmentId, request.Carrier + ":" + request.Cost.ToString(System.Globalization.CultureInfo.InvariantCulture));

            private static bool IsPost(LabelRequested request) => request.Carrier == Carrier.Post;

            private static bool IsWorthIt(LabelRequested request) => request.Cost > 1;
        }
        """;
}
