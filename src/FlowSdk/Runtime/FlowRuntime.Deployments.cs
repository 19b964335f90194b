using FlowSdk.Runtime;
using FlowSdk.State;
using Microsoft.Extensions.Logging;

namespace FlowSdk;

/// <summary>The runtime's side of flow deployments: the verbs, and the convergence of each flow to its deployment record.</summary>
public sealed partial class FlowRuntime
{
    private readonly Dictionary<string, FlowSlot> _slots;
    private IDisposable? _deploymentWatch;

    /// <summary>Deploys a flow: NotDeployed to Deployed (stopped), recording this runtime's manifest version of it (see <see cref="FlowDeployments"/>).</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="force">Also on a Deployed or Running flow: replaces its version with this runtime's and keeps its state; and also when validation finds errors.</param>
    /// <param name="by">Who, recorded in the record; <see cref="FlowDeployments.DefaultBy"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    /// <exception cref="DeploymentException">The flow is not NotDeployed (and no force), or another operator changed it first; the message names its state.</exception>
    /// <exception cref="DeploymentValidationException">Validating the flow with the flows deployed in the cluster found errors (and no force); <see cref="DeploymentChange.Validation"/> carries the warnings of a deploy that went through.</exception>
    public Task<DeploymentChange> DeployAsync(FlowDefinition flow, bool force = false, string? by = null, CancellationToken cancellationToken = default)
        => ApplyDeploymentAsync(flow, DeploymentAction.Deploy, force, by, cancellationToken);

    /// <summary>Starts a Deployed flow: every host that has it with the deployed version subscribes to its inputs and handles the messages that waited, in order.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="by">Who, recorded in the record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    /// <exception cref="DeploymentException">The flow is not Deployed; the message names its state.</exception>
    public Task<DeploymentChange> StartFlowAsync(FlowDefinition flow, string? by = null, CancellationToken cancellationToken = default)
        => ApplyDeploymentAsync(flow, DeploymentAction.Start, force: false, by, cancellationToken);

    /// <summary>
    /// Stops a Running flow: every host drains the events in flight, takes the flow's subscriptions down
    /// and keeps its state; messages published meanwhile wait in the stream (NATS, SQLite) and are
    /// handled after <see cref="StartFlowAsync"/>. Completes when the record is written; hosts converge
    /// right after (<see cref="WhenFlowRunningAsync"/> waits for this one).
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="by">Who, recorded in the record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    /// <exception cref="DeploymentException">The flow is not Running; the message names its state.</exception>
    public Task<DeploymentChange> StopFlowAsync(FlowDefinition flow, string? by = null, CancellationToken cancellationToken = default)
        => ApplyDeploymentAsync(flow, DeploymentAction.Stop, force: false, by, cancellationToken);

    /// <summary>Undeploys a Deployed (stopped) flow: Deployed to NotDeployed. Its executions' state stays in the store.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="by">Who, recorded in the record.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    /// <exception cref="DeploymentException">The flow is not Deployed (stop a Running flow first); the message names its state.</exception>
    public Task<DeploymentChange> UndeployAsync(FlowDefinition flow, string? by = null, CancellationToken cancellationToken = default)
        => ApplyDeploymentAsync(flow, DeploymentAction.Undeploy, force: false, by, cancellationToken);

    /// <summary>Reads a flow's deployment record.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when the flow has none (NotDeployed).</returns>
    public Task<DeploymentRecord?> GetDeploymentAsync(FlowDefinition flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return FlowDeployments.GetAsync(Store, flow.Id, cancellationToken);
    }

    /// <summary>The manifest version this runtime has of <paramref name="flow"/> (see <see cref="FlowDeployments.VersionOf"/>); a host runs a flow only when it is the deployed one.</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentException">The runtime does not run <paramref name="flow"/>.</exception>
    public string VersionOf(FlowDefinition flow) => SlotOf(flow).Version;

    /// <summary>Whether this runtime has <paramref name="flow"/>'s subscriptions up now: its record is Running with this runtime's version.</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>Whether the flow runs here.</returns>
    /// <exception cref="ArgumentException">The runtime does not run <paramref name="flow"/>.</exception>
    public bool IsFlowRunning(FlowDefinition flow) => Volatile.Read(ref SlotOf(flow).Running) is not null;

