using System.Globalization;
using System.Text;

namespace FlowSdk.Testing;

/// <summary>
/// Assertions on an execution: its timeline and its status. They throw <see cref="FlowAssertionException"/>
/// with the whole timeline in the message, which every test framework reports as a failure.
/// </summary>
/// <example>
/// <code>
/// FlowAssert.Fired(order, "Place", "Pay", "Ship");
/// FlowAssert.Fired(ticket, ("Triage", TriggerKind.MessageAndState), ("Lookup", TriggerKind.State));
/// FlowAssert.Status(ticket, ExecutionStatus.Escalated, reasonContains: "MaxChainedFirings");
/// </code>
/// </example>
public static class FlowAssert
{
    /// <summary>Asserts that the execution's timeline holds exactly <paramref name="rules"/>, in that order.</summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="rules">The names of the rules (or the runtime's outcomes, such as <c>Timeout</c>) expected, oldest first.</param>
    /// <exception cref="FlowAssertionException">The timeline differs.</exception>
    public static void Fired(IFlowState state, params string[] rules)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(rules);
        var timeline = state.Execution().Timeline;
        if (!timeline.Select(e => e.Rule).SequenceEqual(rules, StringComparer.Ordinal))
        {
            throw new FlowAssertionException($"Expected the timeline [{string.Join(", ", rules)}], found [{string.Join(", ", timeline.Select(e => e.Rule))}].{Environment.NewLine}{Describe(state)}");
        }
    }

    /// <summary>Asserts that the execution's timeline holds exactly <paramref name="firings"/> (rule and trigger), in that order.</summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="firings">The rules and what triggered each, oldest first.</param>
    /// <exception cref="FlowAssertionException">The timeline differs.</exception>
    public static void Fired(IFlowState state, params (string Rule, TriggerKind Trigger)[] firings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(firings);
        var timeline = state.Execution().Timeline;
        if (!timeline.Select(e => (e.Rule, e.Trigger)).SequenceEqual(firings))
        {
            throw new FlowAssertionException($"Expected the timeline [{string.Join(", ", firings.Select(f => $"{f.Rule} ({f.Trigger})"))}], found [{string.Join(", ", timeline.Select(e => $"{e.Rule} ({e.Trigger})"))}].{Environment.NewLine}{Describe(state)}");
        }
    }

    /// <summary>Asserts that the execution never fired <paramref name="rule"/>.</summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="rule">The rule's name.</param>
    /// <exception cref="FlowAssertionException">It did.</exception>
    public static void NeverFired(IFlowState state, string rule)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Execution().Timeline.Any(e => e.Rule == rule))
        {
            throw new FlowAssertionException($"Expected rule '{rule}' never to fire, but it did.{Environment.NewLine}{Describe(state)}");
        }
    }

    /// <summary>Asserts the execution's status, and optionally words of its reason.</summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="status">The status expected.</param>
    /// <param name="reasonContains">Text the status reason must contain, when given.</param>
    /// <exception cref="FlowAssertionException">The status or the reason differs.</exception>
    public static void Status(IFlowState state, ExecutionStatus status, string? reasonContains = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var execution = state.Execution();
        if (execution.Status != status)
        {
            throw new FlowAssertionException($"Expected execution '{execution.Id}' to be {status}, it is {execution.Status}.{Environment.NewLine}{Describe(state)}");
        }

        if (reasonContains is not null && (execution.StatusReason is null || !execution.StatusReason.Contains(reasonContains, StringComparison.Ordinal)))
        {
            throw new FlowAssertionException($"Expected the reason of execution '{execution.Id}' to contain \"{reasonContains}\", it is \"{execution.StatusReason}\".");
        }
    }

    /// <summary>The execution in words: id, phase, status and reason, and its timeline as a table. For messages of failed assertions and for logs.</summary>
    /// <param name="state">The execution's state.</param>
    /// <returns>A few lines of text.</returns>
    public static string Describe(IFlowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var execution = state.Execution();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Execution '{execution.Id}' of flow '{execution.Flow}': phase {execution.Phase}, {execution.Status}, iteration {execution.Iteration}");
        if (execution.StatusReason is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({execution.StatusReason})");
        }

        if (execution.PendingTaskId is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", waiting for task {execution.PendingTaskId}");
        }

        text.AppendLine(".");
        if (execution.Timeline.Count == 0)
        {
            text.Append("  (empty timeline)");
        }

        foreach (var e in execution.Timeline)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {e.At:O}  {e.Rule,-20} {e.Trigger,-15} {e.Source,-30} {e.Action,-9} {e.PhaseBefore} -> {e.PhaseAfter} (iteration {e.Iteration})");
        }

        return text.ToString().TrimEnd();
    }
}
