using System.Runtime.CompilerServices;

namespace FlowSdk;

/// <summary>
/// Typed access to one flow's executions. The generator derives <c>&lt;State&gt;Client</c> from it,
/// with one <c>SendAsync</c> overload per input port of the flow.
/// </summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
public abstract class FlowClient<TState>
    where TState : class, IFlowState, new()
{
    /// <summary>Creates a client.</summary>
    /// <param name="runtime">The runtime that runs the flow.</param>
    /// <param name="flow">The flow.</param>
    protected FlowClient(FlowRuntime runtime, FlowDefinition<TState> flow)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(flow);
        Runtime = runtime;
        Flow = flow;
    }

    /// <summary>The runtime that runs the flow.</summary>
    public FlowRuntime Runtime { get; }

    /// <summary>The flow.</summary>
    public FlowDefinition<TState> Flow { get; }

    /// <summary>Reads an execution's committed state.</summary>
    /// <param name="executionId">The execution id (the correlation key that created it).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state, or <see langword="null"/> when there is no such execution.</returns>
    public ValueTask<TState?> GetAsync(string executionId, CancellationToken cancellationToken = default)
        => Runtime.GetAsync(Flow, executionId, cancellationToken);

    /// <summary>Reads every execution of the flow.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The executions, in no particular order.</returns>
    public IAsyncEnumerable<TState> ListAsync(CancellationToken cancellationToken = default)
        => Runtime.ListAsync(Flow, cancellationToken);

    /// <summary>Publishes a message on its port. Generated <c>SendAsync</c> overloads call this.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the transport has taken the message.</returns>
    protected ValueTask SendAsync<T>(MessagePort<T> port, T message, CancellationToken cancellationToken)
        => Runtime.PublishAsync(port, message, cancellationToken);
}
