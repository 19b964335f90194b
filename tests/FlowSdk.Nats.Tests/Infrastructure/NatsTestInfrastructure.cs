using FlowSdk.State;
using FlowSdk.Semantics;
using FlowSdk.Transport;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats.Tests.Infrastructure;

/// <summary>
/// Makes, for each test, a NATS transport and store with a stream and a bucket of their own on the
/// class's server, and deletes both after the test: streams on one server cannot capture the same
/// subjects, and the test flows' subjects are fixed.
/// </summary>
public sealed class NatsInfrastructureFactory(NatsServerFixture server, Action<NatsFlowOptions>? configure = null) : IFlowInfrastructureFactory
{
    private static int _counter;

    public static NatsFlowOptions Options(string url)
    {
        var n = Interlocked.Increment(ref _counter);
        return new NatsFlowOptions
        {
            Url = url,
            StreamName = $"FLOWSDK_T{n}",
            StateBucket = $"flowsdk-state-t{n}",
            Storage = NatsStorage.Memory,
            RedeliveryDelay = TimeSpan.FromMilliseconds(50),
            IdlePollInterval = TimeSpan.FromMilliseconds(5),
        };
    }

    public async Task<IFlowInfrastructure> CreateAsync()
    {
        var options = Options(server.Url);
        configure?.Invoke(options);
        return new NatsTestInfrastructure(await NatsFlowInfrastructure.ConnectAsync(options), options);
    }
}

public sealed class NatsTestInfrastructure(NatsFlowInfrastructure nats, NatsFlowOptions options) : IFlowInfrastructure
{
    public NatsFlowInfrastructure Nats { get; } = nats;

    public NatsFlowOptions Options { get; } = options;

    public IMessageTransport Transport => Nats.Transport;

    public IStateStore Store => Nats.Store;

    /// <summary>A second connection to the same stream and bucket, as another host makes.</summary>
    public async Task<IFlowInfrastructure> ConnectAnotherAsync() => new SecondHost(await NatsFlowInfrastructure.ConnectAsync(Options));

    private sealed class SecondHost(NatsFlowInfrastructure nats) : IFlowInfrastructure
    {
        public IMessageTransport Transport => nats.Transport;

        public IStateStore Store => nats.Store;

        public async ValueTask DisposeAsync()
        {
            await nats.Transport.DisposeAsync();
            await nats.Store.DisposeAsync();
            await nats.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        var js = new NatsJSContext(Nats.Connection);
        await Nats.Transport.DisposeAsync();
        await Nats.Store.DisposeAsync();
        await js.DeleteStreamAsync(Options.StreamName);
        await new NatsKVContext(js).DeleteStoreAsync(Options.StateBucket);
        await Nats.DisposeAsync();
    }
}
