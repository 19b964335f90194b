using MessagePack;

namespace FlowSdk.Testing;

/// <summary>
/// Runs one event (a message, or a committed change of the state) against a given state, in memory and
/// exactly as the runtime applies it (<see cref="FlowDefinition{TState}.Fire{TMessage}"/>,
/// <see cref="FlowDefinition{TState}.FireStateChange"/>), and reports what it did: which rule fired and
/// why each rule before it did not, the state's members it changed, the messages it would publish and
/// the execution's outcome. The given state is left as it was; <see cref="RuleRun{TState}.State"/> is the
/// state after.
/// </summary>
/// <example>
/// <code>
/// var run = OrderFlow.Definition.RunOnce(order, new OrderPaid("o-1", 100), now, rule: "Pay");
/// Assert.Equal("Paid", run.Phase);
/// Assert.Equal(("Paid", "0", "100"), (run.Mutations[0].Member, run.Mutations[0].Before, run.Mutations[0].After));
/// </code>
/// </example>
public static class RuleRunExtensions
{
    /// <summary>Runs one message against a copy of <paramref name="state"/>.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="state">The execution's state; not changed.</param>
    /// <param name="message">The message.</param>
    /// <param name="now">The time of the event.</param>
    /// <param name="rule">The rule the test expects to fire; when given and another rule (or none) fires, the run throws, saying why.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="FlowAssertionException"><paramref name="rule"/> was given and did not fire.</exception>
    /// <exception cref="ArgumentException">The flow does not consume <typeparamref name="TMessage"/>.</exception>
    public static RuleRun<TState> RunOnce<TState, TMessage>(this FlowDefinition<TState> flow, TState state, TMessage message, DateTimeOffset now, string? rule = null)
        where TState : class, IFlowState, new()
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(state);
        var before = FlowSerializer.Serialize(flow.StateFormatter, state);
        var copy = FlowSerializer.Deserialize(flow.StateFormatter, before);
        var evaluations = flow.Explain(copy, message, now);
        var firing = flow.Fire(copy, message, now);
        return Report(flow, state, before, copy, evaluations, firing, rule, $"{typeof(TMessage).Name}");
    }

    /// <summary>Runs one committed change of the state (the state-only rules) against a copy of <paramref name="state"/>.</summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="state">The execution's state; not changed.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="rule">The rule the test expects to fire; when given and another rule (or none) fires, the run throws, saying why.</param>
    /// <param name="maxChainedFirings">The runtime's <see cref="FlowRuntimeOptions.MaxChainedFirings"/>.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="FlowAssertionException"><paramref name="rule"/> was given and did not fire.</exception>
    public static RuleRun<TState> RunOnce<TState>(this FlowDefinition<TState> flow, TState state, DateTimeOffset now, string? rule = null, int maxChainedFirings = 100)
        where TState : class, IFlowState, new()
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(state);
        var before = FlowSerializer.Serialize(flow.StateFormatter, state);
        var copy = FlowSerializer.Deserialize(flow.StateFormatter, before);
        var evaluations = flow.Explain(copy, now);
        var firing = flow.FireStateChange(copy, now, maxChainedFirings);
        return Report(flow, state, before, copy, evaluations, firing, rule, "a change of the state");
    }

    private static RuleRun<TState> Report<TState>(FlowDefinition<TState> flow, TState original, byte[] before, TState after, IReadOnlyList<RuleEvaluation> evaluations, FiringResult firing, string? rule, string trigger)
        where TState : class, IFlowState, new()
    {
        if (rule is not null && firing.Rule?.Name != rule)
        {
            var why = evaluations.Count == 0
                ? "no rule of the flow is triggered by it"
                : string.Join("; ", evaluations.Select(e => $"{e.Rule.Name}: {(e.Fired ? "fires" : "passed over")} - {e.Reason}"));
            throw new FlowAssertionException($"Expected rule '{rule}' to fire on {trigger}, but {(firing.Rule is null ? "no rule fired" : $"'{firing.Rule.Name}' fired")}. Evaluations: {why}.{Environment.NewLine}{FlowAssert.Describe(original)}");
        }

        var mutations = Diff(before, FlowSerializer.Serialize(flow.StateFormatter, after));
        var was = original.Execution();
        var now = after.Execution();
        var entry = now.TimelineEntriesRecorded > was.TimelineEntriesRecorded ? now.Timeline[^1] : null;
        return new RuleRun<TState>(firing.Rule, evaluations, mutations, firing.Messages, was.Phase, now.Phase, was.Status, now.Status, now.StatusReason, entry, after);
    }

    /// <summary>The members of the state's MessagePack map whose values differ, the execution bookkeeping aside.</summary>
    private static List<StateMutation> Diff(byte[] before, byte[] after)
    {
        var was = Members(before);
        var now = Members(after);
        var mutations = new List<StateMutation>();
        foreach (var (member, value) in now)
        {
            if (!was.TryGetValue(member, out var old))
            {
                mutations.Add(new StateMutation(member, null, Json(value)));
            }
            else if (!old.AsSpan().SequenceEqual(value))
            {
                mutations.Add(new StateMutation(member, Json(old), Json(value)));
            }
        }

        foreach (var (member, old) in was)
        {
            if (!now.ContainsKey(member))
            {
                mutations.Add(new StateMutation(member, Json(old), null));
            }
        }

        return mutations;
    }

    private static Dictionary<string, byte[]> Members(byte[] bytes)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var reader = new MessagePackReader(bytes);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? "";
            var start = reader.Consumed;
            reader.Skip();
            if (key != "$execution")
            {
                members[key] = bytes.AsSpan((int)start, (int)(reader.Consumed - start)).ToArray();
            }
        }

        return members;
    }

    private static string Json(byte[] value) => MessagePackSerializer.ConvertToJson(value, FlowSerializer.Options);
}

