using FlowSdk.Transport;

namespace FlowSdk.Runtime;

/// <summary>A decoded message on its way to a flow's rules.</summary>
internal abstract class InboundEvent<TState>(TransportMessage transport, string? key)
    where TState : class, IFlowState, new()
{
    public TransportMessage Transport { get; } = transport;

    /// <summary>The correlation key, or <see langword="null"/> when the message has none.</summary>
    public string? Key { get; } = key;

    /// <summary>Calls back into the processor with the message's static type: dispatch without reflection.</summary>
    public abstract Task ProcessAsync(FlowProcessor<TState> processor);
}

internal sealed class InboundMessage<TState, TMessage>(InputPort<TState, TMessage> port, TransportMessage transport, TMessage message, string? key)
    : InboundEvent<TState>(transport, key)
    where TState : class, IFlowState, new()
{
    public InputPort<TState, TMessage> Port { get; } = port;

    public TMessage Message { get; } = message;

    public override Task ProcessAsync(FlowProcessor<TState> processor) => processor.ProcessAsync(this);
}
