using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FlowSdk;

/// <summary>
/// The names FlowSdk's tracing and metrics use, for OpenTelemetry or any System.Diagnostics listener:
/// <c>AddSource(FlowSdkDiagnostics.ActivitySourceName)</c> and <c>AddMeter(FlowSdkDiagnostics.MeterName)</c>.
/// </summary>
public static class FlowSdkDiagnostics
{
    /// <summary>The ActivitySource name: one span per rule firing.</summary>
    public const string ActivitySourceName = "FlowSdk";

    /// <summary>The Meter name.</summary>
    public const string MeterName = "FlowSdk";

    /// <summary>The span name of a rule firing.</summary>
    public const string FireActivityName = "flowsdk.rule.fire";

    /// <summary>Counter: rule evaluations (tags: flow, rule, outcome fired|passed).</summary>
    public const string RuleEvaluations = "flowsdk.rule.evaluations";

    /// <summary>Counter: rule firings (tags: flow, rule, trigger).</summary>
    public const string RuleFirings = "flowsdk.rule.firings";

    /// <summary>Counter: messages dispatched by firings (tags: flow, action).</summary>
    public const string Dispatches = "flowsdk.dispatches";

    /// <summary>Counter: executions created (tag: flow).</summary>
    public const string ExecutionsCreated = "flowsdk.executions.created";

    /// <summary>Counter: executions that ended (tags: flow, status Completed|Failed|Escalated|TimedOut).</summary>
    public const string ExecutionsEnded = "flowsdk.executions.ended";

    /// <summary>Histogram, milliseconds: time from publishing a request to handling its reply (tag: flow).</summary>
    public const string CallbackLatency = "flowsdk.callback.latency";

    /// <summary>Up-down counter: requests awaiting their reply (tag: flow).</summary>
    public const string PendingCallbacks = "flowsdk.callbacks.pending";

    /// <summary>Counter: compare-and-set writes that met a newer revision (tag: flow).</summary>
    public const string StateConflicts = "flowsdk.state.conflicts";

    /// <summary>Counter: events given up after <see cref="FlowRuntimeOptions.MaxWriteAttempts"/> conflicts (tag: flow).</summary>
    public const string StateConflictsExhausted = "flowsdk.state.conflicts_exhausted";

    /// <summary>
    /// Counter: messages that named an execution but fired no rule (tags: flow, subject, outcome
    /// parked|dead_lettered|counted|expired|applied, the last when a parked message fired later).
    /// </summary>
    public const string MessagesUnmatched = "flowsdk.messages.unmatched";

    /// <summary>Counter: approval requests and decisions the runtime made, tagged <c>flow</c>, <c>rule</c> and <c>outcome</c> (<c>requested</c>, <c>denied</c>, <c>expired</c>, <c>void</c>).</summary>
    public const string ApprovalsName = "flowsdk.approvals";

    /// <summary>Counter: redeliveries of messages that had already fired a rule, acknowledged without being evaluated (tag: flow).</summary>
    public const string MessagesDuplicate = "flowsdk.messages.duplicates";

    /// <summary>Fan-out children, tagged <c>flow</c>, <c>group</c> and <c>outcome</c>: <c>started</c>, <c>ended</c> (a result taken), <c>late</c> (ended after the group finished: dropped), <c>duplicate</c> (reported again), <c>stray</c> (no such group waits).</summary>
    public const string FanOutChildren = "flowsdk.fanout.children";

    /// <summary>Counter: events retried in process after a transient infrastructure error (tag: flow).</summary>
    public const string TransientRetries = "flowsdk.events.transient_retries";

    /// <summary>Counter: events whose handling failed and whose message was given back to the transport (tag: flow).</summary>
    public const string EventsFailed = "flowsdk.events.failed";

    /// <summary>
    /// Gauge: executions of a flow in a status, exact, from the progress counters the state store keeps
    /// with its writes (tags: flow, status Running|Waiting|Paused|Completed|Failed|Cancelled|Escalated|TimedOut).
    /// </summary>
    public const string ExecutionsByStatus = "flowsdk.executions.by_status";

