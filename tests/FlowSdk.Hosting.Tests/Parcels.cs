namespace FlowSdk.Hosting.Tests;

/// <summary>A message whose members are <see langword="required"/>, with one of each kind <c>send</c> converts.</summary>
[Message("parcels.registered", External = true)]
public sealed class ParcelRegistered
{
    /// <summary>The parcel.</summary>
    [CorrelationKey]
    public required string ParcelId { get; init; }

    /// <summary>Its weight.</summary>
    public required decimal Kilograms { get; init; }

    /// <summary>The label's bytes.</summary>
    public required byte[] Label { get; init; }

    /// <summary>A note, not required.</summary>
    public string? Note { get; init; }
}

/// <summary>The phases of a parcel.</summary>
public enum ParcelPhase
{
    /// <summary>Not registered yet.</summary>
    New,

    /// <summary>Registered.</summary>
    [TerminalPhase]
    Registered,
}

/// <summary>One parcel: keeps what it was registered with.</summary>
[Flow<ParcelPhase>("parcel")]
public partial class Parcel
{
    /// <summary>The weight.</summary>
    public decimal Kilograms { get; set; }

    /// <summary>How many bytes the label has.</summary>
    public int LabelLength { get; set; }
}

/// <summary>How a parcel moves.</summary>
[Rules<Parcel>]
public static partial class ParcelRules
{
    /// <summary>A registration is kept.</summary>
    [Rule(From = ParcelPhase.New, To = ParcelPhase.Registered)]
    public static void Register(Parcel parcel, ParcelRegistered registered)
    {
        parcel.Kilograms = registered.Kilograms;
        parcel.LabelLength = registered.Label.Length;
    }
}
