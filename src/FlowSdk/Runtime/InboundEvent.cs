using FlowSdk.Transport;

namespace FlowSdk.Runtime;

/// <summary>A decoded message on its way to a flow's rules.</summary>
internal abstract class InboundEvent<TState>(TransportMessage? transport, string? key)
    where TState : class, IFlowState, new()
{
    /// <summary>The transport message to acknowledge, or <see langword="null"/> for events the runtime raised itself.</summary>
    public TransportMessage? Transport { get; } = transport;

    /// <summary>The correlation key, or <see langword="null"/> when the message has none.</summary>
    public string? Key { get; } = key;

    /// <summary>Calls back into the processor with the message's static type: dispatch without reflection. Returns whether a rule fired.</summary>
    public abstract ValueTask<bool> ProcessAsync(FlowProcessor<TState> processor);
}

internal sealed class InboundMessage<TState, TMessage>(InputPort<TState, TMessage> port, TransportMessage transport, TMessage message, string? key, string? taskId)
    : InboundEvent<TState>(transport, key)
    where TState : class, IFlowState, new()
{
    /// <summary>The task id a reply carries, or <see langword="null"/>.</summary>
    public string? TaskId { get; } = taskId;

    public InputPort<TState, TMessage> Port { get; } = port;

    public TMessage Message { get; } = message;

    public override ValueTask<bool> ProcessAsync(FlowProcessor<TState> processor) => processor.ProcessAsync(this);
}

/// <summary>A committed change of an execution's state, for state-only rules.</summary>
internal sealed class InboundStateChange<TState>(string executionId, State.StateEntry entry) : InboundEvent<TState>(null, executionId)
    where TState : class, IFlowState, new()
{
    public State.StateEntry Entry { get; } = entry;

    public override ValueTask<bool> ProcessAsync(FlowProcessor<TState> processor) => processor.ProcessStateChangeAsync(this);
}

/// <summary>A deadline or retention time of an execution came due.</summary>
internal sealed class InboundTimer<TState>(string executionId) : InboundEvent<TState>(null, executionId)
    where TState : class, IFlowState, new()
{
    /// <summary>
    /// Whether another process may have written the execution (an operator's control): its cached
    /// state is dropped in the lane, after the work queued before it, so no write of that work can
    /// put an older revision back in the cache between the drop and the read.
    /// </summary>
    public bool ReadFresh { get; init; }

    public override ValueTask<bool> ProcessAsync(FlowProcessor<TState> processor) => processor.ProcessTimerAsync(this);
}

/// <summary>A parked message, evaluated again after its execution changed. Settling it does nothing: the transport's message was settled when it was parked.</summary>
internal sealed class ParkedTransportMessage(ParkedMessage parked)
    : TransportMessage(parked.Subject, parked.Payload, EmptyHeaders)
{
    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();

    public ParkedMessage Parked { get; } = parked;

    public override string? MessageId => Parked.MessageId;

    public override ValueTask AckAsync() => ValueTask.CompletedTask;

    public override ValueTask NakAsync(string reason) => ValueTask.CompletedTask;
}
