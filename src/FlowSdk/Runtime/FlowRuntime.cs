using System.Runtime.CompilerServices;
using FlowSdk.Runtime;
using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowSdk;

/// <summary>
/// Runs flows: routes each incoming message to its flow's rules, commits state changes with
/// compare-and-set and publishes what the rules return. In process by default; give it a NATS
/// transport and state store to run distributed.
/// </summary>
/// <example>
/// <code>
/// await using var runtime = await FlowRuntime.StartAsync(PlanReviewFlow.Definition);
/// var plans = new PlanReviewClient(runtime);
/// await plans.SendAsync(new PlanSubmitted("plan-1", "Ship v1"));
/// await runtime.WhenIdleAsync();
/// PlanReview? plan = await plans.GetAsync("plan-1");
/// </code>
/// </example>
public sealed partial class FlowRuntime : IAsyncDisposable
{
    private readonly (string Flow, string Group, string Child)[] _missingFanOutChildren;
    private readonly bool _ownsTransport;
    private readonly bool _ownsStore;
    private readonly RuntimeServices _services;
    private readonly bool _autoDeploy;
    private readonly Dictionary<string, FlowDefinition> _flows;
    private readonly Internal.IdleTracker _work = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _progressReady = new(StringComparer.Ordinal);
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private IDisposable? _gauge;
    private int _state; // 0 created, 1 started, 2 stopped
    private int _disposed;

    /// <summary>Creates a runtime for <paramref name="flows"/>; call <see cref="StartAsync(CancellationToken)"/> to start it.</summary>
    /// <param name="flows">The flows to run: the generated <c>&lt;State&gt;Flow.Definition</c> of each.</param>
    /// <param name="options">Transport, store, clock and limits; the embedded defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">No flows were given, two share an id, or (on the in-memory transport) a flow fans out to a child flow that is not among them.</exception>
    public FlowRuntime(IEnumerable<FlowDefinition> flows, FlowRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(flows);
        options ??= new FlowRuntimeOptions();
        options.Validate();
        _flows = new Dictionary<string, FlowDefinition>(StringComparer.Ordinal);
        foreach (var flow in flows)
        {
            ArgumentNullException.ThrowIfNull(flow, nameof(flows));
            if (!_flows.TryAdd(flow.Id, flow))
            {
                throw new ArgumentException($"Two flows have the id '{flow.Id}'; each flow needs its own id.", nameof(flows));
            }
        }

        if (_flows.Count == 0)
        {
            throw new ArgumentException("A runtime needs at least one flow: pass the generated <State>Flow.Definition of each flow to run.", nameof(flows));
        }

        // A fan-out child flow this runtime does not run starts only where another host runs it; on the
        // in-memory transport there is no other host, and the group would wait for its children forever.
        _missingFanOutChildren = [.. _flows.Values.SelectMany(flow => flow.FanOuts
            .Where(group => !_flows.ContainsKey(group.ChildFlow))
            .Select(group => (Flow: flow.Id, Group: group.Name, Child: group.ChildFlow)))];
        if (_missingFanOutChildren.Length > 0 && options.Transport is null or InMemoryTransport)
        {
            var (flow, group, child) = _missingFanOutChildren[0];
            throw new ArgumentException(
                $"Flow '{flow}' fans out to flow '{child}' (group '{group}'), which this runtime does not run: on the in-memory transport no other process can start the children, and the group would wait for them forever. Pass the child flow's generated <State>Flow.Definition among the flows.",
                nameof(flows));
        }

        _ownsTransport = options.Transport is null || options.DisposeSuppliedTransportAndStore;
        _ownsStore = options.StateStore is null || options.DisposeSuppliedTransportAndStore;
        Transport = options.Transport ?? new InMemoryTransport(options.TimeProvider);
        Store = options.StateStore ?? new InMemoryStateStore();
        TimeProvider = options.TimeProvider;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FlowSdk.Runtime");
        _services = new RuntimeServices(Transport, Store, TimeProvider, options.LoggerFactory ?? NullLoggerFactory.Instance, options.MaxWriteAttempts, LanesFor(options, Transport, Store), _work, options.MaxChainedFirings, options.Retention, options);
        _autoDeploy = options.AutoDeploy;
        _slots = _flows.Values.ToDictionary(f => f.Id, f => new FlowSlot(f, f.CreateProcessor(_services), Orchestration.Schedules.CreateRunners([f], _services)), StringComparer.Ordinal);
    }

