using System.Reflection;
using FlowSdk.Internal;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>
/// Every input port of a generated flow holds the dispatcher the generator wrote for it (its rules in
/// order, checked and called directly), and that dispatcher decides exactly as walking the port's rule
/// objects does: the same rule, the same state afterwards, the same messages, for every phase, status,
/// guard and condition the test flows exercise.
/// </summary>
public sealed class GeneratedDispatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<FlowDefinition> GeneratedFlows => new()
    {
        OrderFlow.Definition,
        TicketFlow.Definition,
        ParcelFlow.Definition,
        RefundFlow.Definition,
        TallyFlow.Definition,
        ClockFlow.Definition,
    };

    [Theory]
    [MemberData(nameof(GeneratedFlows))]
    public void Every_input_port_of_a_generated_flow_holds_its_generated_dispatcher(FlowDefinition flow)
    {
        Assert.NotEmpty(flow.InputPorts);
        foreach (var port in flow.InputPorts)
        {
            var dispatcher = port.GetType().GetProperty("Dispatcher", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(port)!;
            var type = dispatcher.GetType();
            Assert.False(type.IsGenericType, $"{flow.Id}: port {port.Subject} walks its rule objects ({type.Name}) instead of its generated dispatcher.");
            Assert.True(type.IsSealed);
            Assert.Equal("Dispatchers", type.DeclaringType?.Name);
            Assert.Equal(typeof(Order).Assembly, type.Assembly);
        }
    }

    [Fact]
    public void A_port_built_by_hand_walks_its_rule_objects()
    {
        var full = OrderFlow.Definition;
        var port = new InputPort<Order, OrderPaid>(OrderFlow.Ports.OrderPaid, static m => m.OrderId, full.RequirePort<OrderPaid>().RuleSet);
        Assert.IsType<RuleTableDispatcher<Order, OrderPaid>>(port.Dispatcher);
    }

    [Theory]
    [InlineData(OrderPhase.New, null)]
    [InlineData(OrderPhase.Placed, "EarlyShipment")]
    [InlineData(OrderPhase.Paid, "Ship")]
    public void A_message_whose_rules_start_in_different_phases_reaches_the_rule_of_the_current_phase(OrderPhase phase, string? rule)
    {
        var flow = OrderFlow.Definition;
        var order = flow.Start("o-1", Now);
        ((IFlowState)order).Execution.Phase = phase.ToString();
        var context = new RuleContext(Now, "o-1", new Outbox());

        Assert.Equal(rule, flow.RequirePort<OrderShipped>().Dispatcher.Dispatch(order, new OrderShipped("o-1"), context)?.Info.Name);
        Assert.Equal(rule switch { null => "", "Ship" => "ship;", _ => "early;" }, order.Path);
    }

    [Fact]
    public void A_message_the_flow_has_no_port_for_is_refused_naming_the_flows_inputs()
    {
        // OrderNoticed is only published by the order flow: no port, no dispatcher, as before.
        var flow = OrderFlow.Definition;
        var order = flow.Start("o-1", Now);
        var refused = Assert.Throws<ArgumentException>(() => flow.Dispatch(order, new OrderNoticed("o-1", "hello"), new RuleContext(Now, "o-1", new Outbox())));
        Assert.Contains("does not consume OrderNoticed", refused.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OrderShipped), refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => flow.Fire(order, new OrderNoticed("o-1", "hello"), Now));
    }

    [Fact]
    public void The_order_flows_dispatchers_decide_as_its_rule_objects()
    {
        var flow = OrderFlow.Definition;
        var messages = new List<Func<Order, RuleContext, string>>
        {
            (s, c) => Compare(flow, s, new OrderPlaced("o-1", 10), c),
            (s, c) => Compare(flow, s, new OrderPlaced("o-1", 1500), c),
            (s, c) => Compare(flow, s, new OrderPaid("o-1", 5), c),
            (s, c) => Compare(flow, s, new OrderPaid("o-1", 5000), c),
            (s, c) => Compare(flow, s, new OrderShipped("o-1"), c),
            (s, c) => Compare(flow, s, new OrderBroken("o-1"), c),
        };

        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phase in Enum.GetNames<OrderPhase>())
        {
            foreach (var status in new[] { ExecutionStatus.Running, ExecutionStatus.Completed, ExecutionStatus.Failed })
            {
                foreach (var dispatch in messages)
                {
                    var order = flow.Start("o-1", Now);
                    order.Amount = 100;
                    ((IFlowState)order).Execution.Phase = phase;
                    ((IFlowState)order).Execution.Status = status;
                    outcomes.Add(dispatch(order, new RuleContext(Now, "o-1", new Outbox())));
                }
            }
        }

        // Every rule of the flow fired at least once, and nothing fired at least once: the comparison covered them.
        Assert.Equal(["-", "EarlyShipment", "Large", "Normal", "Pay", "Ship", "threw: the warehouse is on fire"], outcomes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_ticket_flows_dispatchers_decide_as_its_rule_objects_on_guards_and_any_conditions()
    {
        var flow = TicketFlow.Definition;
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phase in Enum.GetNames<TicketPhase>())
        {
            foreach (var firings in new[] { 0, 1, 2 })
            {
                foreach (var minutes in new[] { 1, 11 })
                {
                    var ticket = flow.Start("t-1", Now);
                    var execution = ((IFlowState)ticket).Execution;
                    execution.Phase = phase;
                    for (var i = 0; i < firings; i++)
                    {
                        execution.CountFiring("Nudge", Now);
                    }

                    var context = new RuleContext(Now.AddMinutes(minutes), "t-1", new Outbox());
                    outcomes.Add(Compare(flow, ticket, new TicketNudged("t-1"), context));
                    outcomes.Add(Compare(flow, ticket, new TicketOpened("t-1", 2), context));
                    outcomes.Add(Compare(flow, ticket, new OwnerFound("t-1.1", "ann"), context));
                    foreach (var (urgent, vip) in new[] { (false, false), (true, false), (false, true) })
                    {
                        outcomes.Add(Compare(flow, ticket, new TicketFlagged("t-1", urgent, vip), context));
                    }
                }
            }
        }

        Assert.Equal(["-", "Assign", "Flag", "Nudge", "Triage"], outcomes.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Dispatches <paramref name="message"/> to a copy of <paramref name="state"/> through the port's
    /// generated dispatcher and to another copy by walking the port's rule objects, and checks that both
    /// chose the same rule (or threw the same), left the same state and published the same messages.
    /// </summary>
    /// <returns>The rule that fired, "-" when none did, or "threw: " and the rule's exception message.</returns>
    private static string Compare<TState, TMessage>(FlowDefinition<TState> flow, TState state, TMessage message, RuleContext context)
        where TState : class, IFlowState, new()
    {
        var port = flow.RequirePort<TMessage>();
        Assert.IsNotType<RuleTableDispatcher<TState, TMessage>>(port.Dispatcher);
        var (generated, generatedState, generatedOutbox) = Run(port.Dispatcher);
        var (walked, walkedState, walkedOutbox) = Run(new RuleTableDispatcher<TState, TMessage>(port.RuleSet));
        var at = $"{typeof(TMessage).Name} in phase {state.Execution.Phase}, {state.Execution.Status}";
        Assert.True(walked == generated, $"{at}: the rule objects say {walked}, the generated dispatcher {generated}.");
        Assert.True(walkedState.AsSpan().SequenceEqual(generatedState), $"{at}: the states differ after {walked}.");
        Assert.Equal(walkedOutbox, generatedOutbox);
        return walked;

        (string Outcome, byte[] State, string[] Messages) Run(PortDispatcher<TState, TMessage> dispatcher)
        {
            var copy = FlowSerializer.Deserialize(flow.StateFormatter, FlowSerializer.Serialize(flow.StateFormatter, state));
            var outbox = new Outbox();
            var copyContext = new RuleContext(context.Now, context.ExecutionId, outbox, flow.Id);
            string outcome;
            try
            {
                outcome = dispatcher.Dispatch(copy, message, copyContext)?.Info.Name ?? "-";
            }
            catch (InvalidOperationException ex)
            {
                outcome = "threw: " + ex.Message;
            }

            return (outcome, FlowSerializer.Serialize(flow.StateFormatter, copy), outbox.Messages.Select(m => m.Subject + ":" + Convert.ToHexString(m.Payload.Span)).ToArray());
        }
    }
}