    /// <summary>
    /// Counter: failed handlings (not transient errors) retried in place, holding the execution's
    /// later events back, within <see cref="FlowRuntimeOptions.MaxHandlingAttempts"/> (tag: flow).
    /// </summary>
    public const string HandlingRetries = "flowsdk.events.retries";

    /// <summary>
    /// Counter: lookups of an execution's committed state answered from the kept-state cache, without
    /// reading the store (tag: flow; see <see cref="FlowRuntimeOptions.StateCacheCapacity"/>). An event
    /// looks up its execution when it starts and again after its commit (for parked messages).
    /// </summary>
    public const string StateCacheHits = "flowsdk.state.cache_hits";

    /// <summary>Counter: lookups of the kept-state cache that had to read the state store (tag: flow).</summary>
    public const string StateCacheMisses = "flowsdk.state.cache_misses";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Evaluations = Meter.CreateCounter<long>(RuleEvaluations, description: "Rule evaluations.");

    internal static readonly Counter<long> Firings = Meter.CreateCounter<long>(RuleFirings, description: "Rule firings.");

    internal static readonly Counter<long> DispatchCount = Meter.CreateCounter<long>(Dispatches, description: "Messages dispatched by firings.");

    internal static readonly Counter<long> Created = Meter.CreateCounter<long>(ExecutionsCreated, description: "Executions created.");

    internal static readonly Counter<long> Ended = Meter.CreateCounter<long>(ExecutionsEnded, description: "Executions that completed, failed, were escalated or timed out.");

    internal static readonly Histogram<double> Latency = Meter.CreateHistogram<double>(CallbackLatency, unit: "ms", description: "Time from a request to the handling of its reply.");

    internal static readonly UpDownCounter<long> Pending = Meter.CreateUpDownCounter<long>(PendingCallbacks, description: "Requests awaiting their reply.");

    internal static readonly Counter<long> Conflicts = Meter.CreateCounter<long>(StateConflicts, description: "Compare-and-set writes that met a newer revision.");

    internal static readonly Counter<long> Unmatched = Meter.CreateCounter<long>(MessagesUnmatched, description: "Messages that named an execution but fired no rule.");

    internal static readonly Counter<long> Approvals = Meter.CreateCounter<long>(ApprovalsName, description: "Approval requests the runtime made and the decisions it took itself (policy, expiry, void).");

    internal static readonly Counter<long> FanOut = Meter.CreateCounter<long>(FanOutChildren, description: "Fan-out children started, ended, asked for again and not started (repeated), and reports dropped (late, duplicate, stray).");

    internal static readonly Counter<long> Duplicates = Meter.CreateCounter<long>(MessagesDuplicate, description: "Redeliveries of messages that had already fired a rule.");

    internal static readonly Counter<long> Transient = Meter.CreateCounter<long>(TransientRetries, description: "Events retried in process after a transient infrastructure error.");

    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>(EventsFailed, description: "Events whose message was given back after a failure.");

    internal static readonly ObservableGauge<long> ByStatus = Meter.CreateObservableGauge(ExecutionsByStatus, ProgressGauge.Observe, description: "Executions of a flow in each status, from the store's progress counters.");

    internal static readonly Counter<long> Retried = Meter.CreateCounter<long>(HandlingRetries, description: "Failed handlings retried in place, holding the execution's later events back.");

    internal static readonly Counter<long> CacheHits = Meter.CreateCounter<long>(StateCacheHits, description: "Kept-state cache lookups answered without reading the store.");

    internal static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>(StateCacheMisses, description: "Kept-state cache lookups that read the store.");

    internal static readonly Counter<long> ConflictsExhausted = Meter.CreateCounter<long>(StateConflictsExhausted, description: "Events given up after too many write conflicts.");
}
