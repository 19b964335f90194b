using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;

namespace FlowSdk;

/// <summary>How a <see cref="FlowRuntime"/> runs. The defaults are the embedded, in-process setup.</summary>
public sealed class FlowRuntimeOptions
{
    private int? _lanes;

    /// <summary>
    /// The message transport; an <see cref="InMemoryTransport"/> owned by the runtime when not set.
    /// A transport set here is disposed by the runtime only with <see cref="DisposeSuppliedTransportAndStore"/>.
    /// </summary>
    public IMessageTransport? Transport { get; set; }

    /// <summary>
    /// The state store; an <see cref="InMemoryStateStore"/> owned by the runtime when not set.
    /// A store set here is disposed by the runtime only with <see cref="DisposeSuppliedTransportAndStore"/>.
    /// </summary>
    public IStateStore? StateStore { get; set; }

    /// <summary>
    /// Whether disposing the runtime also disposes the <see cref="Transport"/> and the
    /// <see cref="StateStore"/> set on these options. Default <see langword="false"/>: the runtime
    /// disposes only the in-memory transport and store it created itself when none was set, and
    /// whoever created a transport or store disposes it after the runtime (several runtimes may share
    /// one, and one may outlive a runtime). Set it to hand a transport and store over to the runtime,
    /// so that disposing the runtime releases them too.
    /// </summary>
    /// <remarks>
    /// <c>UseNatsAsync</c> (FlowSdk.Nats) returns the infrastructure that owns the NATS transport,
    /// store and connection; dispose it after the runtime whatever this is set to (disposing the
    /// transport or store twice is harmless, but only the infrastructure closes the connection).
    /// </remarks>
    public bool DisposeSuppliedTransportAndStore { get; set; }

    /// <summary>The clock for timestamps, cooldowns and deadlines; <see cref="TimeProvider.System"/> when not set.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the runtime logs; nothing is logged when not set.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// How many times one event is evaluated when its compare-and-set state write keeps meeting a
    /// newer revision, before the runtime gives up on it with an error. Default 10.
    /// </summary>
    public int MaxWriteAttempts { get; set; } = 10;

    /// <summary>
    /// How many lanes process events in parallel per flow. Events of one execution always share a
    /// lane, so they are processed one at a time and in order. When not set, the runtime asks its
    /// transport and state store (<see cref="ILanePreference"/>: the NATS ones prefer
    /// <c>NatsFlowOptions.Lanes</c>, 64 by default, since each event waits on server round trips)
    /// and otherwise uses twice the processor count, which is what this property reads as until set.
    /// </summary>
    public int Lanes
    {
        get => _lanes ?? Environment.ProcessorCount * 2;
        set => _lanes = value;
    }

    /// <summary>Whether <see cref="Lanes"/> was set, so that it wins over the transport's preference.</summary>
    internal bool LanesSet => _lanes is not null;

    /// <summary>
    /// How many state-triggered firings may follow one another for one execution without a message in
    /// between. A state rule whose own write keeps its condition true would otherwise fire forever;
    /// past the bound the execution is escalated, naming the rule. Default 100.
    /// </summary>
    public int MaxChainedFirings { get; set; } = 100;

    /// <summary>
    /// How long an execution that ended (Completed, Failed, Escalated, TimedOut) is kept before it is
    /// removed from the state store; until then it stays inspectable. <see langword="null"/> (the
    /// default) keeps executions until they are removed by other means.
    /// </summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>
    /// What happens to a message that names an execution but fires no rule (it came too early for
    /// the execution's phase, or the execution waits for another reply): by default
    /// <see cref="UnmatchedMessagePolicy.Park"/>. Override it per flow, or per flow and input
    /// subject, with <see cref="SetUnmatchedMessages"/>. Whatever the policy, each such message is
    /// counted (<c>flowsdk.messages.unmatched</c>) and logged at Information.
    /// </summary>
    public UnmatchedMessagePolicy UnmatchedMessages { get; set; } = UnmatchedMessagePolicy.Park;

    /// <summary>
    /// How many messages one execution keeps parked; a message that would park beyond it is
    /// dead-lettered at once with that reason. Default 100.
    /// </summary>
    public int MaxParkedMessages { get; set; } = 100;

