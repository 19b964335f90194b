using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Testing;

/// <summary>How a <see cref="FlowTestHost"/> runs its flows.</summary>
public sealed class FlowTestHostOptions
{
    private DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The virtual time the host starts at; 2026-01-01T00:00:00Z when not set. Not together with <see cref="Time"/> (a clock has its own time).</summary>
    public DateTimeOffset Start
    {
        get => _start;
        set
        {
            _start = value;
            StartSet = true;
        }
    }

    /// <summary>Whether <see cref="Start"/> was set.</summary>
    internal bool StartSet { get; private set; }

    /// <summary>
    /// The virtual clock; a new one at <see cref="Start"/> when not set. Give two hosts the same clock to
    /// test what a restart keeps: the second host starts where the first stopped, and time moves on for both.
    /// </summary>
    public FakeTimeProvider? Time { get; set; }

    /// <summary>The transport to wrap; an <see cref="InMemoryTransport"/> on the virtual clock when not set. One set here is not disposed by the host.</summary>
    public IMessageTransport? Transport { get; set; }

    /// <summary>The state store to wrap; an <see cref="InMemoryStateStore"/> when not set. One set here is not disposed by the host.</summary>
    public IStateStore? StateStore { get; set; }

    /// <summary>
    /// Whether <see cref="FlowTestHost.SettleAsync"/> throws <see cref="FlowTestFailureException"/> when the
    /// runtime logged an error since the last settle. Default <see langword="true"/>: failures are never swallowed.
    /// </summary>
    public bool ThrowOnErrors { get; set; } = true;

    /// <summary>
    /// The lowest level of the runtime's log entries kept in <see cref="FlowTestHost.Logs"/>. Default
    /// <see cref="LogLevel.Debug"/>: every rule evaluation with the reason it fired or not. Errors are
    /// always kept.
    /// </summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Debug;

    /// <summary>How long <see cref="FlowTestHost.SettleAsync"/> waits for the flows to be idle; 30 seconds of real time by default.</summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Changes the runtime's options before it starts (limits, lanes, retention, a logger factory of the
    /// test's own, which still receives everything). The host sets the transport and store. A
    /// <see cref="FakeTimeProvider"/> set here becomes the host's <see cref="FlowTestHost.Time"/>, so
    /// <see cref="FlowTestHost.AdvanceAsync"/> moves it; with any other clock the runtime runs on it and
    /// the host's <see cref="FlowTestHost.Time"/> and <see cref="FlowTestHost.AdvanceAsync"/> throw (the
    /// host cannot move it). A clock set here besides <see cref="Time"/> is refused. The host sets <see cref="FlowRuntimeOptions.HandlingRetryDelay"/>
    /// to zero first (a failed event is handled again at once, its execution's later events still
    /// waiting behind it); set it here to drive the backoff with the virtual clock.
    /// </summary>
    public Action<FlowRuntimeOptions>? ConfigureRuntime { get; set; }
}

/// <summary>
/// A <see cref="FlowRuntime"/> for tests: on virtual time (<see cref="Time"/>), with every published
/// message recorded (<see cref="Messages"/>), a transport and a store that inject redeliveries, write
/// conflicts and failures on request, and the runtime's errors surfaced by <see cref="SettleAsync"/>,
/// never swallowed. Depends on no test framework.
/// </summary>
/// <example>
/// <code>
/// await using var host = await FlowTestHost.StartAsync(OrderFlow.Definition);
/// await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));
/// var order = await host.GetAsync(OrderFlow.Definition, "o-1");
/// await host.AdvanceAsync(TimeSpan.FromHours(2));     // deadlines and cooldowns pass at once
/// </code>
/// </example>
public sealed class FlowTestHost : IAsyncDisposable
{
    private readonly LogCapture _logs;
    private readonly FlowTestHostOptions _options;
    private bool _ownsTransport;
    private bool _ownsStore;

    private FlowTestHost(FlowRuntime runtime, FakeTimeProvider time, FaultInjectingTransport transport, FaultInjectingStateStore store, MessageRecorder messages, LogCapture logs, FlowTestHostOptions options)
    {
        Runtime = runtime;
        _time = time;
        Transport = transport;
        Store = store;
        Messages = messages;
        _logs = logs;
        _options = options;
    }

