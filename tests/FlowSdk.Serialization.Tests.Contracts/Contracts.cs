using FlowSdk;

namespace FlowSdk.Serialization.Tests.Contracts;

/// <summary>A country, by name on the wire.</summary>
public enum Country
{
    /// <summary>Nowhere yet.</summary>
    Unknown,

    /// <summary>France.</summary>
    France,

    /// <summary>Japan.</summary>
    Japan,
}

/// <summary>An address: this assembly generates its formatter, since its message reaches it.</summary>
public sealed record Address(string Street, string City, Country Country);

/// <summary>A customer moved.</summary>
[Message("contracts.address.changed", External = true)]
public sealed record AddressChanged([property: CorrelationKey] string CustomerId, Address Address);

/// <summary>A point no flow or message of this assembly reaches: it has no generated formatter here.</summary>
public sealed class PlainPoint
{
    /// <summary>Across.</summary>
    public int X { get; set; }

    /// <summary>Down.</summary>
    public int Y { get; set; }
}
