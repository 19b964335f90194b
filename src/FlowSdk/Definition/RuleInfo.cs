namespace FlowSdk;

/// <summary>What a rule is, as declared: its name, trigger, phases and conditions.</summary>
public sealed class RuleInfo
{
    /// <summary>Describes a rule. Called by generated code.</summary>
    /// <param name="name">The rule's name (its method name).</param>
    /// <param name="declaringType">The full name of the rules class that declares it.</param>
    /// <param name="trigger">What triggers the rule.</param>
    /// <param name="source">The subject of the triggering message.</param>
    /// <param name="from">The phase the execution must be in, or <see langword="null"/> for any.</param>
    /// <param name="to">The phase the execution moves to, or <see langword="null"/> to stay.</param>
    /// <param name="conditions">The rule's conditions, in declaration order.</param>
    /// <param name="conditionMode">How the conditions combine.</param>
    /// <param name="output">The subject of the message the rule publishes, or <see langword="null"/>.</param>
    /// <param name="cooldown">How long the rule is passed over for an execution after it fired for it.</param>
    /// <param name="maxFirings">How many times the rule may fire for one execution; 0 for no limit.</param>
    /// <param name="awaitsReply">Whether the rule publishes a request and parks the execution until the reply.</param>
    /// <param name="approval">Whether the rule requires approval, and its policy and expiry; <see langword="null"/> when it does not.</param>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public RuleInfo(
        string name,
        string declaringType,
        TriggerKind trigger,
        string source,
        string? from,
        string? to,
        IReadOnlyList<ConditionInfo> conditions,
        ConditionMode conditionMode,
        string? output,
        TimeSpan? cooldown = null,
        int maxFirings = 0,
        bool awaitsReply = false,
        ApprovalInfo? approval = null)
    {
        if (approval is not null && trigger != TriggerKind.MessageAndState)
        {
            throw new ArgumentException($"Rule '{declaringType}.{name}' requires approval, but only rules triggered by a message and the execution can (its trigger is {trigger}).", nameof(approval));
        }

        if (approval?.Expires is { } expires && expires <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(approval), expires, $"Rule '{declaringType}.{name}': an approval expiry must be longer than zero.");
        }

        Approval = approval;
        if (maxFirings < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFirings), maxFirings, $"Rule '{declaringType}.{name}': MaxFirings must be 0 (no limit) or more.");
        }

        if (cooldown is { } c && c <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, $"Rule '{declaringType}.{name}': a cooldown must be longer than zero.");
        }

        Cooldown = cooldown;
        MaxFirings = maxFirings;
        AwaitsReply = awaitsReply;
        Name = name;
        DeclaringType = declaringType;
        Trigger = trigger;
        Source = source;
        From = from;
        To = to;
        Conditions = conditions;
        ConditionMode = conditionMode;
        Output = output;
    }

    /// <summary>The rule's name (its method name).</summary>
    public string Name { get; }

    /// <summary>The full name of the rules class that declares it.</summary>
    public string DeclaringType { get; }

    /// <summary>What triggers the rule.</summary>
    public TriggerKind Trigger { get; }

    /// <summary>The subject of the triggering message.</summary>
    public string Source { get; }

    /// <summary>The phase the execution must be in, or <see langword="null"/> for any non-terminal phase.</summary>
    public string? From { get; }

    /// <summary>The phase the execution moves to, or <see langword="null"/> to stay.</summary>
    public string? To { get; }

    /// <summary>The rule's conditions, in declaration order.</summary>
    public IReadOnlyList<ConditionInfo> Conditions { get; }

    /// <summary>How the conditions combine.</summary>
    public ConditionMode ConditionMode { get; }

    /// <summary>The subject of the message the rule publishes, or <see langword="null"/>.</summary>
    public string? Output { get; }

    /// <summary>How long the rule is passed over for an execution after it fired for it; <see langword="null"/> for no cooldown.</summary>
    public TimeSpan? Cooldown { get; }

    /// <summary>How many times the rule may fire for one execution; 0 for no limit.</summary>
    public int MaxFirings { get; }

    /// <summary>Whether the rule publishes a request and parks the execution until its reply arrives.</summary>
    public bool AwaitsReply { get; }

    /// <summary>Whether the rule requires approval (<see cref="RequiresApprovalAttribute"/>), with its policy and expiry; <see langword="null"/> when it does not.</summary>
    public ApprovalInfo? Approval { get; }

    /// <summary>The result of a firing of this rule that publishes nothing: immutable, so one instance serves every such firing.</summary>
    internal FiringResult FiredWithoutMessages => field ??= new FiringResult(this, []);

    /// <inheritdoc/>
    public override string ToString() => $"{DeclaringType}.{Name}";
}

/// <summary>A condition of a rule.</summary>
/// <param name="Name">The condition method's name.</param>
/// <param name="Description">What the condition checks, in words.</param>
public sealed record ConditionInfo(string Name, string Description);
