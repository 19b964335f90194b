using FlowSdk.Serialization.Tests.Contracts;
using FlowSdk.Serialization.Tests.Infrastructure;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using ThisResolver = FlowSdk.Generated.FlowSdk.Serialization.Tests.FlowSdkResolver;
using ContractsResolver = FlowSdk.Generated.FlowSdk.Serialization.Tests.Contracts.FlowSdkResolver;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// No resolver is on FlowSdk's path (so MessagePack's dynamic, Reflection.Emit based resolvers are never
/// reached), and the generated resolvers serve every reached type and compose across assemblies.
/// </summary>
public sealed class ResolverTests
{
    [Fact]
    public void Generated_formatters_never_ask_a_resolver()
    {
        // Options whose resolver fails for every type: a formatter that asked it would throw.
        var options = new MessagePackSerializerOptions(new ThrowingResolver());
        var value = Samples.Typical();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);

        EverythingFormatter.Instance.Serialize(ref writer, value, options);
        Ledger.FlowFormatter.Instance.Serialize(ref writer, new Ledger { Items = [new("a", 1, 1m)], Address = new("s", "c", Country.Japan) }, options);
        writer.Flush();
        var reader = new MessagePackReader(buffer.WrittenMemory);
        var copy = EverythingFormatter.Instance.Deserialize(ref reader, options);
        var ledger = Ledger.FlowFormatter.Instance.Deserialize(ref reader, options);

        Deep.Equal(value, copy);
        Assert.Equal("Japan", ledger.Address!.Country.ToString());
        Assert.Equal(0, ThrowingResolver.Calls);
    }

    [Fact]
    public void FlowSerializer_gives_formatters_no_options_and_so_no_resolver()
    {
        var spy = new SpyFormatter();

        FlowSerializer.Deserialize(spy, FlowSerializer.Serialize(spy, 1));

        Assert.Equal([null, null], spy.Options);
    }

    [Fact]
    public async Task A_flow_run_end_to_end_creates_no_dynamic_MessagePack_code()
    {
        await using var runtime = await FlowRuntime.StartAsync(LedgerFlow.Definition);
        var client = new LedgerClient(runtime);
        await client.SendAsync(new EntryBooked("l-9", new Item("a", 1, 2m), ["t"], new() { ["EUR"] = 3m }, Color.Red));
        await client.SendAsync(new EntryBooked("l-9", new Item("b", 2, 4m), [], new() { ["EUR"] = 1m }));
        await client.SendAsync(new LedgerClosed("l-9"));
        await runtime.WhenIdleAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var ledger = await client.GetAsync("l-9");

        Assert.Equal(LedgerPhase.Closed, ledger!.Phase);
        Assert.Equal(4m, ledger.Totals["EUR"]);
        Assert.Equal(3, ledger.Timeline.Count);

        // MessagePack's dynamic resolvers emit their formatters into dynamic assemblies named after them.
        var dynamic = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.IsDynamic && (a.GetName().Name ?? "").Contains("MessagePack", StringComparison.OrdinalIgnoreCase))
            .Select(a => a.GetName().Name)
            .ToList();
        Assert.Empty(dynamic);
    }

    [Fact]
    public void The_resolver_serves_every_reached_type_and_collection_and_nothing_else()
    {
        var resolver = ThisResolver.Instance;

        Assert.Same(EverythingFormatter.Instance, resolver.GetFormatter<Everything>());
        Assert.Same(Ledger.FlowFormatter.Instance, resolver.GetFormatter<Ledger>());
        Assert.Same(NodeFormatter.Instance, resolver.GetFormatter<Node>());
        Assert.Same(OuterInnerFormatter.Instance, resolver.GetFormatter<Outer.Inner>());
        Assert.NotNull(resolver.GetFormatter<IReadOnlyDictionary<Color, List<int>>>());
        Assert.NotNull(resolver.GetFormatter<List<int>>());
        Assert.NotNull(resolver.GetFormatter<Point?>());
        Assert.NotNull(resolver.GetFormatter<DayOfWeek>());
        Assert.NotNull(resolver.GetFormatter<PlainPoint>());
        Assert.Null(resolver.GetFormatter<int>());
        Assert.Null(resolver.GetFormatter<Uri>());
        Assert.Contains(typeof(Everything), ThisResolver.Types);
        Assert.All(ThisResolver.Types, t => Assert.NotNull(typeof(ThisResolver).GetMethod("GetFormatter")!.MakeGenericMethod(t).Invoke(resolver, null)));
    }

    [Fact]
    public void A_type_of_another_assembly_uses_the_formatter_that_assembly_generated()
    {
        // The Contracts assembly generated AddressFormatter, since its message reaches Address: this assembly uses it.
        Assert.Same(AddressFormatter.Instance, ThisResolver.Instance.GetFormatter<Address>());
        Assert.Same(AddressFormatter.Instance, ContractsResolver.Instance.GetFormatter<Address>());
        Assert.Null(ContractsResolver.Instance.GetFormatter<PlainPoint>());
    }

    [Fact]
    public void Resolvers_of_two_assemblies_compose_with_MessagePack_APIs()
    {
        var options = new MessagePackSerializerOptions(CompositeResolver.Create(ContractsResolver.Instance, ThisResolver.Instance, BuiltinResolver.Instance));
        var changed = new AddressChanged("c-1", new Address("s", "c", Country.France));
        var item = new Item("x", 1, 1m);

        var bytes = MessagePackSerializer.Serialize(changed, options);
        var itemBytes = MessagePackSerializer.Serialize(item, options);

        Assert.Equal(changed, MessagePackSerializer.Deserialize<AddressChanged>(bytes, options));
        Assert.Equal(item, MessagePackSerializer.Deserialize<Item>(itemBytes, options));
        Assert.Equal(bytes, FlowSerializer.Serialize(AddressChangedFormatter.Instance, changed));
    }

    private sealed class ThrowingResolver : IFormatterResolver
    {
        public static int Calls;

        public IMessagePackFormatter<T>? GetFormatter<T>()
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException($"A generated formatter asked the resolver for {typeof(T)}.");
        }
    }

    private sealed class SpyFormatter : IMessagePackFormatter<int>
    {
        public List<MessagePackSerializerOptions?> Options { get; } = [];

        public void Serialize(ref MessagePackWriter writer, int value, MessagePackSerializerOptions options)
        {
            Options.Add(options);
            writer.Write(value);
        }

        public int Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            Options.Add(options);
            return reader.ReadInt32();
        }
    }
}
