using System.Runtime.CompilerServices;

namespace FlowSdk;

/// <summary>
/// Typed access to one flow's executions. The generator derives <c>&lt;State&gt;Client</c> from it,
/// with one <c>SendAsync</c> overload per input port of the flow.
/// </summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
public abstract partial class FlowClient<TState>
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

    /// <summary>Reads how many of the flow's executions are in each status, from the store's progress counters (see <see cref="FlowRuntime.GetProgressAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts per status, as of now.</returns>
    public Task<FlowProgress> GetProgressAsync(CancellationToken cancellationToken = default)
        => Runtime.GetProgressAsync(Flow, cancellationToken);

    /// <summary>Pauses a Running or Waiting execution (see <see cref="FlowRuntime.PauseAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> PauseAsync(string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.PauseAsync(Flow, executionId, reason, by, cancellationToken);

    /// <summary>Resumes a Paused execution (see <see cref="FlowRuntime.ResumeAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> ResumeAsync(string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.ResumeAsync(Flow, executionId, reason, by, cancellationToken);

    /// <summary>Cancels a Running, Waiting or Paused execution (see <see cref="FlowRuntime.CancelAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> CancelAsync(string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.CancelAsync(Flow, executionId, reason, by, cancellationToken);

    /// <summary>Retries a Failed or TimedOut execution from its last committed state (see <see cref="FlowRuntime.RetryAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> RetryAsync(string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.RetryAsync(Flow, executionId, reason, by, cancellationToken);

    /// <summary>Applies a control to every execution of the flow it applies to, or only to those in <paramref name="status"/> (see <see cref="FlowRuntime.ControlAllAsync"/>).</summary>
    /// <param name="action">The control.</param>
    /// <param name="status">Only executions in this status.</param>
    /// <param name="reason">Why, recorded in each timeline.</param>
    /// <param name="by">Who, recorded in each timeline.</param>
    /// <param name="cancellationToken">Stops between executions.</param>
    /// <returns>One result per selected execution.</returns>
    public Task<IReadOnlyList<ExecutionControlResult>> ControlAllAsync(ExecutionControlAction action, ExecutionStatus? status = null, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.ControlAllAsync(Flow, action, status, reason, by, cancellationToken);

    /// <summary>Deploys the flow: NotDeployed to Deployed, after validating it with the flows deployed in the cluster (see <see cref="FlowRuntime.DeployAsync"/>).</summary>
    /// <param name="force">Also on a Deployed or Running flow: replaces its version and keeps its state; and also when validation finds errors.</param>
    /// <param name="by">Who, recorded in the deployment record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before, the record written and the validation result (<see cref="DeploymentChange.Validation"/>).</returns>
    /// <exception cref="DeploymentValidationException">Validation found errors and <paramref name="force"/> is not set.</exception>
    public Task<DeploymentChange> DeployAsync(bool force = false, string? by = null, CancellationToken cancellationToken = default)
        => Runtime.DeployAsync(Flow, force, by, cancellationToken);

    /// <summary>Starts the Deployed flow on every host (see <see cref="FlowRuntime.StartFlowAsync"/>).</summary>
    /// <param name="by">Who, recorded in the deployment record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    public Task<DeploymentChange> StartFlowAsync(string? by = null, CancellationToken cancellationToken = default)
        => Runtime.StartFlowAsync(Flow, by, cancellationToken);

    /// <summary>Stops the Running flow on every host; its messages wait (see <see cref="FlowRuntime.StopFlowAsync"/>).</summary>
    /// <param name="by">Who, recorded in the deployment record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    public Task<DeploymentChange> StopFlowAsync(string? by = null, CancellationToken cancellationToken = default)
        => Runtime.StopFlowAsync(Flow, by, cancellationToken);

    /// <summary>Undeploys the Deployed (stopped) flow (see <see cref="FlowRuntime.UndeployAsync"/>).</summary>
    /// <param name="by">Who, recorded in the deployment record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    public Task<DeploymentChange> UndeployAsync(string? by = null, CancellationToken cancellationToken = default)
        => Runtime.UndeployAsync(Flow, by, cancellationToken);

    /// <summary>Reads the flow's deployment record (see <see cref="FlowRuntime.GetDeploymentAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when the flow has none.</returns>
    public Task<DeploymentRecord?> GetDeploymentAsync(CancellationToken cancellationToken = default)
        => Runtime.GetDeploymentAsync(Flow, cancellationToken);

    /// <summary>Publishes a message on its port. Generated <c>SendAsync</c> overloads call this.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the transport has taken the message.</returns>
    protected ValueTask SendAsync<T>(MessagePort<T> port, T message, CancellationToken cancellationToken)
        => Runtime.PublishAsync(port, message, cancellationToken);
}