    /// <summary>The lanes each flow runs with: the options' when set, else the largest preference of the transport and store, else the options' default.</summary>
    internal static int LanesFor(FlowRuntimeOptions options, IMessageTransport transport, IStateStore store)
    {
        if (options.LanesSet)
        {
            return options.Lanes;
        }

        var preferred = Math.Max((transport as ILanePreference)?.PreferredLanes ?? 0, (store as ILanePreference)?.PreferredLanes ?? 0);
        return preferred >= 1 ? preferred : options.Lanes;
    }

    /// <summary>The flows this runtime runs.</summary>
    public IReadOnlyCollection<FlowDefinition> Flows => _flows.Values;

    /// <summary>The message transport.</summary>
    public IMessageTransport Transport { get; }

    /// <summary>The state store.</summary>
    public IStateStore Store { get; }

    /// <summary>The runtime's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Creates a runtime with the embedded defaults and starts it.</summary>
    /// <param name="flows">The flows to run.</param>
    /// <returns>The started runtime.</returns>
    public static Task<FlowRuntime> StartAsync(params FlowDefinition[] flows) => StartAsync(flows, options: null);

    /// <summary>Creates a runtime and starts it.</summary>
    /// <param name="flows">The flows to run.</param>
    /// <param name="options">Transport, store, clock and limits.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started runtime.</returns>
    public static async Task<FlowRuntime> StartAsync(IEnumerable<FlowDefinition> flows, FlowRuntimeOptions? options, CancellationToken cancellationToken = default)
    {
        var runtime = new FlowRuntime(flows, options);
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        return runtime;
    }

