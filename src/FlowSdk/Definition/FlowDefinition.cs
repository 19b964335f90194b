using System.Collections.Frozen;
using MessagePack.Formatters;

namespace FlowSdk;

/// <summary>
/// A flow as the generator understood it: id, phases, limits and the dispatch table. The generator
/// emits one per flow as <c>&lt;State&gt;Flow.Definition</c>; hand it to <see cref="FlowRuntime"/>.
/// </summary>
public abstract class FlowDefinition
{
    // The phases by index, and whether each is terminal: what a firing reads, without a lookup by name.
    private readonly string[] _phaseNames;
    private readonly bool[] _terminal;

    private protected FlowDefinition(string id, IReadOnlyList<string> phases, IReadOnlyList<string> terminalPhases, int maxIterations, TimeSpan? timeout, LifecycleSubjects? lifecycle)
    {
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"Flow '{id}': a timeout must be longer than zero.");
        }

        lifecycle ??= LifecycleSubjects.None;
        foreach (var subject in new[] { lifecycle.Completed, lifecycle.Failed, lifecycle.Escalated, lifecycle.TimedOut })
        {
            if (subject is not null)
            {
                Subjects.EnsureValid(subject, allowWildcards: false, nameof(lifecycle));
            }
        }

        if (lifecycle.Events is { } prefix)
        {
            Subjects.EnsureValid(prefix, allowWildcards: false, nameof(lifecycle));
            Events = new Runtime.ExecutionEvents(id, prefix);
        }

        Timeout = timeout;
        Lifecycle = lifecycle;
        FlowIds.EnsureValid(id);
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(terminalPhases);
        if (phases.Count == 0)
        {
            throw new ArgumentException($"Flow '{id}' has no phases: its phase enum needs at least one member.", nameof(phases));
        }

        foreach (var terminal in terminalPhases)
        {
            if (!phases.Contains(terminal))
            {
                throw new ArgumentException($"Flow '{id}' marks '{terminal}' terminal, but it is not one of its phases ({string.Join(", ", phases)}).", nameof(terminalPhases));
            }
        }

        if (maxIterations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, $"Flow '{id}': MaxIterations must be 0 (no limit) or more.");
        }

        Id = id;
        Phases = phases;
        TerminalPhases = terminalPhases;
        MaxIterations = maxIterations;
        PhaseOrder = phases.Select((p, i) => KeyValuePair.Create(p, i)).ToFrozenDictionary(StringComparer.Ordinal);
        _phaseNames = [.. phases];
        _terminal = [.. phases.Select(p => terminalPhases.Contains(p))];
    }

    /// <summary>The flow id.</summary>
    public string Id { get; }

    /// <summary>The phases in declaration order; the first is where a new execution starts.</summary>
    public IReadOnlyList<string> Phases { get; }

    /// <summary>The phases that complete an execution.</summary>
    public IReadOnlyList<string> TerminalPhases { get; }

    /// <summary>How many iterations one execution may run; 0 means no limit.</summary>
    public int MaxIterations { get; }

    /// <summary>How long an execution may run from its creation; <see langword="null"/> for no limit.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>The subjects the flow publishes its lifecycle events on.</summary>
    public LifecycleSubjects Lifecycle { get; }

    /// <summary>The flow's <see cref="ExecutionEvent"/>s, when it declares an <see cref="LifecycleSubjects.Events"/> prefix.</summary>
    internal Runtime.ExecutionEvents? Events { get; }

    /// <summary>The flow's schedules (<see cref="ScheduleAttribute{TTick}"/>), in declaration order.</summary>
    public IReadOnlyList<Orchestration.ScheduleDefinition> Schedules { get; private protected set; } = [];

    /// <summary>The flow's fan-out groups (<see cref="FanOutAttribute{TChild, TInput, TResult}"/>), in declaration order.</summary>
    public IReadOnlyList<FanOutGroup> FanOuts { get; private protected set; } = [];

    /// <summary>The phase a new execution starts in.</summary>
    public string InitialPhase => Phases[0];

    /// <summary>Every rule of the flow, in declaration order.</summary>
    public abstract IReadOnlyList<RuleInfo> Rules { get; }

    /// <summary>The subjects the flow consumes.</summary>
    public abstract IReadOnlyList<string> InputSubjects { get; }

    /// <summary>The flow's input ports, without their static types.</summary>
    public abstract IReadOnlyList<IInputPort> InputPorts { get; }

    /// <summary>Reads the execution bookkeeping from a stored state value.</summary>
    /// <param name="value">The stored MessagePack bytes.</param>
    /// <returns>The bookkeeping.</returns>
    /// <exception cref="MessagePack.MessagePackSerializationException">The bytes are not a state of this flow.</exception>
    public abstract ExecutionInfo ReadExecution(ReadOnlyMemory<byte> value);

    internal FrozenDictionary<string, int> PhaseOrder { get; }

    /// <summary>
    /// The index of <paramref name="phase"/> in <see cref="Phases"/>, or -1 when it is none of them. A phase
    /// name the flow handed out (a rule's, or one read back through the known phase names) is the same
    /// string instance, found by reference among the first phases; any other is looked up by name.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int TryPhaseIndex(string phase)
    {
        var names = _phaseNames;
        for (var i = 0; i < names.Length && i < 8; i++)
        {
            if (ReferenceEquals(names[i], phase))
            {
                return i;
            }
        }

        return PhaseOrder.TryGetValue(phase, out var index) ? index : -1;
    }

    /// <summary>The index of <paramref name="phase"/> in <see cref="Phases"/>.</summary>
    /// <exception cref="KeyNotFoundException"><paramref name="phase"/> is none of the flow's phases.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int PhaseIndex(string phase)
    {
        var index = TryPhaseIndex(phase);
        return index >= 0 ? index : NotAPhase(phase);
    }

    private int NotAPhase(string phase) => throw new KeyNotFoundException($"'{phase}' is not a phase of flow '{Id}' ({string.Join(", ", Phases)}).");

    /// <summary>Whether the phase at <paramref name="index"/> completes an execution.</summary>
    internal bool IsTerminalPhase(int index) => _terminal[index];

    internal abstract Runtime.IFlowProcessor CreateProcessor(Runtime.RuntimeServices services);

    /// <summary>Applies an operator's control to a stored state (see <see cref="ExecutionControl"/>); returns the state to write and the status before and after.</summary>
    internal abstract (byte[] Value, ExecutionStatus Before, ExecutionStatus After) Control(ReadOnlyMemory<byte> value, ExecutionControlAction action, string by, string? reason, DateTimeOffset now);

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>
/// The rule context (with its outbox) <see cref="FlowDefinition{TState}.Fire{TMessage}"/> uses, one per thread (in a
/// class that is not generic, so reaching it is one thread-static read): taken for a firing and given back with
/// its outbox emptied, so a firing allocates neither. It stays in its thread-static slot, marked held while a
/// firing holds it, so giving it back writes no reference. A firing started while another runs on the same
/// thread (a rule that fires another flow) finds it held and makes its own.
/// </summary>
internal static class FiringScratch
{
    [ThreadStatic]
    private static RuleContext? t_context;

