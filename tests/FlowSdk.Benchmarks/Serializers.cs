using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The same message through three serializers: FlowSdk's generated MessagePack formatter (through
/// <see cref="FlowSerializer"/>, as the runtime calls it), MessagePack-CSharp 2.5.307's dynamic
/// <see cref="ContractlessStandardResolver"/> (the same map-keyed-by-name shape, formatters emitted at
/// run time with Reflection.Emit) and System.Text.Json source generation. Serialize produces a new
/// byte array; RoundTrip serializes then reads the bytes back.
/// </summary>
public class SerializerBenchmarks
{
    /// <summary>The message every serializer writes.</summary>
    public static readonly OrderPlaced Sample = SampleOrder.Create();

    /// <summary>MessagePack's dynamic resolver, with the options its docs recommend for untrusted data.</summary>
    public static readonly MessagePackSerializerOptions Dynamic = MessagePackSerializerOptions.Standard
        .WithResolver(ContractlessStandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly OrderPlaced _value = Sample;

    /// <summary>FlowSdk: serialize.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.Serialize)]
    public byte[] FlowSdk_Serialize() => FlowSerializer.Serialize(OrderPlacedFormatter.Instance, _value);

    /// <summary>MessagePack dynamic: serialize.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Serialize)]
    public byte[] MessagePackDynamic_Serialize() => MessagePackSerializer.Serialize(_value, Dynamic);

    /// <summary>System.Text.Json source generation: serialize.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Serialize)]
    public byte[] SystemTextJson_Serialize() => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_value, BenchJsonContext.Default.OrderPlaced);

    /// <summary>FlowSdk: serialize and read back.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.RoundTrip)]
    public OrderPlaced FlowSdk_RoundTrip() =>
        FlowSerializer.Deserialize(OrderPlacedFormatter.Instance, FlowSerializer.Serialize(OrderPlacedFormatter.Instance, _value));

    /// <summary>MessagePack dynamic: serialize and read back.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.RoundTrip)]
    public OrderPlaced MessagePackDynamic_RoundTrip() =>
        MessagePackSerializer.Deserialize<OrderPlaced>(MessagePackSerializer.Serialize(_value, Dynamic), Dynamic);

    /// <summary>System.Text.Json source generation: serialize and read back.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.RoundTrip)]
    public OrderPlaced SystemTextJson_RoundTrip() =>
        System.Text.Json.JsonSerializer.Deserialize(
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_value, BenchJsonContext.Default.OrderPlaced),
            BenchJsonContext.Default.OrderPlaced)!;

    /// <summary>The bytes each serializer writes for <see cref="Sample"/>.</summary>
    public static IReadOnlyDictionary<string, int> Sizes() => new Dictionary<string, int>
    {
        ["FlowSdk"] = FlowSerializer.Serialize(OrderPlacedFormatter.Instance, Sample).Length,
        ["MessagePackDynamic"] = MessagePackSerializer.Serialize(Sample, Dynamic).Length,
        ["SystemTextJson"] = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Sample, BenchJsonContext.Default.OrderPlaced).Length,
    };
}