    /// <summary>
    /// Completes when this runtime has converged to <paramref name="running"/> for <paramref name="flow"/>:
    /// its subscriptions live (the record says Running with this runtime's version), or taken down and
    /// the events that were in flight drained.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="running">The state to wait for.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the flow runs (or not) here.</returns>
    public async Task WhenFlowRunningAsync(FlowDefinition flow, bool running = true, CancellationToken cancellationToken = default)
    {
        var slot = SlotOf(flow);
        while (true)
        {
            var changed = slot.Changed.Task;
            if (slot.Converged == running)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private FlowSlot SlotOf(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return _slots.TryGetValue(flow.Id, out var slot)
            ? slot
            : throw new ArgumentException($"This runtime does not run flow '{flow.Id}'; it runs {string.Join(", ", _flows.Keys)}.", nameof(flow));
    }

    private Task<DeploymentChange> ApplyDeploymentAsync(FlowDefinition flow, DeploymentAction action, bool force, string? by, CancellationToken cancellationToken)
    {
        // The version recorded is this runtime's: the flow definition it runs.
        var slot = SlotOf(flow);
        return FlowDeployments.ApplyAsync(Store, slot.Flow, action, by, force, TimeProvider, cancellationToken);
    }

    /// <summary>Starts the watch of the deployment records, then converges every flow to its record (creating a Running one when there is none and auto-deploy is on).</summary>
    private async Task StartDeploymentsAsync(CancellationToken cancellationToken)
    {
        // Watch first: a change made while the records are read below is delivered, and converging
        // reads the record again, so no change falls between the read and the watch.
        _deploymentWatch = Store.Watch(FlowDeployments.KeyPrefix).Subscribe(OnDeploymentChanged, ex => LogDeploymentWatchFailed(_logger, ex));
        var by = "auto-deploy:" + Environment.MachineName;
        var started = new List<FlowSlot>();
        foreach (var slot in _slots.Values)
        {
            var record = await FlowDeployments.EnsureAsync(Store, slot.Flow, _autoDeploy, by, TimeProvider, cancellationToken).ConfigureAwait(false);
            if (await ConvergeAsync(slot, record, startSchedules: false, cancellationToken).ConfigureAwait(false))
            {
                started.Add(slot);
            }
        }

        // Once, after every flow has subscribed: a transport that sets subscriptions up in the
        // background sets them all up at the same time.
        await Transport.WhenSubscribedAsync(cancellationToken).ConfigureAwait(false);

        // Schedules start once the flows take their ticks.
        foreach (var slot in started)
        {
            await StartSchedulesAsync(slot, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StopDeploymentsAsync()
    {
        _deploymentWatch?.Dispose();
        foreach (var slot in _slots.Values)
        {
            await slot.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                await TakeDownAsync(slot).ConfigureAwait(false);

                // Made at construction and never started (the flow was not Running here): released too.
                if (slot.Prepared is { } prepared)
                {
                    slot.Prepared = null;
                    await prepared.DisposeAsync().ConfigureAwait(false);
                }

                foreach (var schedule in slot.PreparedSchedules ?? [])
                {
                    await schedule.DisposeAsync().ConfigureAwait(false);
                }

                slot.PreparedSchedules = null;
            }
            finally
            {
                slot.Gate.Release();
                slot.Pulse();
            }
        }
    }

    private void OnDeploymentChanged(StateEntry entry)
    {
        if (!_slots.TryGetValue(entry.Key[FlowDeployments.KeyPrefix.Length..], out var slot))
        {
            return; // a flow this runtime does not have
        }

        _ = ConvergeFromStoreAsync(slot);
    }

    private async Task ConvergeFromStoreAsync(FlowSlot slot)
    {
        try
        {
            // The record as it is now, not as delivered: deliveries may be coalesced or overtaken.
            var record = await FlowDeployments.GetAsync(Store, slot.Flow.Id, CancellationToken.None).ConfigureAwait(false);
            await ConvergeAsync(slot, record, startSchedules: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogConvergeFailed(_logger, slot.Flow.Id, ex);
        }
    }

    /// <summary>Brings the flow's subscriptions up or down to match <paramref name="record"/>; returns whether it brought them up.</summary>
    private async Task<bool> ConvergeAsync(FlowSlot slot, DeploymentRecord? record, bool startSchedules, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var versionMatches = record is null || string.Equals(record.Version, slot.Version, StringComparison.Ordinal);
            if (!versionMatches && record!.State != DeploymentState.NotDeployed)
            {
                if (!string.Equals(slot.WarnedVersion, record.Version, StringComparison.Ordinal))
                {
                    slot.WarnedVersion = record.Version;
                    LogVersionDiffers(_logger, slot.Flow.Id, record.Version, slot.Version);
                }
            }
            else
            {
                slot.WarnedVersion = null;
            }

            var want = Volatile.Read(ref _state) == 1 && record is { State: DeploymentState.Running } && versionMatches;
            if (want && slot.Running is null)
            {
                var processor = slot.Prepared ?? slot.Flow.CreateProcessor(_services);
                slot.Prepared = null;
                try
                {
                    await processor.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await processor.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                Volatile.Write(ref slot.Running, processor);
                LogFlowRunning(_logger, slot.Flow.Id, slot.Version);
                if (startSchedules)
                {
                    await Transport.WhenSubscribedAsync(cancellationToken).ConfigureAwait(false);
                    await StartSchedulesAsync(slot, cancellationToken).ConfigureAwait(false);
                }

                slot.Converged = true;
                return true;
            }

            if (!want && slot.Running is not null)
            {
                await TakeDownAsync(slot).ConfigureAwait(false);
                LogFlowStopped(_logger, slot.Flow.Id, record?.State ?? DeploymentState.NotDeployed, record?.ChangedBy ?? "nobody");
            }
            else if (!want && record is null && !slot.Converged && Volatile.Read(ref _state) == 1 && !slot.ToldNotDeployed)
            {
                slot.ToldNotDeployed = true;
                LogFlowNotDeployed(_logger, slot.Flow.Id);
            }

            slot.Converged = slot.Running is not null;
            return false;
        }
        finally
        {
            slot.Gate.Release();
            slot.Pulse();
        }
    }

    private async Task StartSchedulesAsync(FlowSlot slot, CancellationToken cancellationToken)
    {
        var schedules = slot.PreparedSchedules ?? Orchestration.Schedules.CreateRunners([slot.Flow], _services);
        slot.PreparedSchedules = null;
        slot.Schedules = schedules;
        foreach (var schedule in schedules)
        {
            await schedule.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the flow's schedules, then its processor: the subscriptions go down and the events in flight finish.</summary>
    private static async Task TakeDownAsync(FlowSlot slot)
    {
        foreach (var schedule in slot.Schedules)
        {
            await schedule.DisposeAsync().ConfigureAwait(false);
        }

        slot.Schedules = [];
        if (slot.Running is { } processor)
        {
            await processor.DisposeAsync().ConfigureAwait(false);
            Volatile.Write(ref slot.Running, null);
        }

        slot.Converged = false;
    }

    /// <summary>One flow of the runtime: the processor running it (when its record says so) and what converging needs.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim's AvailableWaitHandle is never used, so it holds nothing to dispose, and converges that arrive late may still wait on it.")]
    private sealed class FlowSlot(FlowDefinition flow, IFlowProcessor prepared, Orchestration.ScheduleRunner[] schedules)
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public IFlowProcessor? Running;
        public volatile bool Converged;
        public IFlowProcessor? Prepared = prepared;
        public Orchestration.ScheduleRunner[]? PreparedSchedules = schedules;
        public Orchestration.ScheduleRunner[] Schedules = [];
        public string? WarnedVersion;
        public bool ToldNotDeployed;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public FlowDefinition Flow { get; } = flow;

        public string Version { get; } = FlowDeployments.VersionOf(flow);

        public TaskCompletionSource Changed => Volatile.Read(ref _changed);

        public void Pulse() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: the deployed manifest version is {Deployed}, this host's is {Local}; this host does not run the flow (deploy this build with `deploy {Flow} --force` to run it here)")]
    private static partial void LogVersionDiffers(ILogger logger, string flow, string deployed, string local);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} (version {Version}) runs on this host: its subscriptions are up")]
    private static partial void LogFlowRunning(ILogger logger, string flow, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} is {State} (changed by {By}): this host drained its events in flight and took its subscriptions down; its messages wait until it is started")]
    private static partial void LogFlowStopped(ILogger logger, string flow, DeploymentState state, string by);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow} has no deployment record and auto-deploy is off: this host does not run it until an operator deploys and starts it (`deploy {Flow}`, `start {Flow}`)")]
    private static partial void LogFlowNotDeployed(ILogger logger, string flow);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: converging to its deployment record failed; the next change of the record tries again")]
    private static partial void LogConvergeFailed(ILogger logger, string flow, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The watch of the deployment records failed: flows no longer follow deploy, start, stop and undeploy until the host restarts")]
    private static partial void LogDeploymentWatchFailed(ILogger logger, Exception exception);
}