/// <summary>What <see cref="RuleRunExtensions.RunOnce{TState, TMessage}"/> did.</summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
/// <param name="Rule">The rule that fired; <see langword="null"/> when none did.</param>
/// <param name="Evaluations">Rule by rule in declaration order, whether it would fire and why, up to the one that fired.</param>
/// <param name="Mutations">The state's own members the firing changed (the execution bookkeeping is in the other properties).</param>
/// <param name="Outputs">The messages the firing would publish after its commit, lifecycle events included.</param>
/// <param name="PhaseBefore">The phase before.</param>
/// <param name="Phase">The phase after.</param>
/// <param name="StatusBefore">The status before.</param>
/// <param name="Status">The status after: the outcome (Completed, Failed, Escalated, Waiting, TimedOut, or still Running).</param>
/// <param name="StatusReason">Why the execution is Failed or Escalated; otherwise <see langword="null"/>.</param>
/// <param name="Entry">The timeline entry the run added; <see langword="null"/> when nothing fired.</param>
/// <param name="State">The state after the run (a copy; the given state is unchanged).</param>
public sealed record RuleRun<TState>(
    RuleInfo? Rule,
    IReadOnlyList<RuleEvaluation> Evaluations,
    IReadOnlyList<StateMutation> Mutations,
    IReadOnlyList<OutgoingMessage> Outputs,
    string PhaseBefore,
    string Phase,
    ExecutionStatus StatusBefore,
    ExecutionStatus Status,
    string? StatusReason,
    TimelineEntry? Entry,
    TState State)
    where TState : class, IFlowState, new()
{
    /// <summary>Whether a rule fired.</summary>
    public bool Fired => Rule is not null;

    /// <summary>The messages the firing would publish on <paramref name="port"/>'s subject, read with its formatter.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <returns>The messages, in the order they would be published.</returns>
    public IReadOnlyList<T> OutputsOn<T>(MessagePort<T> port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return Outputs.Where(m => m.Subject == port.Subject).Select(m => port.Deserialize(m.Payload)).ToList();
    }

    /// <summary>The one message the firing would publish on <paramref name="port"/>'s subject.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FlowAssertionException">It would publish none or more than one there.</exception>
    public T Output<T>(MessagePort<T> port)
    {
        var messages = OutputsOn(port);
        return messages.Count == 1
            ? messages[0]
            : throw new FlowAssertionException($"Expected one {port.MessageType} on '{port.Subject}', the run would publish {messages.Count}; its outputs go to [{string.Join(", ", Outputs.Select(m => m.Subject))}].");
    }

    /// <summary>The change of one member, or <see langword="null"/> when the run left it alone.</summary>
    /// <param name="member">The member's name.</param>
    /// <returns>The change, or <see langword="null"/>.</returns>
    public StateMutation? Mutation(string member) => Mutations.FirstOrDefault(m => m.Member == member);
}

/// <summary>One member of the state a run changed, with its values as JSON (read from the state's MessagePack map).</summary>
/// <param name="Member">The member's name.</param>
/// <param name="Before">Its value before, as JSON; <see langword="null"/> when it was not stored.</param>
/// <param name="After">Its value after, as JSON; <see langword="null"/> when it is no longer stored.</param>
public sealed record StateMutation(string Member, string? Before, string? After);
