namespace FlowSdk;

/// <summary>
/// Marks a static method of a <see cref="RulesAttribute{TState}"/> class as a rule. The method's
/// parameters choose its trigger:
/// <list type="bullet">
/// <item><c>(TState state, TMessage message)</c>: message + state. The message's correlation key
/// loads the execution (a new one is created when none exists).</item>
/// <item><c>(TMessage message)</c>: message only. No execution is loaded or written.</item>
/// <item><c>(TState state)</c>: state only. The rule reacts to every committed change of an
/// execution's state, the runtime's own writes included: this is how one rule's phase change
/// triggers the next rule.</item>
/// </list>
/// Any rule may take a <see cref="RuleContext"/> as its last parameter, for the time, extra
/// messages, and to fail, escalate or complete the execution.
/// The return type is <c>void</c> or a message type, which is published on its subject after the
/// state change is committed. Rules of a flow are evaluated in declaration order and the first
/// whose phase and conditions hold fires: at most one rule fires per event.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RuleAttribute : Attribute
{
    /// <summary>
    /// The phase (a member of the flow's phase enum) the execution must be in for the rule to fire;
    /// <see langword="null"/> (the default) means any non-terminal phase.
    /// </summary>
    public object? From { get; set; }

    /// <summary>
    /// The phase (a member of the flow's phase enum) the execution moves to when the rule fires;
    /// <see langword="null"/> (the default) leaves the phase as it is.
    /// </summary>
    public object? To { get; set; }

    /// <summary>How the rule's <see cref="WhenAttribute"/> conditions combine; <see cref="ConditionMode.All"/> by default.</summary>
    public ConditionMode Conditions { get; set; } = ConditionMode.All;

    /// <summary>
    /// How long after firing for an execution the rule is passed over for that execution, as a
    /// <see cref="TimeSpan"/> string (<c>"00:05:00"</c>); <see langword="null"/> for none.
    /// </summary>
    public string? Cooldown { get; set; }

    /// <summary>How many times the rule may fire for one execution; 0 (the default) means no limit.</summary>
    public int MaxFirings { get; set; }

    /// <summary>
    /// Publish and await: the message the rule returns is a request whose <see cref="TaskIdAttribute"/>
    /// property the runtime fills in; the execution waits (<see cref="ExecutionStatus.Waiting"/>) until
    /// the reply carrying that task id arrives, and only the reply's rules fire for it meanwhile.
    /// </summary>
    public bool AwaitReply { get; set; }
}
