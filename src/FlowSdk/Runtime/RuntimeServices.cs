using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>What a flow processor needs from the runtime that hosts it.</summary>
internal sealed record RuntimeServices(
    IMessageTransport Transport,
    IStateStore Store,
    TimeProvider Time,
    ILoggerFactory LoggerFactory,
    int MaxWriteAttempts,
    int Lanes,
    Internal.IdleTracker Work,
    int MaxChainedFirings,
    TimeSpan? Retention,
    FlowRuntimeOptions Options)
{
    public static string StateKey(string flowId, string executionId) => string.Concat(flowId, ".", executionId);
}

/// <summary>Runs one flow inside a runtime.</summary>
internal interface IFlowProcessor : IAsyncDisposable
{
    /// <summary>Subscribes to the flow's inputs, then recovers what a previous host left: unpublished outboxes, deadlines, retention.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