    /// <summary>This thread's context, or a new one when a firing on this thread holds it.</summary>
    public static RuleContext Take()
    {
        var context = t_context;
        if (context is null || context.Held)
        {
            context = new RuleContext(default, null, new Outbox());
            t_context ??= context;
        }

        context.Held = true;
        return context;
    }

    /// <summary>Gives the context back, its outbox emptied.</summary>
    public static void Return(RuleContext context)
    {
        context.Outbox.Clear();
        context.Held = false;
    }
}

/// <summary>A flow whose executions are instances of <typeparamref name="TState"/>.</summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
public sealed class FlowDefinition<TState> : FlowDefinition
    where TState : class, IFlowState, new()
{
    private readonly RuleInfo[] _rules;
    private readonly Func<TState>? _create;
    private readonly string[] _subjects;
    private Runtime.RuleApplier<TState>? _applier;

    // The port Fire used last: checked by its exact type, which shared generic code reads from its
    // instantiation, without the static slot's lookup.
    private InputPort<TState>? _lastFired;

    /// <summary>Creates a flow definition. Called by generated code.</summary>
    /// <param name="id">The flow id.</param>
    /// <param name="phases">The phase names in declaration order.</param>
    /// <param name="terminalPhases">The names of the terminal phases.</param>
    /// <param name="maxIterations">How many iterations one execution may run; 0 means no limit.</param>
    /// <param name="stateFormatter">The generated MessagePack formatter of the state class.</param>
    /// <param name="inputs">The dispatch table: one row per consumed message type.</param>
    /// <param name="stateRules">The state-only rules, in declaration order.</param>
    /// <param name="timeout">How long an execution may run from its creation; <see langword="null"/> for no limit.</param>
    /// <param name="lifecycle">The subjects of the flow's lifecycle events.</param>
    /// <param name="schedules">The flow's schedules; each publishes on one of the flow's input subjects.</param>
    /// <param name="fanOuts">The flow's fan-out groups; names unique within the flow.</param>
    /// <param name="create">Makes a new execution's state (the generated code passes <c>static () =&gt; new TState()</c>, a direct
    /// constructor call); <see langword="null"/> for <c>new TState()</c> through the <c>new()</c> constraint.</param>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public FlowDefinition(
        string id,
        IReadOnlyList<string> phases,
        IReadOnlyList<string> terminalPhases,
        int maxIterations,
        IMessagePackFormatter<TState> stateFormatter,
        IReadOnlyList<InputPort<TState>> inputs,
        IReadOnlyList<Rule<TState, StateChange>>? stateRules = null,
        TimeSpan? timeout = null,
        LifecycleSubjects? lifecycle = null,
        IReadOnlyList<Orchestration.ScheduleDefinition>? schedules = null,
        IReadOnlyList<FanOutGroup>? fanOuts = null,
        Func<TState>? create = null)
        : base(id, phases, terminalPhases, maxIterations, timeout, lifecycle)
    {
        _create = create;
        ArgumentNullException.ThrowIfNull(stateFormatter);
        ArgumentNullException.ThrowIfNull(inputs);
        StateRules = stateRules ?? [];
        foreach (var rule in StateRules)
        {
            if (rule.Info.Trigger != TriggerKind.State)
            {
                throw new ArgumentException($"Rule '{rule.Info}' is listed as a state rule but its trigger is {rule.Info.Trigger}.", nameof(stateRules));
            }

            CheckPhase(id, rule.Info, rule.Info.From, phases);
            CheckPhase(id, rule.Info, rule.Info.To, phases);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!seen.Add(input.Subject))
            {
                throw new ArgumentException($"Flow '{id}' has two input ports on subject '{input.Subject}'.", nameof(inputs));
            }

            foreach (var rule in input.Rules)
            {
                CheckPhase(id, rule, rule.From, phases);
                CheckPhase(id, rule, rule.To, phases);
            }
        }

        StateFormatter = stateFormatter;
        Inputs = inputs;
        _rules = inputs.SelectMany(i => i.Rules).Concat(StateRules.Select(r => r.Info)).ToArray();
        _subjects = inputs.Select(i => i.Subject).ToArray();
        Schedules = Orchestration.Schedules.Check(id, schedules, _subjects);
        FanOuts = FanOutGroup.Check(id, fanOuts);
    }

    /// <summary>The generated formatter of the state class.</summary>
    public IMessagePackFormatter<TState> StateFormatter { get; }

    /// <summary>The dispatch table: one row per consumed message type.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public IReadOnlyList<InputPort<TState>> Inputs { get; }

    /// <summary>The state-only rules, in declaration order.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public IReadOnlyList<Rule<TState, StateChange>> StateRules { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<RuleInfo> Rules => _rules;

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputSubjects => _subjects;

    /// <inheritdoc/>
    public override IReadOnlyList<IInputPort> InputPorts => [.. Inputs];

    /// <inheritdoc/>
    public override ExecutionInfo ReadExecution(ReadOnlyMemory<byte> value) => FlowSerializer.Deserialize(StateFormatter, value).Execution;

    /// <summary>
    /// Says, rule by rule in declaration order, whether each rule that <paramref name="message"/> can
    /// trigger would fire for <paramref name="state"/> and why, without firing anything. For tests and
    /// debugging; the runtime logs the same at Debug level.
    /// </summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="state">The execution's state.</param>
    /// <param name="message">The message.</param>
    /// <param name="now">The time to evaluate at (cooldowns, conditions that take a <see cref="RuleContext"/>).</param>
    /// <returns>One evaluation per rule, up to and including the first that would fire.</returns>
    /// <exception cref="ArgumentException">The flow does not consume <typeparamref name="TMessage"/>.</exception>
    public IReadOnlyList<RuleEvaluation> Explain<TMessage>(TState state, TMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Explain(RequirePort<TMessage>().RuleSet, state, message, now);
    }

    /// <summary>
    /// Handles one message for <paramref name="state"/> in memory, exactly as the runtime applies a
    /// firing, with no transport or store: for unit tests of rules. The first rule that passes fires
    /// and changes <paramref name="state"/> in place (phase, iteration, status, timeline included).
    /// As in the runtime, an execution that ended fires nothing; one that waits for a reply fires only
    /// for the reply carrying its task id (which lets it run again); and one past its deadline times out
    /// instead (no rule fires; its lifecycle event is in the result's messages).
    /// A rule that requires approval, with its declared policy Ask (the default), does not fire: the
    /// execution waits for approval (<see cref="FiringResult.AwaitsApproval"/>) until
    /// <see cref="Approve"/> or <see cref="Reject"/>, and meanwhile no message fires anything (the runtime
    /// keeps them with the execution); with policy Approve it fires at once, with Deny it is rejected.
    /// A rule that throws lets the exception through (the runtime would mark the execution Failed).
    /// </summary>
    /// <remarks>
    /// The runtime also evaluates the state-only rules after every committed change; call
    /// <see cref="FireChain"/> after this to do the same.
    /// </remarks>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="state">The execution's state; a new execution is <c>new TState()</c> after <see cref="Start"/>.</param>
    /// <param name="message">The message.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns>Which rule fired, if any, and the messages it would publish.</returns>
    /// <exception cref="ArgumentException">The flow does not consume <typeparamref name="TMessage"/>.</exception>
    public FiringResult Fire<TMessage>(TState state, TMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_lastFired is not InputPort<TState, TMessage> port)
        {
            _lastFired = port = RequirePort<TMessage>();
        }

        // The generated port fires its rules itself, with direct calls; a port built by hand walks its rule objects.
        return port.Dispatcher.Fire(this, state, message, now) ?? FireByRules(port, state, message, now);
    }

    /// <summary>
    /// <see cref="Fire{TMessage}"/> by the port's rule objects, whether or not its dispatcher fires them itself: what
    /// a port built by hand does, and what a generated firing is checked against.
    /// </summary>
    internal FiringResult FireByRules<TMessage>(TState state, TMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return FireByRules(RequirePort<TMessage>(), state, message, now);
    }

    private FiringResult FireByRules<TMessage>(InputPort<TState, TMessage> port, TState state, TMessage message, DateTimeOffset now)
    {
        var rules = port.RuleSet;
        var execution = state.Execution;

        // A reply names its execution by its task id alone, as the runtime reads it (InputPort.Decode).
        var taskId = !port.HasCorrelationKey && port.Port.TaskIdOf is { } taskIdOf ? taskIdOf(message) ?? "" : null;

        // What keeps the rules that read the state from firing, decided once per message (nothing, for an
        // execution that runs and waits for nothing), acted on at the first such rule.
        var gate = PortFiring.IsOpen(execution, taskId) ? StateGate.Open : GateOf(execution, taskId, now);

        // One context and outbox per thread, reused from firing to firing: the result copies what it keeps.
        var context = FiringScratch.Take();
        try
        {
            for (var i = 0; i < rules.Length; i++)
            {
                var rule = rules[i];
                var needsState = rule.NeedsState;
                if (needsState && gate != StateGate.Open)
                {
                    return Stopped(execution, gate, now, context.Outbox);
                }

                // Each rule is evaluated with a context as new (the outbox is the firing's, as the runtime's).
                context.Reset(now, needsState ? execution.Id : null, Id);
                if (!rule.Passes(execution, needsState ? state : null!, message, context))
                {
                    continue;
                }

                if (!needsState)
                {
                    rule.Fire(null!, message, context);
                    return rule.Result(context);
                }

                if (rule.Approval is not null && rule.ApplyApproval(execution, port.Port, message, now) is { } asked)
                {
                    return asked;
                }

                _applier ??= new Runtime.RuleApplier<TState>(this, int.MaxValue, null);
                _applier.Apply(rule, state, null, message, port.Subject, TriggerKind.MessageAndState, taskId, context, now);
                return rule.Result(context);
            }

            return FiringResult.None;
        }
        finally
        {
            FiringScratch.Return(context);
        }
    }

    /// <summary>
    /// What a message's first rule that reads the state meets when the execution is not simply running (<see cref="PortFiring.IsOpen"/>):
    /// <see langword="null"/> when its rules fire as usual, otherwise the result of the message (nothing fired, or the
    /// execution timed out).
    /// </summary>
    internal FiringResult? Stopped(ExecutionInfo execution, string? taskId, DateTimeOffset now, Outbox? outbox)
    {
        var gate = GateOf(execution, taskId, now);
        return gate == StateGate.Open ? null : Stopped(execution, gate, now, outbox);
    }

    private FiringResult Stopped(ExecutionInfo execution, StateGate gate, DateTimeOffset now, Outbox? outbox)
    {
        if (gate != StateGate.TimedOut)
        {
            return FiringResult.None;
        }

        outbox ??= new Outbox();
        Runtime.FiringSteps.TimeOut(this, execution, FlowRuntimeOptions.DefaultMaxTimelineEntries, now, outbox);
        return new FiringResult(null, outbox.ToArray());
    }

    /// <summary>What keeps a message's rules that read the state from firing.</summary>
    private enum StateGate
    {
        /// <summary>Nothing: they are evaluated.</summary>
        Open,

        /// <summary>The execution ended, waits for approval, or waits for another reply (or for none): nothing fires.</summary>
        Closed,

        /// <summary>The execution is past its deadline: it times out instead.</summary>
        TimedOut,
    }

    /// <summary>The gate of an execution that is not simply running: in this order, ended, past its deadline, waiting for approval, waiting for another reply than <paramref name="taskId"/>.</summary>
    private static StateGate GateOf(ExecutionInfo execution, string? taskId, DateTimeOffset now)
    {
        if (execution.Status.IsTerminal())
        {
            return StateGate.Closed;
        }

        if (execution.Deadline is { } deadline && now >= deadline)
        {
            return StateGate.TimedOut;
        }

        if (execution.Status == ExecutionStatus.WaitingForApproval)
        {
            // The runtime keeps the message with the execution until the request is decided.
            return StateGate.Closed;
        }

        return (execution.Status == ExecutionStatus.Waiting
            ? !string.Equals(taskId, execution.PendingTaskId, StringComparison.Ordinal)
            : taskId is not null)
            ? StateGate.Closed
            : StateGate.Open;
    }

    /// <summary>
    /// Approves the request <paramref name="state"/> waits on (after <see cref="Fire{TMessage}"/> returned a
    /// result with <see cref="FiringResult.AwaitsApproval"/>), in memory, as the runtime applies an approval:
    /// the rule is evaluated again on the message it was asked for and fires if it still passes; if it no
    /// longer does, it does not apply and the timeline says why. For unit tests of approval rules.
    /// </summary>
    /// <param name="state">The execution's state, waiting for approval.</param>
    /// <param name="now">The time of the decision.</param>
    /// <param name="by">Who approves, recorded in the timeline and in <see cref="ExecutionInfo.LastApproval"/>.</param>
    /// <param name="reason">Why.</param>
    /// <returns>The rule, if it fired, and the messages it would publish.</returns>
    /// <exception cref="ExecutionControlException">The execution waits for no approval.</exception>
    public FiringResult Approve(TState state, DateTimeOffset now, string by = ExecutionControl.DefaultBy, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var execution = state.Execution;
        Approvals.Decide(this, execution, ExecutionControlAction.Approve, by, reason, now);
        var request = execution.PendingApproval!;
        var port = Inputs.FirstOrDefault(i => string.Equals(i.Subject, request.Subject, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Flow '{Id}' has no input port on '{request.Subject}', which the request was made for.");
        return port.FireApproved(this, state, request, now);
    }

    /// <summary>
    /// Rejects the request <paramref name="state"/> waits on, in memory, as the runtime applies a rejection:
    /// the rule does not apply, the execution runs again, and <see cref="ExecutionInfo.LastApproval"/> says
    /// who rejected it and why (what the flow's rejected path reads; call <see cref="FireChain"/> next).
    /// </summary>
    /// <param name="state">The execution's state, waiting for approval.</param>
    /// <param name="now">The time of the decision.</param>
    /// <param name="by">Who rejects.</param>
    /// <param name="reason">Why.</param>
    /// <exception cref="ExecutionControlException">The execution waits for no approval.</exception>
    public void Reject(TState state, DateTimeOffset now, string by = ExecutionControl.DefaultBy, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        Approvals.Decide(this, state.Execution, ExecutionControlAction.Reject, by, reason, now);
        Approvals.ApplyRejected(state.Execution, now);
    }

    internal FiringResult FireApproved<TMessage>(InputPort<TState, TMessage> port, TState state, TMessage message, ApprovalRequest request, DateTimeOffset now)
    {
        var execution = state.Execution;
        var rule = Array.Find(port.RuleSet, r => string.Equals(r.Info.Name, request.Rule, StringComparison.Ordinal));
        var outbox = new Outbox();
        var context = new RuleContext(now, execution.Id, outbox);
        if (rule is null || !rule.Passes(execution, state, message, context))
        {
            var why = rule is null
                ? $"flow '{Id}' has no rule {request.Rule} on {request.Subject} any more"
                : string.Join("; ", Explain([rule], state, message, now).Select(e => e.Reason));
            Approvals.Void(execution, why, now);
            return FiringResult.None;
        }

        Approvals.TakeApproved(execution);
        _applier ??= new Runtime.RuleApplier<TState>(this, int.MaxValue, null);
        _applier.Apply(rule, state, null, message, port.Subject, TriggerKind.MessageAndState, null, context, now);
        return new FiringResult(rule.Info, outbox.Messages);
    }

    /// <summary>
    /// Handles one committed change of <paramref name="state"/> in memory, exactly as the runtime handles
    /// it, with no transport or store: for unit tests of state-only rules. The state-only rules are
    /// evaluated in declaration order and the first that passes fires and changes <paramref name="state"/>
    /// in place (phase, iteration, status, timeline included). Nothing fires for an execution that has
    /// ended or waits for a reply; one past its deadline times out instead (no rule fires; its lifecycle
    /// event is in the result's messages). A rule that throws lets the exception through (the runtime would
    /// mark the execution Failed).
    /// </summary>
    /// <remarks>
    /// State-triggered firings that follow one another are counted in the state, as the runtime counts
    /// them; the firing that would exceed <paramref name="maxChainedFirings"/> escalates the execution
    /// instead, naming the rule. <see cref="Fire{TMessage}"/> (a message) resets the count.
    /// </remarks>
    /// <param name="state">The execution's state.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="maxChainedFirings">The runtime's <see cref="FlowRuntimeOptions.MaxChainedFirings"/>; 100 by default, as there.</param>
    /// <returns>Which rule fired, if any, and the messages it would publish.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxChainedFirings"/> is less than 1.</exception>
    public FiringResult FireStateChange(TState state, DateTimeOffset now, int maxChainedFirings = 100)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChainedFirings, 1);
        var execution = state.Execution;
        if (execution.Status.IsTerminal() || execution.Status == ExecutionStatus.Waiting)
        {
            return FiringResult.None;
        }

        if (execution.Deadline is { } deadline && now >= deadline)
        {
            var timedOut = new Outbox();
            new Runtime.RuleApplier<TState>(this, maxChainedFirings, null).TimeOut(execution, now, timedOut);
            return new FiringResult(null, timedOut.Messages);
        }

        var change = new StateChange(execution.Id, 0);
        foreach (var rule in StateRules)
        {
            var outbox = new Outbox();
            var context = new RuleContext(now, execution.Id, outbox, Id);
            if (!rule.Passes(execution, state, change, context))
            {
                continue;
            }

            var applier = new Runtime.RuleApplier<TState>(this, maxChainedFirings, null);
            applier.Apply(rule, state, null, change, Runtime.RuntimeServices.StateKey(Id, execution.Id), TriggerKind.State, null, context, now);
            return new FiringResult(rule.Info, outbox.Messages);
        }

        return FiringResult.None;
    }

    /// <summary>
    /// Runs the chain of state-only rules that a committed change of <paramref name="state"/> sets off,
    /// as the runtime does: each firing's write is itself a change, so <see cref="FireStateChange"/> is
    /// applied until no state-only rule fires, the execution ends or waits for a reply. Bounded as the
    /// runtime bounds it: past <paramref name="maxChainedFirings"/> firings in a row the execution is
    /// escalated and the chain stops.
    /// </summary>
    /// <example>
    /// <code>
    /// var ticket = TicketFlow.Definition.Start("t-1", now);
    /// TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 2), now);
    /// var chain = TicketFlow.Definition.FireChain(ticket, now);   // the state rules the commit triggers
    /// Assert.Equal(["Lookup"], chain.Select(f => f.Rule!.Name));
    /// </code>
    /// </example>
    /// <param name="state">The execution's state.</param>
    /// <param name="now">The time of the changes.</param>
    /// <param name="maxChainedFirings">The runtime's <see cref="FlowRuntimeOptions.MaxChainedFirings"/>; 100 by default, as there.</param>
    /// <returns>The firings, in order; empty when no state-only rule fired.</returns>
    public IReadOnlyList<FiringResult> FireChain(TState state, DateTimeOffset now, int maxChainedFirings = 100)
    {
        var firings = new List<FiringResult>();
        while (true)
        {
            var firing = FireStateChange(state, now, maxChainedFirings);
            if (!firing.Fired)
            {
                return firings;
            }

            firings.Add(firing);
        }
    }

    /// <summary>
    /// The dispatch alone, without applying the firing: finds the dispatch-table row of
    /// <typeparamref name="TMessage"/> and hands the message to its dispatcher, which evaluates the rules in
    /// declaration order and calls the user's rule method of the first that passes (the generated
    /// dispatcher of the port calls them directly; a port built by hand walks its rule objects). Phase,
    /// iteration, outcome and timeline are left alone: <see cref="Fire{TMessage}"/> and the runtime apply
    /// those. Allocates nothing itself; the benchmarks measure it (docs/benchmarks.md).
    /// </summary>
    /// <returns>The rule that fired, or <see langword="null"/>.</returns>
    internal Rule<TState, TMessage>? Dispatch<TMessage>(TState state, TMessage message, RuleContext context)
        => DispatcherOf<TMessage>().Dispatch(state, message, context);

    /// <summary>
    /// The dispatch-table row of <typeparamref name="TMessage"/>. Found once per flow and message type,
    /// then read from a static slot: a lookup costs the same for a flow with 10 message types as for one
    /// with 500, and allocates nothing.
    /// </summary>
    internal InputPort<TState, TMessage> RequirePort<TMessage>()
    {
        var slot = PortSlot<TMessage>.Last;
        if (slot is not null && ReferenceEquals(slot.Flow, this))
        {
            return slot.Port;
        }

        return FindPort<TMessage>().Port;
    }

    /// <summary>
    /// The dispatcher of <typeparamref name="TMessage"/>'s dispatch-table row: the static slot of
    /// <see cref="RequirePort{TMessage}"/>, holding the dispatcher itself so the routing reads one object,
    /// checks it belongs to this flow and has the dispatcher.
    /// </summary>
    internal PortDispatcher<TState, TMessage> DispatcherOf<TMessage>()
    {
        var slot = PortSlot<TMessage>.Last;
        if (slot is not null && ReferenceEquals(slot.Flow, this))
        {
            return slot.Dispatcher;
        }

        return FindPort<TMessage>().Dispatcher;
    }

    private PortSlot<TMessage> FindPort<TMessage>()
    {
        foreach (var input in Inputs)
        {
            if (input is InputPort<TState, TMessage> port)
            {
                // One slot per state and message type; a second definition of the same state class (tests
                // build some by hand) only takes the slot over, it never reads another flow's row.
                var slot = new PortSlot<TMessage>(this, port);
                PortSlot<TMessage>.Last = slot;
                return slot;
            }
        }

        throw new ArgumentException($"Flow '{Id}' does not consume {typeof(TMessage).Name}; its inputs are {string.Join(", ", Inputs.Select(i => i.MessageType))}.", "message");
    }

    /// <summary>Prepares a new execution's state as the runtime does when a correlation key names no execution.</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="now">The creation time.</param>
    /// <returns>The state, in the initial phase, Running, iteration 1.</returns>
    public TState Start(string executionId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var state = _create is null ? new TState() : _create();
        var execution = state.Execution;
        execution.Id = executionId;
        execution.Flow = Id;
        execution.Phase = InitialPhase;
        execution.Status = ExecutionStatus.Running;
        execution.Iteration = 1;
        execution.CreatedAt = now;
        execution.UpdatedAt = now;
        execution.Deadline = now + Timeout;
        return state;
    }

    /// <summary>Says whether each state-only rule would fire for <paramref name="state"/> and why, without firing anything.</summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="now">The time to evaluate at.</param>
    /// <returns>One evaluation per rule, up to and including the first that would fire.</returns>
    public IReadOnlyList<RuleEvaluation> Explain(TState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Explain(StateRules, state, new StateChange(state.Execution.Id, 0), now);
    }

    private static List<RuleEvaluation> Explain<TMessage>(IReadOnlyList<Rule<TState, TMessage>> rules, TState state, TMessage message, DateTimeOffset now)
    {
        var evaluations = new List<RuleEvaluation>();
        var execution = state.Execution;
        foreach (var rule in rules)
        {
            if (rule.NeedsState && execution.Status.IsTerminal())
            {
                Runtime.RuleEvaluator.Passed(evaluations, rule.Info, $"the execution is {execution.Status}");
                continue;
            }

            if (rule.NeedsState && execution.Status == ExecutionStatus.Waiting)
            {
                Runtime.RuleEvaluator.Passed(evaluations, rule.Info, $"the execution waits for the reply to task {execution.PendingTaskId}");
                continue;
            }

            var context = new RuleContext(now, rule.NeedsState ? execution.Id : null, new Outbox(), execution.Flow);
            if (Runtime.RuleEvaluator.Passes(rule, rule.NeedsState ? state : null, message, context, evaluations))
            {
                break;
            }
        }

        return evaluations;
    }

    internal override Runtime.IFlowProcessor CreateProcessor(Runtime.RuntimeServices services) => new Runtime.FlowProcessor<TState>(this, services);

    internal override (byte[] Value, ExecutionStatus Before, ExecutionStatus After) Control(ReadOnlyMemory<byte> value, ExecutionControlAction action, string by, string? reason, DateTimeOffset now)
    {
        var state = FlowSerializer.Deserialize(StateFormatter, value);
        var before = ExecutionControl.Transition(this, state.Execution, action, by, reason, now);

        // Committed with the control; the hosts it wakes publish them (or the next host to start):
        // a cancelled fan-out child's report to its parent's group, and the lifecycle events.
        var execution = state.Execution;
        if (before != execution.Status && execution.FanOutParent is not null && execution.Status.IsTerminal())
        {
            var report = new Outbox();
            FanOutSteps.Report(Id, execution, now, report);
            for (var i = 0; i < report.Messages.Count; i++)
            {
                execution.Outbox.Add(report.Messages[i] with { MessageId = $"{Id}.{execution.Id}.{execution.TimelineEntriesRecorded}.control{i + 1}" });
            }
        }

        Events?.Collect(execution, execution.Outbox);
        return (FlowSerializer.Serialize(StateFormatter, state), before, state.Execution.Status);
    }

    /// <summary>A flow's dispatch-table row for <typeparamref name="TMessage"/>, cached per state and message type.</summary>
    private sealed class PortSlot<TMessage>(FlowDefinition<TState> flow, InputPort<TState, TMessage> port)
    {
        public static PortSlot<TMessage>? Last;

        public readonly FlowDefinition<TState> Flow = flow;

        public readonly InputPort<TState, TMessage> Port = port;

        public readonly PortDispatcher<TState, TMessage> Dispatcher = port.Dispatcher;
    }

    private static void CheckPhase(string id, RuleInfo rule, string? phase, IReadOnlyList<string> phases)
    {
        if (phase is not null && !phases.Contains(phase))
        {
            throw new ArgumentException($"Rule '{rule}' of flow '{id}' names phase '{phase}', which is not one of the flow's phases ({string.Join(", ", phases)}).");
        }
    }
}
