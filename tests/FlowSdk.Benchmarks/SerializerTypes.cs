using System.Text.Json.Serialization;
using FlowSdk;

namespace FlowSdk.Benchmarks.Serialization;

/// <summary>The message every serializer benchmark writes, built fresh on each call.</summary>
public static class SampleOrder
{
    /// <summary>An order with every kind of member the serializers are compared on.</summary>
    public static OrderPlaced Create() => new(
        "order-20260301-0042",
        "Ada Lovelace",
        1234.56m,
        3,
        new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.FromHours(1)),
        true,
        null,
        ["sku-1001 x1", "sku-2002 x2", "gift wrap"]);
}

/// <summary>A typical message: strings, a decimal, an int, a time, a flag, a nullable string and a list.</summary>
[Message("bench.orders.placed", External = true)]
public sealed record OrderPlaced(
    [property: CorrelationKey] string OrderId,
    string Customer,
    decimal Total,
    int Quantity,
    DateTimeOffset PlacedAt,
    bool Express,
    string? Note,
    List<string> Lines);

/// <summary>System.Text.Json's source-generated metadata for the same type.</summary>
[JsonSerializable(typeof(OrderPlaced))]
public sealed partial class BenchJsonContext : JsonSerializerContext;