    /// <summary>The runtime. Generated clients take it: <c>new OrderClient(host.Runtime)</c>.</summary>
    public FlowRuntime Runtime { get; }

    private readonly FakeTimeProvider _time;

    /// <summary>The virtual clock of the runtime: <see cref="FakeTimeProvider.Advance"/> it, or call <see cref="AdvanceAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The runtime runs on a clock that is not a <see cref="FakeTimeProvider"/>, set through <see cref="FlowTestHostOptions.ConfigureRuntime"/>: the host cannot move it.</exception>
    public FakeTimeProvider Time => ReferenceEquals(Runtime.TimeProvider, _time)
        ? _time
        : throw new InvalidOperationException($"The runtime runs on the {Runtime.TimeProvider.GetType().Name} that ConfigureRuntime set, not on a FakeTimeProvider the host can move: advance that clock yourself, or set FlowTestHostOptions.Time to a FakeTimeProvider.");

    /// <summary>The runtime's time now.</summary>
    public DateTimeOffset Now => Runtime.TimeProvider.GetUtcNow();

    /// <summary>The transport, which forces redeliveries on request.</summary>
    public FaultInjectingTransport Transport { get; }

    /// <summary>The state store, which injects write conflicts and failures on request.</summary>
    public FaultInjectingStateStore Store { get; }

    /// <summary>Every message published on the transport since the host started, typed per port on request.</summary>
    public MessageRecorder Messages { get; }

    /// <summary>What the runtime logged, at <see cref="FlowTestHostOptions.LogLevel"/> and above, oldest first.</summary>
    public IReadOnlyList<FlowLogEntry> Logs => _logs.Entries;

    /// <summary>The errors the runtime logged, oldest first, whether <see cref="SettleAsync"/> reported them yet or not.</summary>
    public IReadOnlyList<FlowLogEntry> Errors => _logs.Errors;

    /// <summary>Starts a host for <paramref name="flows"/> with the default options.</summary>
    /// <param name="flows">The flows: the generated <c>&lt;State&gt;Flow.Definition</c> of each.</param>
    /// <returns>The started host.</returns>
    public static Task<FlowTestHost> StartAsync(params FlowDefinition[] flows) => StartAsync(flows, configure: null);