    /// <summary>
    /// How long a parked message waits for the execution to reach a phase where a rule takes it;
    /// after that it is dead-lettered with the reason it was parked. Default 1 hour.
    /// </summary>
    public TimeSpan ParkedMessageTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How many ids of messages that fired a rule each execution keeps, to recognise redeliveries
    /// (duplicates are acknowledged without being evaluated again). Default 64.
    /// </summary>
    public int HandledMessageIds { get; set; } = 64;

    /// <summary>
    /// How long an event that fails with a transient infrastructure error (a timeout, no responders,
    /// a leader election: see <see cref="ITransientErrorClassifier"/>) is retried in process, with
    /// backoff, before its message is given back to the transport. Default 2 minutes.
    /// </summary>
    public TimeSpan TransientRetryLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether a flow without a deployment record is deployed and started when the runtime starts
    /// (a Running record with this runtime's manifest version is created; when several hosts start at
    /// once, the first creates it and the others follow it). Default <see langword="true"/>: a single
    /// process, and a fresh NATS cluster, run their flows at start without an operator. Set it to
    /// <see langword="false"/> (configuration <c>FlowSdk:AutoDeploy=false</c>) when operators deploy
    /// and start flows explicitly: a flow without a record is then not run. A flow that has a record
    /// follows it either way. See <see cref="FlowDeployments"/>.
    /// </summary>
    public bool AutoDeploy { get; set; } = true;

    /// <summary>
    /// How many times the runtime handles one event that fails (not with a transient error: a store
    /// that refuses a write, more write conflicts than <see cref="MaxWriteAttempts"/>) before its
    /// message is given back to the transport. The attempts run in place, one after the other with
    /// <see cref="HandlingRetryDelay"/> doubling between them, and the execution's later events wait
    /// behind them (other executions go on), so a failure never lets a later message of the
    /// execution pass an earlier one. Transient errors are retried within
    /// <see cref="TransientRetryLimit"/> and spend none of these attempts. Default 5; at least 1
    /// (1: the message is given back at its first failure).
    /// </summary>
    public int MaxHandlingAttempts { get; set; } = 5;

    /// <summary>
    /// The wait before the second attempt of a failed event (see <see cref="MaxHandlingAttempts"/>),
    /// doubled before each further attempt up to 2 seconds, on <see cref="TimeProvider"/>.
    /// Default 100 ms; <see cref="TimeSpan.Zero"/> retries at once (the test kit's
    /// <c>FlowTestHost</c> does, so that its virtual clock need not be moved).
    /// </summary>
    public TimeSpan HandlingRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many executions each flow keeps the latest committed state of in memory, so that their
    /// next event starts from it instead of reading the state store (on NATS, a key/value get saved
    /// per event). When full, an execution looked up more often lately replaces one not used since
    /// the cache last looked at it; under round-robin access over more executions than this, the
    /// share of events answered from memory falls gradually (about capacity over executions)
    /// instead of dropping to none. Counted as <c>flowsdk.state.cache_hits</c> and
    /// <c>flowsdk.state.cache_misses</c>. Default 10,000; 0 keeps nothing (every event reads the store).
    /// The in-memory store gets no cache, whatever this says: a read there is a dictionary lookup
    /// already, which is all a hit would save.
    /// </summary>
    public int StateCacheCapacity { get; set; } = 10_000;

    /// <summary>The default of <see cref="MaxTimelineEntries"/>.</summary>
    public const int DefaultMaxTimelineEntries = 100;

    /// <summary>
    /// How many timeline entries each execution keeps: after a firing only the latest this many are
    /// stored with the state, and the earlier ones are counted in
    /// <see cref="ExecutionInfo.DroppedTimelineEntries"/> (with the time of the first entry in
    /// <see cref="ExecutionInfo.FirstTimelineEntryAt"/>). Without a bound a long-lived execution (a
    /// counter, a monitor, a chat) grows by one entry per firing until its value no longer fits the
    /// store (on NATS, the key/value bucket's maximum value size). Override it per flow with
    /// <see cref="SetMaxTimelineEntries"/>. Default 100; at least 1.
    /// </summary>
    public int MaxTimelineEntries { get; set; } = DefaultMaxTimelineEntries;

