namespace FlowSdk;

/// <summary>
/// Marks a <c>partial</c> class as the state of a flow: one instance is one execution.
/// The generator adds the execution bookkeeping (<c>Id</c>, <c>Phase</c>, <c>Status</c>,
/// <c>Iteration</c>, timestamps and <c>Timeline</c>) to the class, and emits the flow's
/// definition, dispatch table, typed client and serializers next to it.
/// </summary>
/// <typeparam name="TPhase">
/// The enum of the flow's phases, declared in the order an execution normally moves through
/// them. The first member is the phase a new execution starts in; members marked with
/// <see cref="TerminalPhaseAttribute"/> end the execution.
/// </typeparam>
/// <example>
/// <code>
/// [Flow&lt;PlanPhase&gt;("plan-review", MaxIterations = 3)]
/// public partial class PlanReview { public string Content { get; set; } = ""; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class FlowAttribute<TPhase> : Attribute
    where TPhase : struct, Enum
{
    /// <summary>Declares a flow.</summary>
    /// <param name="id">
    /// The flow id: lowercase letters, digits and dashes (for example <c>plan-review</c>).
    /// It names the flow in logs, keys, graphs and the CLI, so keep it stable.
    /// </param>
    public FlowAttribute(string id) => Id = id;

    /// <summary>The flow id.</summary>
    public string Id { get; }

    /// <summary>
    /// How many iterations one execution may run; 0 (the default) means no limit. A rule that
    /// moves an execution to the same or an earlier phase starts a new iteration; a firing that
    /// would exceed the limit escalates the execution instead.
    /// </summary>
    public int MaxIterations { get; set; }

    /// <summary>
    /// How long an execution may run, from its creation, as a <see cref="TimeSpan"/> string
    /// (<c>"00:10:00"</c>); <see langword="null"/> for no limit. The deadline is stored with the
    /// execution, so it holds across restarts; passing it marks the execution
    /// <see cref="ExecutionStatus.TimedOut"/>.
    /// </summary>
    public string? Timeout { get; set; }

    /// <summary>The subject an <see cref="ExecutionEnded"/> event is published on when an execution completes; none when <see langword="null"/>.</summary>
    public string? OnCompleted { get; set; }

    /// <summary>The subject an <see cref="ExecutionEnded"/> event is published on when an execution fails; none when <see langword="null"/>.</summary>
    public string? OnFailed { get; set; }

    /// <summary>The subject an <see cref="ExecutionEnded"/> event is published on when an execution is escalated; none when <see langword="null"/>.</summary>
    public string? OnEscalated { get; set; }

    /// <summary>The subject an <see cref="ExecutionEnded"/> event is published on when an execution times out; none when <see langword="null"/>.</summary>
    public string? OnTimedOut { get; set; }

    /// <summary>
    /// The subject prefix of the flow's lifecycle events: an <see cref="ExecutionEvent"/> on
    /// <c>&lt;prefix&gt;.started</c>, <c>.step</c>, <c>.waiting</c>, <c>.paused</c>, <c>.resumed</c>,
    /// <c>.cancelled</c>, <c>.retried</c>, <c>.ended</c>, <c>.approved</c> and <c>.rejected</c>, committed with
    /// the change each describes. None when <see langword="null"/> (the default: every event costs a publish).
    /// </summary>
    public string? Events { get; set; }

    /// <summary>
    /// The policy of the flow's rules that require approval (<see cref="RequiresApprovalAttribute"/>) and
    /// do not set their own: <see cref="FlowSdk.ApprovalPolicy.Ask"/> unless set. Hosts can override it at
    /// run time (<see cref="FlowRuntimeOptions.SetApprovalPolicy"/>, configuration <c>FlowSdk:Approvals:&lt;flow&gt;:&lt;rule&gt;</c>).
    /// </summary>
    public ApprovalPolicy ApprovalPolicy { get; set; }

    /// <summary>
    /// How long an approval request of the flow's rules waits for a decision, for rules that do not set
    /// their own, as a <see cref="TimeSpan"/> string (<c>"1.00:00:00"</c>); <see langword="null"/> for no expiry.
    /// </summary>
    public string? ApprovalExpires { get; set; }
}
