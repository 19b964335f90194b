using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.State;
using Stateless;

namespace FlowSdk.Benchmarks;

/// <summary>
/// One rule firing in memory: the transition Placed -> Paid of an order when a payment covers its
/// total (a condition, a mutation, the phase change and a timeline entry). Every contender starts each
/// operation from the same Placed order, so the operations are alike:
/// <list type="bullet">
/// <item>Stateless 5.20.1: <c>StateMachine.Fire</c> with a parameterized trigger, a guard, an entry action
/// and an <c>OnTransitioned</c> callback that records the timeline entry (Stateless keeps none itself).</item>
/// <item>HandWritten: a switch on the phase doing the same work: the floor.</item>
/// <item>FlowSdkFire: <c>Definition.Fire</c> on the state in memory, exactly as the runtime applies a firing
/// (rule evaluation, the rule method, phase, iteration, rule counters, timeline, outcome), no store.</item>
/// <item>FlowSdkStep: what the in-memory runtime does for the event besides transport: read the stored
/// state (deserialize), <c>Fire</c>, serialize, and the compare-and-set write to <see cref="InMemoryStateStore"/>.
/// Stateless and the switch do none of that (no persistence at all).</item>
/// </list>
/// </summary>
[BenchmarkCategory(Categories.Firing)]
public class FiringBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
    private readonly PaymentReceived _payment = new("o-1", 42m);
    private Order _order = null!;
    private byte[] _stored = null!;
    private InMemoryStateStore _store = null!;
    private ulong _revision;

    private StateMachine<OrderPhase, Trigger> _machine = null!;
    private StateMachine<OrderPhase, Trigger>.TriggerWithParameters<PaymentReceived> _pay = null!;
    private OrderPhase _machinePhase;
    private readonly StatelessOrder _plain = new();
    private readonly List<Transition> _timeline = [];

    /// <summary>The triggers of the Stateless machine.</summary>
    public enum Trigger
    {
        /// <summary>A payment.</summary>
        Pay,

        /// <summary>Shipping.</summary>
        Ship,
    }

    /// <summary>Prepares the order for every contender.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        var definition = OrderFlow.Definition;
        _order = definition.Start("o-1", Now);
        _order.Total = 42m;
        _stored = FlowSerializer.Serialize(definition.StateFormatter, _order);
        _store = new InMemoryStateStore();
        _revision = _store.TryCreateAsync("bench-order.o-1", _stored).GetAwaiter().GetResult().Revision;

        _plain.Total = 42m;
        _machine = new StateMachine<OrderPhase, Trigger>(() => _machinePhase, s => _machinePhase = s);
        _pay = _machine.SetTriggerParameters<PaymentReceived>(Trigger.Pay);
        _machine.Configure(OrderPhase.Placed)
            .PermitIf(_pay, OrderPhase.Paid, p => p.Amount >= _plain.Total, "the payment covers the total");
        _machine.Configure(OrderPhase.Paid)
            .OnEntryFrom(_pay, p => _plain.Paid = p.Amount)
            .Permit(Trigger.Ship, OrderPhase.Shipped);
        _machine.OnTransitioned(t => _timeline.Add(new Transition(Now, nameof(Trigger.Pay), t.Source, t.Destination)));

        if (!FlowSdkFire() || !FlowSdkStep() || Stateless() != OrderPhase.Paid || HandWritten() != OrderPhase.Paid)
        {
            throw new InvalidOperationException("A contender did not fire.");
        }
    }

    /// <summary>Stateless: Fire with a guard, an entry action and a transition callback.</summary>
    [Benchmark(Baseline = true)]
    public OrderPhase Stateless()
    {
        _machinePhase = OrderPhase.Placed;
        _timeline.Clear();
        _machine.Fire(_pay, _payment);
        return _machinePhase;
    }

    /// <summary>A hand-written switch doing the same work: the floor.</summary>
    [Benchmark]
    public OrderPhase HandWritten()
    {
        _plain.Phase = OrderPhase.Placed;
        _timeline.Clear();
        switch (_plain.Phase)
        {
            case OrderPhase.Placed when _payment.Amount >= _plain.Total:
                _plain.Paid = _payment.Amount;
                _plain.Phase = OrderPhase.Paid;
                _timeline.Add(new Transition(Now, nameof(Trigger.Pay), OrderPhase.Placed, OrderPhase.Paid));
                break;
        }

        return _plain.Phase;
    }

    /// <summary>FlowSdk's Definition.Fire in memory (no store).</summary>
    [Benchmark]
    public bool FlowSdkFire()
    {
        // Back to a Placed order with an empty timeline, as the others start each operation.
        var execution = ((IFlowState)_order).Execution;
        execution.Phase = nameof(OrderPhase.Placed);
        execution.Restore([]);
        return OrderFlow.Definition.Fire(_order, _payment, Now).Fired;
    }

    /// <summary>FlowSdk's runtime step without transport: deserialize, Fire, serialize, CAS write.</summary>
    [Benchmark]
    public bool FlowSdkStep()
    {
        var definition = OrderFlow.Definition;
        var order = FlowSerializer.Deserialize(definition.StateFormatter, _stored);
        var fired = definition.Fire(order, _payment, Now).Fired;
        var written = _store.TryUpdateAsync("bench-order.o-1", FlowSerializer.Serialize(definition.StateFormatter, order), _revision).GetAwaiter().GetResult();
        _revision = written.Revision;
        return fired && written.Succeeded;
    }

    private sealed class StatelessOrder
    {
        public OrderPhase Phase { get; set; }

        public decimal Total { get; set; }

        public decimal Paid { get; set; }
    }

    private sealed record Transition(DateTimeOffset At, string Trigger, OrderPhase From, OrderPhase To);
}