    /// <summary>
    /// How many Warning lines about failed events one flow writes per second at most; past it the
    /// lines are counted and the count is written with the next line allowed. Default 10.
    /// </summary>
    public int MaxFailureLogsPerSecond { get; set; } = 10;

    private readonly Dictionary<string, UnmatchedMessagePolicy> _unmatched = new(StringComparer.Ordinal);

    /// <summary>Sets the <see cref="UnmatchedMessagePolicy"/> of one flow, or of one input subject of it.</summary>
    /// <param name="flowId">The flow's id.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="subject">An input subject of the flow, or <see langword="null"/> for all of them.</param>
    /// <returns>These options.</returns>
    public FlowRuntimeOptions SetUnmatchedMessages(string flowId, UnmatchedMessagePolicy policy, string? subject = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowId);
        _unmatched[subject is null ? flowId : flowId + " " + subject] = policy;
        return this;
    }

    private readonly Dictionary<string, int> _timelineEntries = new(StringComparer.Ordinal);

    /// <summary>Sets <see cref="MaxTimelineEntries"/> for one flow.</summary>
    /// <param name="flowId">The flow's id.</param>
    /// <param name="entries">How many timeline entries its executions keep; at least 1.</param>
    /// <returns>These options.</returns>
    public FlowRuntimeOptions SetMaxTimelineEntries(string flowId, int entries)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowId);
        if (entries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, $"MaxTimelineEntries of flow '{flowId}' must be at least 1.");
        }

        _timelineEntries[flowId] = entries;
        return this;
    }

    /// <summary>The timeline entries an execution of <paramref name="flowId"/> keeps: the flow's own setting, else <see cref="MaxTimelineEntries"/>.</summary>
    internal int MaxTimelineEntriesFor(string flowId) =>
        _timelineEntries.TryGetValue(flowId, out var entries) ? entries : MaxTimelineEntries;

    /// <summary>The policy for a message on <paramref name="subject"/> of flow <paramref name="flowId"/>: the subject's, else the flow's, else the default.</summary>
    internal UnmatchedMessagePolicy UnmatchedPolicyFor(string flowId, string subject) =>
        _unmatched.TryGetValue(flowId + " " + subject, out var bySubject) ? bySubject
        : _unmatched.TryGetValue(flowId, out var byFlow) ? byFlow
        : UnmatchedMessages;

    private readonly Dictionary<string, ApprovalPolicy> _approvals = new(StringComparer.Ordinal);

    /// <summary>
    /// Overrides the declared <see cref="ApprovalPolicy"/> of the rules that require approval in one flow,
    /// or of one rule of it (hosts read it from configuration: <c>FlowSdk:Approvals:&lt;flow&gt;:&lt;rule&gt;=Approve</c>,
    /// <c>FlowSdk:Approvals:&lt;flow&gt;:*=Deny</c>). It never makes a rule require approval that does not declare it.
    /// </summary>
    /// <remarks>A runtime started with an override that names none of its flows, or a rule that does not require approval, refuses to start (<see cref="ArgumentException"/>): the override would have no effect.</remarks>
    /// <param name="flowId">The flow's id.</param>
    /// <param name="policy">Ask, Approve or Deny; <see cref="ApprovalPolicy.Default"/> removes the override.</param>
    /// <param name="rule">The rule's name, or <see langword="null"/> (or <c>*</c>) for every approval rule of the flow.</param>
    /// <returns>These options.</returns>
    public FlowRuntimeOptions SetApprovalPolicy(string flowId, ApprovalPolicy policy, string? rule = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowId);
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, $"Approval policy of flow '{flowId}'{(rule is null ? "" : $" rule '{rule}'")}: not Ask, Approve or Deny.");
        }

        var key = rule is null or "*" ? flowId : flowId + " " + rule;
        if (policy == ApprovalPolicy.Default)
        {
            _approvals.Remove(key);
        }
        else
        {
            _approvals[key] = policy;
        }

        return this;
    }

    /// <summary>
    /// Refuses an approval override that would have no effect: one that names no flow of
    /// <paramref name="flows"/>, or a rule of it that does not require approval.
    /// </summary>
    /// <returns>Why the first such override is refused, or <see langword="null"/> when none is.</returns>
    internal string? ApprovalPolicyProblem(IReadOnlyDictionary<string, FlowDefinition> flows)
    {
        foreach (var key in _approvals.Keys.Order(StringComparer.Ordinal))
        {
            var space = key.IndexOf(' ', StringComparison.Ordinal);
            var flowId = space < 0 ? key : key[..space];
            if (!flows.TryGetValue(flowId, out var flow))
            {
                return $"SetApprovalPolicy(\"{flowId}\", ...) names no flow of this runtime; its flows are {string.Join(", ", flows.Keys.Order(StringComparer.Ordinal))}.";
            }

            if (space >= 0 && key[(space + 1)..] is var rule && Approvals.IsNoApprovalRule(flow, rule, out var approval))
            {
                return $"SetApprovalPolicy(\"{flowId}\", ..., \"{rule}\") names no rule of flow '{flowId}' that requires approval; {(approval.Count == 0 ? "none of its rules does" : "those that do: " + string.Join(", ", approval) + " (or * for all)")}.";
            }
        }

        return null;
    }

    /// <summary>The policy a rule that requires approval follows: the rule's override, else the flow's, else what it declares.</summary>
    internal ApprovalPolicy ApprovalPolicyFor(string flowId, RuleInfo rule) =>
        _approvals.TryGetValue(flowId + " " + rule.Name, out var byRule) ? byRule
        : _approvals.TryGetValue(flowId, out var byFlow) ? byFlow
        : rule.Approval?.Policy is ApprovalPolicy.Approve or ApprovalPolicy.Deny ? rule.Approval.Policy
        : ApprovalPolicy.Ask;

    internal void Validate()
    {
        if (MaxParkedMessages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParkedMessages), MaxParkedMessages, "MaxParkedMessages cannot be negative.");
        }

        if (ParkedMessageTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ParkedMessageTimeout), ParkedMessageTimeout, "ParkedMessageTimeout must be positive.");
        }

        if (HandledMessageIds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(HandledMessageIds), HandledMessageIds, "HandledMessageIds cannot be negative.");
        }

        if (MaxChainedFirings < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxChainedFirings), MaxChainedFirings, "MaxChainedFirings must be at least 1.");
        }

        if (Retention is { } r && r < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Retention), Retention, "Retention cannot be negative.");
        }

        if (MaxWriteAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWriteAttempts), MaxWriteAttempts, "MaxWriteAttempts must be at least 1.");
        }

        if (MaxHandlingAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHandlingAttempts), MaxHandlingAttempts, "MaxHandlingAttempts must be at least 1.");
        }

        if (HandlingRetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandlingRetryDelay), HandlingRetryDelay, "HandlingRetryDelay cannot be negative.");
        }

        if (MaxTimelineEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTimelineEntries), MaxTimelineEntries, "MaxTimelineEntries must be at least 1.");
        }

        if (StateCacheCapacity < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(StateCacheCapacity), StateCacheCapacity, "StateCacheCapacity cannot be negative (0 disables the cache).");
        }

        if (Lanes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, "Lanes must be at least 1.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}

/// <summary>What the runtime does with a message that names an execution but fires no rule.</summary>
public enum UnmatchedMessagePolicy
{
    /// <summary>
    /// Keep it with the execution (or, before the execution exists, beside it) and evaluate it again
    /// after every change of the execution, in the order the messages arrived; dead-letter it when
    /// it expires (<see cref="FlowRuntimeOptions.ParkedMessageTimeout"/>), when the execution ends,
    /// or when the execution has <see cref="FlowRuntimeOptions.MaxParkedMessages"/> parked already.
    /// The outcome equals handling the messages in the order their execution needs them.
    /// </summary>
    Park = 0,

    /// <summary>Publish it to the dead-letter subject with the reason no rule fired.</summary>
    DeadLetter = 1,

    /// <summary>Acknowledge it; it is only counted and logged.</summary>
    Count = 2,
}
