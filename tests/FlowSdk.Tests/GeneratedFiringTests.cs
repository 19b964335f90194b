using FlowSdk.Internal;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

[Message("test.paths.pinged")]
public sealed record PathPinged(string Text);

[Message("test.paths.echoed")]
public sealed record PathEchoed(string Text);

[Message("test.paths.step")]
public sealed record PathStep([property: CorrelationKey] string RunId, string Kind);

[Message("test.paths.nudged")]
public sealed record PathNudged([property: CorrelationKey] string RunId);

[Message("test.paths.query")]
public sealed record PathQuery(string RunId, [property: TaskId] string TaskId = "");

[Message("test.paths.answered")]
public sealed record PathAnswered([property: TaskId] string TaskId, int Value);

public enum PathPhase
{
    Start,
    Middle,
    [TerminalPhase]
    End,
    [TerminalPhase]
    Lost,
}

/// <summary>
/// A flow whose rules take every branch of a generated port's firing: message-only rules (with and without
/// conditions, with an output), rules with and without <c>From</c> and <c>To</c>, moving back (a new iteration,
/// up to MaxIterations), to a terminal phase (lifecycle events), guards, conditions that read the context,
/// outcomes the rule sets, the three approval policies, a request that awaits a reply, the reply, a rule that
/// throws, a port with no context and one whose only rule always fires.
/// </summary>
[Flow<PathPhase>("paths", MaxIterations = 2, Timeout = "01:00:00", OnCompleted = "test.paths.ended.completed", OnFailed = "test.paths.ended.failed", OnEscalated = "test.paths.ended.escalated", OnTimedOut = "test.paths.ended.timedout")]
public partial class PathRun
{
    public string Trail { get; set; } = "";

    public int Answer { get; set; }
}

[Rules<PathRun>]
public static partial class PathRules
{
    [Rule]
    [When(nameof(IsLoud))]
    public static PathEchoed Echo(PathPinged pinged) => new(pinged.Text.ToUpperInvariant());

    [Rule]
    public static void Drop(PathPinged pinged)
    {
    }

    [Rule]
    [When(nameof(IsAudit))]
    public static PathEchoed Audit(PathStep step) => new("audit " + step.RunId);

    [Rule(From = PathPhase.Start, To = PathPhase.Middle)]
    [When(nameof(IsForward))]
    public static void Forward(PathRun run, PathStep step) => run.Trail += "forward;";

    [Rule(From = PathPhase.Middle, To = PathPhase.Start)]
    [When(nameof(IsBack))]
    public static void Back(PathRun run, PathStep step) => run.Trail += "back;";

    [Rule(From = PathPhase.Middle, To = PathPhase.End)]
    [When(nameof(IsFinish))]
    public static PathEchoed Finish(PathRun run, PathStep step)
    {
        run.Trail += "finish;";
        return new PathEchoed("finished " + run.Id);
    }

    [Rule(To = PathPhase.Middle)]
    [When(nameof(IsAnywhere))]
    public static void Anywhere(PathRun run, PathStep step) => run.Trail += "anywhere;";

    [Rule]
    [When(nameof(IsStay))]
    public static void Stay(PathRun run, PathStep step, RuleContext context)
    {
        run.Trail += "stay;";
        switch (step.Kind)
        {
            case "stay-fail": context.Fail("asked to fail"); break;
            case "stay-escalate": context.Escalate("asked to escalate"); break;
            case "stay-complete": context.Complete(); break;
        }
    }

    [Rule(From = PathPhase.Start, MaxFirings = 1, Cooldown = "00:10:00")]
    [When(nameof(IsGuarded))]
    public static void Guarded(PathRun run, PathStep step) => run.Trail += "guarded;";

    [Rule(From = PathPhase.Start, To = PathPhase.End)]
    [RequiresApproval]
    [When(nameof(IsAsk))]
    public static void Ask(PathRun run, PathStep step) => run.Trail += "asked;";

