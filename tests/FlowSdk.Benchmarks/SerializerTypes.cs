using System.Text.Json.Serialization;
using FlowSdk;

namespace FlowSdk.Benchmarks.Serialization;

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