    /// <summary>
    /// Subscribes every flow to its input subjects (and to the state store's watch when it has
    /// state-only rules), picks up what a previous host left, and waits until the transport says the
    /// subscriptions are live (<see cref="IMessageTransport.WhenSubscribedAsync"/>): a message
    /// published on a flow's subject once this completes, by this process or any other client, reaches
    /// the flow.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the flows are subscribed and their subscriptions are live.</returns>
    /// <exception cref="InvalidOperationException">The runtime was already started or stopped.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The runtime was already started; a runtime starts once.");
        }

        // Before the flows run: a store that never counted a flow's executions counts them once. Not
        // fatal: the flows run all the same, and GetProgressAsync tries again (and throws).
        foreach (var flow in _flows.Values)
        {
            try
            {
                await InitializeProgressAsync(flow, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                LogProgressNotCounted(_logger, flow.Id, ex);
            }
        }

        _gauge = ProgressGauge.Register(Store, _flows.Values);
        foreach (var (flow, group, child) in _missingFanOutChildren)
        {
            LogFanOutChildElsewhere(_logger, flow, child, group);
        }

        // Each flow runs when its deployment record says Running with this host's version (a flow
        // without a record is auto-deployed Running unless AutoDeploy is off); the watch started here
        // converges the flows on every later change of the records.
        await StartDeploymentsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking new messages and waits for the rules that are running to commit.</summary>
    /// <returns>A task that completes when the runtime has stopped.</returns>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        _gauge?.Dispose();
        await StopDeploymentsAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Completes when every message published so far has been handled, including the messages
    /// their rules published in turn. Available on the embedded transport, where the runtime can
    /// see every message.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the flows are quiescent.</returns>
    /// <exception cref="NotSupportedException">The transport is not the embedded one.</exception>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        if (Transport is not IIdleSignal transport)
        {
            throw new NotSupportedException($"WhenIdleAsync needs a transport that knows when its messages are handled (the embedded one does); this runtime uses {Transport.GetType().Name}.");
        }

        var store = Store as IIdleSignal;
        while (true)
        {
            var before = transport.Activity + (store?.Activity ?? 0) + _work.Activity;
            await transport.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
            if (store is not null)
            {
                await store.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
            }

            await _work.WhenIdleAsync(cancellationToken).ConfigureAwait(false);

            // Work moves from one signal to the next by being taken on before it is let go, so if no
            // signal took on anything while we looked and all are empty, nothing is left anywhere.
            var pending = transport.PendingMessages + (store?.PendingMessages ?? 0) + _work.Pending;
            var after = transport.Activity + (store?.Activity ?? 0) + _work.Activity;
            if (pending == 0 && before == after)
            {
                return;
            }
        }
    }

    /// <summary>Publishes a message on its port's subject.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The message's port (from a generated <c>Ports</c> class).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the transport has taken the message.</returns>
    public ValueTask PublishAsync<T>(MessagePort<T> port, T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(message);
        return Transport.PublishAsync(port.Subject, port.Serialize(message), headers: null, cancellationToken);
    }

    /// <summary>Reads an execution's committed state.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state, or <see langword="null"/> when the flow has no such execution.</returns>
    public async ValueTask<TState?> GetAsync<TState>(FlowDefinition<TState> flow, string executionId, CancellationToken cancellationToken = default)
        where TState : class, IFlowState, new()
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var entry = await Store.GetAsync(RuntimeServices.StateKey(flow.Id, executionId), cancellationToken).ConfigureAwait(false);
        return entry is null ? null : FlowSerializer.Deserialize(flow.StateFormatter, entry.Value);
    }

    /// <summary>Reads every execution of a flow.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The executions, in no particular order.</returns>
    public async IAsyncEnumerable<TState> ListAsync<TState>(FlowDefinition<TState> flow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TState : class, IFlowState, new()
    {
        ArgumentNullException.ThrowIfNull(flow);
        await foreach (var key in Store.ListKeysAsync(flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            var entry = await Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is not null)
            {
                yield return FlowSerializer.Deserialize(flow.StateFormatter, entry.Value);
            }
        }
    }

    /// <summary>
    /// Reads how many executions of <paramref name="flow"/> are in each status: the counters the state
    /// store moves in the same transaction as each write that changes an execution's status, so this
    /// lists no executions and is exact whichever host (or command line) made the writes.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts per status, as of now.</returns>
    /// <exception cref="ArgumentException">The runtime does not run <paramref name="flow"/>.</exception>
    /// <exception cref="NotSupportedException">The state store keeps no progress counters.</exception>
    public async Task<FlowProgress> GetProgressAsync(FlowDefinition flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (!_flows.ContainsKey(flow.Id))
        {
            throw new ArgumentException($"This runtime does not run flow '{flow.Id}'; it runs {string.Join(", ", _flows.Keys)}.", nameof(flow));
        }

        await InitializeProgressAsync(flow, cancellationToken).ConfigureAwait(false);
        var counts = await Store.ReadProgressAsync(flow.Id, cancellationToken).ConfigureAwait(false)
            ?? throw new NotSupportedException($"The state store {Store.GetType().Name} keeps no progress counters for flow '{flow.Id}'; the in-memory, SQLite and NATS stores do.");
        return new FlowProgress(flow.Id, counts, TimeProvider.GetUtcNow());
    }

    private async ValueTask InitializeProgressAsync(FlowDefinition flow, CancellationToken cancellationToken)
    {
        if (!_progressReady.ContainsKey(flow.Id))
        {
            await FlowProgress.InitializeAsync(Store, flow, cancellationToken).ConfigureAwait(false);
            _progressReady[flow.Id] = true;
        }
    }

    /// <summary>
    /// Pauses a Running or Waiting execution: no rule fires for it until it is resumed; messages for it
    /// are kept with it (parked, whatever the flow's <see cref="UnmatchedMessagePolicy"/>) and handled
    /// in order on resume; its deadline waits, and fires on resume when it passed meanwhile. A
    /// compare-and-set write of the execution's state, so every host sees it (see <see cref="ExecutionControl"/>).
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline; <see cref="ExecutionControl.DefaultBy"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">No such execution, or it is not Running or Waiting (the message names its status).</exception>
    public Task<ExecutionControlResult> PauseAsync(FlowDefinition flow, string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Pause, by, reason, TimeProvider, cancellationToken);

    /// <summary>Resumes a Paused execution: it returns to Running (or Waiting, when it waits for a reply), handles the messages kept while it was paused in their order, and times out if its deadline passed meanwhile.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">No such execution, or it is not Paused.</exception>
    public Task<ExecutionControlResult> ResumeAsync(FlowDefinition flow, string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Resume, by, reason, TimeProvider, cancellationToken);

    /// <summary>
    /// Cancels a Running, Waiting or Paused execution: it becomes <see cref="ExecutionStatus.Cancelled"/>,
    /// which is terminal; rule work in flight for it sees <see cref="RuleContext.CancellationToken"/>
    /// cancelled and its write is refused; its kept messages and later ones (replies too) are dead-lettered.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline and the status reason.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">No such execution, or it has ended already.</exception>
    public Task<ExecutionControlResult> CancelAsync(FlowDefinition flow, string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Cancel, by, reason, TimeProvider, cancellationToken);

    /// <summary>
    /// Retries a Failed or TimedOut execution from its last committed state: it runs again in the phase
    /// it was in (Waiting again when it waited for a reply), with a fresh deadline when the flow has a
    /// timeout; messages that arrive from then on fire its rules.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="by">Who, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">No such execution, or it is not Failed or TimedOut.</exception>
    public Task<ExecutionControlResult> RetryAsync(FlowDefinition flow, string executionId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Retry, by, reason, TimeProvider, cancellationToken);

    /// <summary>Applies a control to every execution of a flow it applies to, or only to those in <paramref name="status"/> (cancel every Waiting one).</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="action">The control.</param>
    /// <param name="status">Only executions in this status; every status the control applies to when <see langword="null"/>.</param>
    /// <param name="reason">Why, recorded in each timeline.</param>
    /// <param name="by">Who, recorded in each timeline.</param>
    /// <param name="cancellationToken">Stops between executions.</param>
    /// <returns>One result per selected execution; refusals (an execution that changed meanwhile) are reported in it.</returns>
    /// <exception cref="ExecutionControlException"><paramref name="status"/> is a status the control never applies to.</exception>
    public Task<IReadOnlyList<ExecutionControlResult>> ControlAllAsync(FlowDefinition flow, ExecutionControlAction action, ExecutionStatus? status = null, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyManyAsync(Store, flow, action, status, by, reason, TimeProvider, cancellationToken);

    /// <summary>
    /// Stops the runtime (<see cref="StopAsync"/>), then disposes the transport and the state store it
    /// created itself. A transport or store given through <see cref="FlowRuntimeOptions"/> is disposed
    /// only with <see cref="FlowRuntimeOptions.DisposeSuppliedTransportAndStore"/>; otherwise it stays
    /// open for whoever created it.
    /// </summary>
    /// <returns>A task that completes when the runtime has stopped and released what it owns.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownsTransport)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsStore)
        {
            await Store.DisposeAsync().ConfigureAwait(false);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Flow {Flow} fans out to flow {Child} (group {Group}), which this host does not run: its children start only if another host runs flow {Child}, and the group waits for them until its timeout (or forever without one)")]
    private static partial void LogFanOutChildElsewhere(Microsoft.Extensions.Logging.ILogger logger, string flow, string child, string group);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Flow {Flow}: the progress counters could not be initialized at start; the flow runs, and reading its progress tries again")]
    private static partial void LogProgressNotCounted(Microsoft.Extensions.Logging.ILogger logger, string flow, Exception exception);
}