    [Rule(From = PathPhase.Start, To = PathPhase.End)]
    [RequiresApproval(Policy = ApprovalPolicy.Deny)]
    [When(nameof(IsDeny))]
    public static void Deny(PathRun run, PathStep step) => run.Trail += "denied;";

    [Rule(From = PathPhase.Start, To = PathPhase.Middle)]
    [RequiresApproval(Policy = ApprovalPolicy.Approve)]
    [When(nameof(IsAuto))]
    public static void Auto(PathRun run, PathStep step) => run.Trail += "auto;";

    [Rule(From = PathPhase.Start, To = PathPhase.Middle, AwaitReply = true)]
    [When(nameof(IsQuery))]
    public static PathQuery Query(PathRun run, PathStep step) => new(run.Id);

    [Rule]
    [When(nameof(IsBoom))]
    public static void Boom(PathRun run, PathStep step) => throw new InvalidOperationException("boom in " + run.Id);

    [Rule(From = PathPhase.Middle, To = PathPhase.Lost)]
    public static void Answered(PathRun run, PathAnswered answered) => run.Answer = answered.Value;

    [Rule]
    public static void Nudge(PathRun run, PathNudged nudged) => run.Trail += "nudged;";

    private static bool IsLoud(PathPinged pinged) => pinged.Text.EndsWith('!');

    private static bool IsAudit(PathStep step) => step.Kind == "audit";

    private static bool IsForward(PathStep step) => step.Kind == "forward";

    private static bool IsBack(PathStep step) => step.Kind == "back";

    private static bool IsFinish(PathStep step) => step.Kind == "finish";

    private static bool IsAnywhere(PathStep step) => step.Kind == "anywhere";

    private static bool IsStay(PathStep step, RuleContext context) => step.Kind.StartsWith("stay", StringComparison.Ordinal) && context.ExecutionId is not null;

    private static bool IsGuarded(PathStep step) => step.Kind == "guarded";

    private static bool IsAsk(PathStep step) => step.Kind == "ask";

    private static bool IsDeny(PathStep step) => step.Kind == "deny";

    private static bool IsAuto(PathStep step) => step.Kind == "auto";

    private static bool IsQuery(PathStep step) => step.Kind == "query";

    private static bool IsBoom(PathStep step) => step.Kind == "boom";
}