    /// <summary>Starts a host for <paramref name="flows"/>.</summary>
    /// <param name="flows">The flows.</param>
    /// <param name="configure">Changes the host's options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started host.</returns>
    public static async Task<FlowTestHost> StartAsync(IEnumerable<FlowDefinition> flows, Action<FlowTestHostOptions>? configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var options = new FlowTestHostOptions();
        configure?.Invoke(options);
        if (options.Time is not null && options.StartSet)
        {
            throw new ArgumentException("FlowTestHostOptions: Start and Time are both set; a clock has its own time. Set Start, or create the FakeTimeProvider at the time you want.", nameof(configure));
        }

        var time = options.Time ?? new FakeTimeProvider(options.Start);

        // The host's clock unless the test's own configuration brings another one, which must be one the
        // host can move. A failed event is handled again at once, not after a backoff on the virtual
        // clock that nothing would move.
        var runtimeOptions = new FlowRuntimeOptions { TimeProvider = time, HandlingRetryDelay = TimeSpan.Zero };
        options.ConfigureRuntime?.Invoke(runtimeOptions);
        if (!ReferenceEquals(runtimeOptions.TimeProvider, time))
        {
            if (options.Time is not null)
            {
                throw new ArgumentException("FlowTestHostOptions: ConfigureRuntime set the runtime's TimeProvider besides Time; the runtime would run on one clock and AdvanceAsync move the other. Set the clock once, as Time.", nameof(configure));
            }

            // A fake clock becomes the host's, which AdvanceAsync moves; another clock (one that ticks on
            // every read, the system's) runs the runtime, and the host refuses to move time it does not own.
            time = runtimeOptions.TimeProvider as FakeTimeProvider ?? time;
        }

        var transport = new FaultInjectingTransport(options.Transport ?? new InMemoryTransport(time));
        var store = new FaultInjectingStateStore(options.StateStore ?? new InMemoryStateStore());
        var logs = new LogCapture(time, options.LogLevel, runtimeOptions.LoggerFactory);
        runtimeOptions.Transport = transport;
        runtimeOptions.StateStore = store;
        runtimeOptions.LoggerFactory = logs;
        runtimeOptions.DisposeSuppliedTransportAndStore = false;

        // Recording starts before the runtime: a starting runtime publishes what a stopped one left.
        var messages = MessageRecorder.Attach(transport.Inner, time: time);
        FlowRuntime? runtime = null;
        try
        {
            runtime = new FlowRuntime(flows, runtimeOptions);
            await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
            return new FlowTestHost(runtime, time, transport, store, messages, logs, options)
            {
                _ownsTransport = options.Transport is null,
                _ownsStore = options.StateStore is null,
            };
        }
        catch
        {
            messages.Dispose();
            if (runtime is not null)
            {
                await runtime.DisposeAsync().ConfigureAwait(false);
            }

            if (options.Transport is null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            if (options.StateStore is null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Publishes <paramref name="message"/> on its port's subject and waits until the flows settle (<see cref="SettleAsync"/>).</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The message's port (from a generated <c>Ports</c> class).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message and everything it set off is handled.</returns>
    /// <exception cref="FlowTestFailureException">The runtime logged an error meanwhile.</exception>
    public async Task SendAsync<T>(MessagePort<T> port, T message, CancellationToken cancellationToken = default)
    {
        await Runtime.PublishAsync(port, message, cancellationToken).ConfigureAwait(false);
        await SettleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves the virtual clock forward and waits until what came due (deadlines, retention) is handled.</summary>
    /// <param name="delta">How far.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the flows settle.</returns>
    /// <exception cref="FlowTestFailureException">The runtime logged an error meanwhile.</exception>
    public async Task AdvanceAsync(TimeSpan delta, CancellationToken cancellationToken = default)
    {
        Time.Advance(delta);
        await SettleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every message published so far, and everything its handling set off (state-only rules,
    /// published messages, redeliveries), is handled. Then reports the errors the runtime logged since the
    /// last settle, unless <see cref="FlowTestHostOptions.ThrowOnErrors"/> is off.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the flows are idle.</returns>
    /// <exception cref="FlowTestFailureException">The runtime logged an error since the last settle; each error is reported once.</exception>
    /// <exception cref="TimeoutException">The flows were not idle within <see cref="FlowTestHostOptions.SettleTimeout"/>.</exception>
    public async Task SettleAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SettleTimeout);
        try
        {
            await Runtime.WhenIdleAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var lastLines = _logs.Entries.Where(e => e.Level >= LogLevel.Information).TakeLast(10).Select(e => Environment.NewLine + "  " + e);
            throw new TimeoutException($"The flows were not idle after {_options.SettleTimeout} ({Transport.PendingMessages} message(s) pending on the transport). Recorded: {Messages.Describe()}. Last lines the runtime logged:{string.Concat(lastLines)}");
        }

        var errors = _logs.TakeUnreportedErrors();
        if (errors.Count > 0 && _options.ThrowOnErrors)
        {
            throw new FlowTestFailureException(errors);
        }
    }

    /// <summary>Reads an execution's committed state.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state.</returns>
    /// <exception cref="FlowAssertionException">The flow has no such execution.</exception>
    public async Task<TState> GetAsync<TState>(FlowDefinition<TState> flow, string executionId, CancellationToken cancellationToken = default)
        where TState : class, IFlowState, new()
    {
        return await Runtime.GetAsync(flow, executionId, cancellationToken).ConfigureAwait(false)
            ?? throw new FlowAssertionException($"Flow '{flow.Id}' has no execution '{executionId}'.");
    }

    /// <summary>Reads an execution's committed state, or <see langword="null"/> when it does not exist.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state, or <see langword="null"/>.</returns>
    public async Task<TState?> FindAsync<TState>(FlowDefinition<TState> flow, string executionId, CancellationToken cancellationToken = default)
        where TState : class, IFlowState, new()
        => await Runtime.GetAsync(flow, executionId, cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the runtime, then disposes the transport and the store the host created (one given in the options stays open).</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync().ConfigureAwait(false);
        Messages.Dispose();
        if (_ownsTransport)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsStore)
        {
            await Store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
