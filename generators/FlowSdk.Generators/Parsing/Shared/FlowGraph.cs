using System.Collections.Generic;
using System.Collections.Immutable;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A rule as the phase graph sees it: which phase it fires in and which it moves to.</summary>
internal sealed class FlowGraphRule
{
    /// <param name="name">The rule's name.</param>
    /// <param name="trigger">Its trigger; only rules with state move an execution between phases.</param>
    /// <param name="from">The index of its <c>From</c> phase, or <see langword="null"/> for any non-terminal phase.</param>
    /// <param name="to">The index of its <c>To</c> phase, or <see langword="null"/> to stay.</param>
    public FlowGraphRule(string name, RuleTrigger trigger, int? from, int? to)
    {
        Name = name;
        Trigger = trigger;
        From = from;
        To = to;
    }

    /// <summary>The rule's name.</summary>
    public string Name { get; }

    /// <summary>The rule's trigger.</summary>
    public RuleTrigger Trigger { get; }

    /// <summary>The index of the <c>From</c> phase, or <see langword="null"/> for any non-terminal phase.</summary>
    public int? From { get; }

    /// <summary>The index of the <c>To</c> phase, or <see langword="null"/> to stay.</summary>
    public int? To { get; }

    /// <summary>Whether the rule loads an execution and so can change its phase.</summary>
    public bool HasState => Trigger is RuleTrigger.MessageAndState or RuleTrigger.State;
}

/// <summary>A rule that starts a new iteration: it moves an execution to the same or an earlier phase.</summary>
internal readonly struct FlowLoop
{
    public FlowLoop(int rule, int from, int to)
    {
        Rule = rule;
        From = from;
        To = to;
    }

    /// <summary>The index of the rule.</summary>
    public int Rule { get; }

    /// <summary>The index of a phase the rule fires in.</summary>
    public int From { get; }

    /// <summary>The index of the phase it moves to, at or before <see cref="From"/>.</summary>
    public int To { get; }
}

/// <summary>
/// The phase graph of a flow and what the analyzers check on it: phases are nodes in declaration
/// order (0 is the initial phase), rules with state are edges. A rule without <c>From</c> fires in
/// any non-terminal phase; a rule without <c>To</c> leaves the phase as it is.
/// </summary>
internal sealed class FlowGraph
{
    private FlowGraph(ImmutableArray<bool> reachable, ImmutableArray<bool> hasExit, ImmutableArray<int> startRules, ImmutableArray<FlowLoop> loops)
    {
        Reachable = reachable;
        HasExit = hasExit;
        StartRules = startRules;
        Loops = loops;
    }

    /// <summary>By phase index: whether rules can move a new execution there from the initial phase.</summary>
    public ImmutableArray<bool> Reachable { get; }

    /// <summary>By phase index: whether some rule moves an execution from it to another phase (always true for terminal phases).</summary>
    public ImmutableArray<bool> HasExit { get; }

    /// <summary>The indices of the rules that can create an execution: message+state rules whose <c>From</c> is the initial phase or absent.</summary>
    public ImmutableArray<int> StartRules { get; }

    /// <summary>The rules that start a new iteration, each with the first phase where it does.</summary>
    public ImmutableArray<FlowLoop> Loops { get; }

    /// <summary>Analyzes the phases (<see langword="true"/> for a terminal one, in declaration order) and rules of a flow.</summary>
    public static FlowGraph Analyze(IReadOnlyList<bool> terminal, IReadOnlyList<FlowGraphRule> rules)
    {
        var count = terminal.Count;

        var reachable = new bool[count];
        if (count > 0)
        {
            reachable[0] = true;
            for (var changed = true; changed;)
            {
                changed = false;
                foreach (var rule in rules)
                {
                    if (!rule.HasState || rule.To is not { } to || to < 0 || to >= count || reachable[to])
                    {
                        continue;
                    }

                    if (rule.From is { } from ? from >= 0 && from < count && reachable[from] && !terminal[from] : AnyReachableNonTerminal(reachable, terminal))
                    {
                        reachable[to] = true;
                        changed = true;
                    }
                }
            }
        }

        var hasExit = new bool[count];
        for (var phase = 0; phase < count; phase++)
        {
            hasExit[phase] = terminal[phase];
            foreach (var rule in rules)
            {
                if (rule.HasState && rule.To is { } to && to != phase && (rule.From is null || rule.From == phase))
                {
                    hasExit[phase] = true;
                    break;
                }
            }
        }

        var starts = ImmutableArray.CreateBuilder<int>();
        var loops = ImmutableArray.CreateBuilder<FlowLoop>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.Trigger == RuleTrigger.MessageAndState && count > 0 && !terminal[0] && (rule.From is null || rule.From == 0))
            {
                starts.Add(i);
            }

            if (FindLoop(terminal, rule) is { } loop)
            {
                loops.Add(new FlowLoop(i, loop.From, loop.To));
            }
        }

        return new FlowGraph(
            ImmutableArray.Create(reachable),
            ImmutableArray.Create(hasExit),
            starts.ToImmutable(),
            loops.ToImmutable());
    }

    /// <summary>
    /// Whether <paramref name="rule"/> can make an execution cycle: it moves an execution to a
    /// non-terminal phase at or before the one it fires in (the runtime counts that as a new
    /// iteration). Returns the first such phase and the phase it moves back to
    /// (<see cref="FlowLoop.Rule"/> is -1), or <see langword="null"/>.
    /// </summary>
    public static FlowLoop? FindLoop(IReadOnlyList<bool> terminal, FlowGraphRule rule)
    {
        // Moving into a terminal phase ends the execution: it cannot cycle, whatever the order.
        if (!rule.HasState || rule.To is not { } to || to < 0 || to >= terminal.Count || terminal[to])
        {
            return null;
        }

        for (var phase = 0; phase < terminal.Count; phase++)
        {
            var fires = rule.From is { } from ? from == phase : !terminal[phase];
            if (fires && !terminal[phase] && to <= phase)
            {
                return new FlowLoop(-1, phase, to);
            }
        }

        return null;
    }

    private static bool AnyReachableNonTerminal(bool[] reachable, IReadOnlyList<bool> terminal)
    {
        for (var i = 0; i < reachable.Length; i++)
        {
            if (reachable[i] && !terminal[i])
            {
                return true;
            }
        }

        return false;
    }
}