/// <summary>
/// The firing the generator writes for each input port (<see cref="PortDispatcher{TState, TMessage}.Fire"/>, which
/// <see cref="FlowDefinition{TState}.Fire{TMessage}"/> routes to) gives exactly what firing by the port's rule objects
/// gives: the same rule or none, the same approval request, the same messages with their ids, the same exception,
/// and the same state afterwards, byte for byte, for every phase, status, deadline, iteration and rule counter
/// the sweeps set up.
/// </summary>
public sealed class GeneratedFiringTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly ExecutionStatus[] Statuses =
        [ExecutionStatus.Running, ExecutionStatus.Waiting, ExecutionStatus.WaitingForApproval, ExecutionStatus.Completed, ExecutionStatus.Escalated];

    private static readonly TimeSpan?[] Deadlines = [null, TimeSpan.FromHours(1), TimeSpan.FromMinutes(-1)];

    [Fact]
    public void Fire_routes_to_the_generated_firing_of_every_port()
    {
        foreach (var flow in new FlowDefinition[] { PathRunFlow.Definition, OrderFlow.Definition, TicketFlow.Definition, ParcelFlow.Definition, RefundFlow.Definition, TallyFlow.Definition, FanBatchFlow.Definition, FanItemFlow.Definition })
        {
            foreach (var port in flow.InputPorts)
            {
                var dispatcher = port.GetType().GetProperty("Dispatcher", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(port)!;
                var fire = dispatcher.GetType().GetMethod("Fire")!;
                Assert.True(fire.DeclaringType == dispatcher.GetType(), $"{flow.Id}: port {port.Subject} has no generated firing.");
            }
        }
    }

    [Fact]
    public void A_port_built_by_hand_has_no_firing_of_its_own_and_fires_by_its_rules()
    {
        var full = PathRunFlow.Definition;
        var port = new InputPort<PathRun, PathStep>(PathRunFlow.Ports.PathStep, static m => m.RunId, full.RequirePort<PathStep>().RuleSet);
        var byHand = new FlowDefinition<PathRun>("paths-by-hand", full.Phases, full.TerminalPhases, full.MaxIterations, full.StateFormatter, [port], timeout: full.Timeout);
        var run = byHand.Start("r-1", Now);

        Assert.Null(port.Dispatcher.Fire(byHand, run, new PathStep("r-1", "forward"), Now));
        Assert.Equal("Forward", byHand.Fire(run, new PathStep("r-1", "forward"), Now).Rule?.Name);
        Assert.Equal(("forward;", "Middle"), (run.Trail, ((IFlowState)run).Execution.Phase));
    }

    [Fact]
    public void The_paths_flows_generated_firing_gives_what_its_rule_objects_give()
    {
        var flow = PathRunFlow.Definition;
        var kinds = new[] { "audit", "forward", "back", "finish", "anywhere", "stay", "stay-fail", "stay-escalate", "stay-complete", "guarded", "ask", "deny", "auto", "query", "boom", "none" };
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in States(flow, "r-1", [[], ["Guarded@-5"], ["Guarded@-20"]]))
        {
            foreach (var kind in kinds)
            {
                outcomes.Add(Compare(flow, run, new PathStep("r-1", kind)));
            }

            outcomes.Add(Compare(flow, run, new PathPinged("hello!")));
            outcomes.Add(Compare(flow, run, new PathPinged("hello")));
            outcomes.Add(Compare(flow, run, new PathNudged("r-1")));
            outcomes.Add(Compare(flow, run, new PathAnswered("r-1.3", 7)));
            outcomes.Add(Compare(flow, run, new PathAnswered("r-1.9", 7)));
        }

        // Every rule fired, and each other outcome happened at least once: the sweep reached every branch.
        foreach (var rule in flow.Rules.Where(r => r.Name is not ("Ask" or "Deny" or "Boom")))
        {
            Assert.Contains(rule.Name + ":", outcomes.Select(o => o[..(o.IndexOf(':', StringComparison.Ordinal) + 1)]));
        }

        Assert.Contains("-:Running", outcomes);
        Assert.Contains("-:TimedOut", outcomes);
        Assert.Contains("asks Ask", outcomes);
        Assert.Contains("-:Escalated", outcomes);
        Assert.Contains("Back:Escalated", outcomes);
        Assert.Contains("Finish:Completed", outcomes);
        Assert.Contains("Stay:Failed", outcomes);
        Assert.Contains("Query:Waiting", outcomes);
        Assert.Contains("threw InvalidOperationException: boom in r-1", outcomes);
    }

    [Fact]
    public void The_test_flows_generated_firings_give_what_their_rule_objects_give()
    {
        var fired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var order in States(OrderFlow.Definition, "o-1", [[]]))
        {
            order.Amount = 100;
            fired.Add(Compare(OrderFlow.Definition, order, new OrderPlaced("o-1", 10)));
            fired.Add(Compare(OrderFlow.Definition, order, new OrderPlaced("o-1", 1500)));
            fired.Add(Compare(OrderFlow.Definition, order, new OrderPaid("o-1", 5)));
            fired.Add(Compare(OrderFlow.Definition, order, new OrderPaid("o-1", 500)));
            fired.Add(Compare(OrderFlow.Definition, order, new OrderShipped("o-1")));
            fired.Add(Compare(OrderFlow.Definition, order, new OrderBroken("o-1")));
        }

        foreach (var ticket in States(TicketFlow.Definition, "t-1", [[], ["Nudge@-5"], ["Nudge@-20", "Nudge@-30"]]))
        {
            fired.Add(Compare(TicketFlow.Definition, ticket, new TicketOpened("t-1", 2)));
            fired.Add(Compare(TicketFlow.Definition, ticket, new TicketNudged("t-1")));
            fired.Add(Compare(TicketFlow.Definition, ticket, new TicketFlagged("t-1", false, true)));
            fired.Add(Compare(TicketFlow.Definition, ticket, new TicketFlagged("t-1", false, false)));
            fired.Add(Compare(TicketFlow.Definition, ticket, new OwnerFound("t-1.3", "ann")));
            foreach (var verdict in new[] { "fail", "escalate", "complete", "fine" })
            {
                fired.Add(Compare(TicketFlow.Definition, ticket, new TicketJudged("t-1", verdict)));
            }
        }

        foreach (var parcel in States(ParcelFlow.Definition, "p-1", [[]]))
        {
            fired.Add(Compare(ParcelFlow.Definition, parcel, new ParcelSent("p-1")));
            fired.Add(Compare(ParcelFlow.Definition, parcel, new RateReply("p-1.3", 250)));
            fired.Add(Compare(ParcelFlow.Definition, parcel, new ParcelDelivered("p-1")));
            fired.Add(Compare(ParcelFlow.Definition, parcel, new ParcelDelivered("p-1", Damaged: true)));
        }

        foreach (var refund in States(RefundFlow.Definition, "f-1", [[]]))
        {
            foreach (var amount in new[] { 5, 500 })
            {
                refund.Amount = amount;
                fired.Add(Compare(RefundFlow.Definition, refund, new RefundRequested("f-1", amount)));
                fired.Add(Compare(RefundFlow.Definition, refund, new RefundSubmitted("f-1")));
                fired.Add(Compare(RefundFlow.Definition, refund, new RefundWaived("f-1")));
                fired.Add(Compare(RefundFlow.Definition, refund, new RefundNoted("f-1", "called")));
            }
        }

        foreach (var tally in States(TallyFlow.Definition, "y-1", [[]]))
        {
            fired.Add(Compare(TallyFlow.Definition, tally, new TallyBumped("y-1", 2, Tell: true)));
            fired.Add(Compare(TallyFlow.Definition, tally, new TallyBumped("y-1")));
        }

        foreach (var batch in States(FanBatchFlow.Definition, "b-1", [[]]))
        {
            fired.Add(Compare(FanBatchFlow.Definition, batch, new BatchStarted("b-1", "all", [1, 2])));
            fired.Add(Compare(FanBatchFlow.Definition, batch, new BatchRestarted("b-1")));
            fired.Add(Compare(FanBatchFlow.Definition, batch, new BatchBroken("b-1")));
        }

        foreach (var item in States(FanItemFlow.Definition, "i-1", [[]]))
        {
            fired.Add(Compare(FanItemFlow.Definition, item, new ItemStarted("i-1", 3, "auto")));
            fired.Add(Compare(FanItemFlow.Definition, item, new ItemStarted("i-1", 3, "fail")));
            fired.Add(Compare(FanItemFlow.Definition, item, new ItemStarted("i-1", 3, "slow")));
            fired.Add(Compare(FanItemFlow.Definition, item, new ItemFinished("i-1", true)));
            fired.Add(Compare(FanItemFlow.Definition, item, new ItemFinished("i-1", false)));
        }

        var rules = fired.Where(o => o.Contains(':', StringComparison.Ordinal)).Select(o => o[..o.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in new[] { "Large", "Normal", "Pay", "Ship", "EarlyShipment", "Triage", "Nudge", "Flag", "Assign", "Judge", "Send", "Rate", "Deliver", "Request", "PaySmall", "Note", "BumpAndTell", "Bump", "Start", "Restart", "Break", "CompleteAtOnce", "FailAtOnce", "Begin", "Succeed", "Fail" })
        {
            Assert.Contains(rule, rules);
        }

        Assert.Contains("asks Pay", fired);
        Assert.Contains("asks Waive", fired);
    }

    /// <summary>
    /// Every combination of phase, status, deadline and iteration of a new execution of <paramref name="flow"/>, each with
    /// each set of rule counters (<c>"Rule@-5"</c>: the rule fired five minutes before <see cref="Now"/>); a waiting
    /// execution waits for task <c>&lt;id&gt;.3</c>.
    /// </summary>
    private static IEnumerable<TState> States<TState>(FlowDefinition<TState> flow, string id, string[][] counters)
        where TState : class, IFlowState, new()
    {
        foreach (var phase in flow.Phases)
        {
            foreach (var status in Statuses)
            {
                foreach (var deadline in Deadlines)
                {
                    foreach (var iteration in new[] { 1, 2 })
                    {
                        foreach (var set in counters)
                        {
                            var state = flow.Start(id, Now.AddMinutes(-90));
                            var execution = state.Execution;
                            execution.Phase = phase;
                            execution.Status = status;
                            execution.Iteration = iteration;
                            execution.Deadline = Now + deadline;
                            if (status == ExecutionStatus.Waiting)
                            {
                                execution.PendingTaskId = id + ".3";
                                execution.PendingSince = Now.AddMinutes(-3);
                            }

                            foreach (var counter in set)
                            {
                                var at = counter.Split('@');
                                execution.CountFiring(at[0], Now.AddMinutes(int.Parse(at[1], System.Globalization.CultureInfo.InvariantCulture)));
                            }

                            yield return state;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Fires <paramref name="message"/> on a copy of <paramref name="state"/> through the port's generated firing and on
    /// another copy by the port's rule objects, and checks both did the same.
    /// </summary>
    /// <returns>"rule:status" after a firing ("-:status" for none), "asks rule" for an approval request, or "threw ...".</returns>
    private static string Compare<TState, TMessage>(FlowDefinition<TState> flow, TState state, TMessage message)
        where TState : class, IFlowState, new()
    {
        var port = flow.RequirePort<TMessage>();
        var threadContext = FiringScratch.Take();
        FiringScratch.Return(threadContext);
        var generated = Run(copy => port.Dispatcher.Fire(flow, copy, message, Now) ?? throw new InvalidOperationException("no generated firing"));
        var byRules = Run(copy => flow.FireByRules(copy, message, Now));
        var execution = state.Execution;
        var at = $"{flow.Id}: {message} in {execution.Phase}, {execution.Status}, iteration {execution.Iteration}, deadline {execution.Deadline}";
        Assert.True(byRules.Outcome == generated.Outcome, $"{at}: by the rule objects {byRules.Outcome}, generated {generated.Outcome}.");
        Assert.True(byRules.Messages.SequenceEqual(generated.Messages), $"{at}: the messages differ: [{string.Join(", ", byRules.Messages)}] against [{string.Join(", ", generated.Messages)}].");
        Assert.True(byRules.State.AsSpan().SequenceEqual(generated.State), $"{at}: the states differ after {byRules.Outcome}.");

        // Both gave the thread's context back, its outbox empty, whether the rule threw or not.
        var next = FiringScratch.Take();
        FiringScratch.Return(next);
        Assert.Same(threadContext, next);
        Assert.Empty(next.Outbox.Messages);
        return byRules.Outcome;

        (string Outcome, string[] Messages, byte[] State) Run(Func<TState, FiringResult> fire)
        {
            var copy = FlowSerializer.Deserialize(flow.StateFormatter, FlowSerializer.Serialize(flow.StateFormatter, state));
            string outcome;
            string[] messages = [];
            try
            {
                var result = fire(copy);
                outcome = result.AwaitsApproval is { } asked ? "asks " + asked.Name : $"{result.Rule?.Name ?? "-"}:{copy.Execution.Status}";
                messages = result.Messages.Select(m => $"{m.Subject}/{m.MessageType}/{m.MessageId}/{Convert.ToHexString(m.Payload.Span)}").ToArray();
            }
            catch (Exception ex)
            {
                outcome = $"threw {ex.GetType().Name}: {ex.Message}";
            }

            return (outcome, messages, FlowSerializer.Serialize(flow.StateFormatter, copy));
        }
    }
}
