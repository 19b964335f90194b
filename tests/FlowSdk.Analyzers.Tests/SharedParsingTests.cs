using System.Reflection;
using FlowSdk.Generators.Parsing.Shared;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The helpers the generator and the analyzers share (generators/FlowSdk.Generators/Parsing/Shared):
/// the phase graph, and the syntax checks that must agree with what the runtime enforces. Subject
/// syntax is one source compiled into both (src/Common/SubjectRules.cs; tested in FlowSdk.Tests).
/// </summary>
public sealed class SharedParsingTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plan-review")]
    [InlineData("plan-")]
    [InlineData("-plan")]
    [InlineData("9lives")]
    [InlineData("Plan")]
    [InlineData("plan_review")]
    [InlineData("plan review")]
    [InlineData("plän")]
    public void Flow_id_syntax_agrees_with_the_runtime(string? id)
    {
        // FlowIds is internal to the runtime: it is what deploying a flow checks.
        var ensureValid = typeof(global::FlowSdk.MessageAttribute).Assembly.GetType("FlowSdk.FlowIds", throwOnError: true)!
            .GetMethod("EnsureValid", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
        bool runtimeAccepts;
        try
        {
            ensureValid.Invoke(null, [id]);
            runtimeAccepts = true;
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException)
        {
            runtimeAccepts = false;
        }

        Assert.Equal(runtimeAccepts, FlowIdSyntax.Validate(id) is null);
    }

    [Theory]
    [InlineData("00:10:00", 6_000_000_000L)]
    [InlineData("1.00:00:00", 864_000_000_000L)]
    [InlineData("00:00:00.5", 5_000_000L)]
    [InlineData("00:00:00", null)]
    [InlineData("-00:01:00", null)]
    [InlineData("ten minutes", null)]
    [InlineData(null, null)]
    public void Durations_are_positive_invariant_time_spans(string? text, long? ticks) =>
        Assert.Equal(ticks, DurationSyntax.ParseTicks(text));

    // Phases: 0 New, 1 Open, 2 Waiting, 3 Closed (terminal), 4 Orphan.
    private static readonly bool[] Terminal = [false, false, false, true, false];

    private static FlowGraphRule Rule(RuleTrigger trigger, int? from, int? to, string name = "R") => new(name, trigger, from, to);

    [Fact]
    public void Reachability_follows_rules_with_state_from_the_initial_phase()
    {
        var graph = FlowGraph.Analyze(Terminal,
        [
            Rule(RuleTrigger.MessageAndState, 0, 1),
            Rule(RuleTrigger.State, 1, 2),
            Rule(RuleTrigger.MessageAndState, 2, 3),
            // A message-only rule moves nothing; a rule that fires in an unreachable phase leads nowhere.
            Rule(RuleTrigger.Message, 0, 4),
            Rule(RuleTrigger.MessageAndState, 4, 4),
        ]);

        Assert.Equal([true, true, true, true, false], graph.Reachable.ToArray());
    }

    [Fact]
    public void A_rule_without_From_fires_in_every_reachable_non_terminal_phase()
    {
        var graph = FlowGraph.Analyze(Terminal, [Rule(RuleTrigger.MessageAndState, null, 4), Rule(RuleTrigger.MessageAndState, null, 3)]);

        Assert.Equal([true, false, false, true, true], graph.Reachable.ToArray());
        Assert.All(graph.HasExit, Assert.True);
        Assert.Equal([0, 1], graph.StartRules.ToArray());
    }

    [Fact]
    public void No_rule_leaves_a_terminal_phase()
    {
        // From a terminal phase: it never fires, so it reaches nothing.
        var graph = FlowGraph.Analyze(Terminal, [Rule(RuleTrigger.MessageAndState, 0, 3), Rule(RuleTrigger.MessageAndState, 3, 1)]);

        Assert.Equal([true, false, false, true, false], graph.Reachable.ToArray());
    }

    [Fact]
    public void A_phase_has_an_exit_when_a_rule_moves_from_it_to_another_phase()
    {
        var graph = FlowGraph.Analyze(Terminal,
        [
            Rule(RuleTrigger.MessageAndState, 0, 1),
            Rule(RuleTrigger.MessageAndState, 1, null),   // stays
            Rule(RuleTrigger.MessageAndState, 2, 2),      // stays, as a loop
            Rule(RuleTrigger.Message, 4, 0),              // a message-only rule moves nothing
        ]);

        Assert.Equal([true, false, false, true, false], graph.HasExit.ToArray());
    }

    [Fact]
    public void Only_message_and_state_rules_from_the_initial_phase_or_anywhere_start_executions()
    {
        var graph = FlowGraph.Analyze(Terminal,
        [
            Rule(RuleTrigger.State, 0, 1),
            Rule(RuleTrigger.Message, null, null),
            Rule(RuleTrigger.MessageAndState, 1, 2),
            Rule(RuleTrigger.MessageAndState, 0, 1),
            Rule(RuleTrigger.MessageAndState, null, null),
        ]);

        Assert.Equal([3, 4], graph.StartRules.ToArray());
    }

    [Fact]
    public void A_flow_that_starts_in_a_terminal_phase_has_no_start_rule() =>
        Assert.Empty(FlowGraph.Analyze([true, false], [Rule(RuleTrigger.MessageAndState, null, 1)]).StartRules);

    [Theory]
    [InlineData(1, 0, 1, 0)]     // back
    [InlineData(1, 1, 1, 1)]     // same phase
    [InlineData(null, 1, 1, 1)]  // anywhere, to a non-terminal phase: fires there too
    [InlineData(null, 0, 0, 0)]
    public void A_rule_to_the_same_or_an_earlier_phase_loops(int? from, int to, int loopFrom, int loopTo)
    {
        var loop = FlowGraph.FindLoop(Terminal, Rule(RuleTrigger.MessageAndState, from, to));

        Assert.NotNull(loop);
        Assert.Equal(loopFrom, loop.Value.From);
        Assert.Equal(loopTo, loop.Value.To);
    }

    [Theory]
    [InlineData("MessageAndState", 0, 1)]
    [InlineData("MessageAndState", 1, null)]
    [InlineData("MessageAndState", null, 3)]   // anywhere (Orphan too, after Closed), to the terminal phase
    [InlineData("MessageAndState", 3, 0)]      // from a terminal phase: never fires
    [InlineData("Message", 1, 0)]              // no state, no phase change
    public void Forward_moves_and_rules_that_never_fire_do_not_loop(string trigger, int? from, int? to) =>
        Assert.Null(FlowGraph.FindLoop(Terminal, Rule(Enum.Parse<RuleTrigger>(trigger), from, to)));

    [Fact]
    public void Analyze_lists_each_looping_rule_once()
    {
        var graph = FlowGraph.Analyze(Terminal, [Rule(RuleTrigger.MessageAndState, 0, 1), Rule(RuleTrigger.State, 2, 1), Rule(RuleTrigger.MessageAndState, null, 2)]);

        Assert.Equal([1, 2], graph.Loops.Select(l => l.Rule));
    }
}
