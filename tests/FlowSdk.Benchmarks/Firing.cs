using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.State;
using MassTransit;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
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
/// <item>HandWrittenBookkeeping: the same switch keeping the bookkeeping <c>Fire</c> keeps, written by hand at its
/// cheapest: whether the execution may fire (running, no reply awaited, deadline), the rule's firing counter and
/// its last time as two fields, the chained-firings count, the update time, and a timeline entry with the same
/// fields as <see cref="TimelineEntry"/> (the phases as the enum). The floor of <c>Fire</c>'s work without FlowSdk.</item>
/// <item>FlowSdkFire: <c>Definition.Fire</c> on the state in memory, exactly as the runtime applies a firing
/// (rule evaluation, the rule method, phase, iteration, rule counters, timeline, outcome), no store.</item>
/// <item>FlowSdkStep: what the in-memory runtime does for the event besides transport: read the stored
/// state (deserialize), <c>Fire</c>, serialize, and the compare-and-set write to <see cref="InMemoryStateStore"/>.
/// Stateless and the switch do none of that (no persistence at all).</item>
/// <item>HandWrittenStep: the floor of "persist each step" without FlowSdk: the same state and bookkeeping as a
/// plain class (<see cref="HandOrder"/>) deserialized and serialized by MessagePack's own attribute resolver,
/// the switch (phase, iteration check, rule counter, timeline entry), and the same compare-and-set write
/// to an <see cref="InMemoryStateStore"/>.</item>
/// <item>MassTransitSaga: MassTransit 8.5.12, the same transition as a <c>MassTransitStateMachine</c> saga
/// (filtered event, <c>Then</c>, <c>TransitionTo</c>, a timeline entry) in an in-memory saga repository on
/// the in-memory bus: from <c>Publish</c> of the payment until MassTransit's consume observer reports
/// the message consumed (<c>PostConsume</c>, after the saga's behavior has run and the instance is in
/// Paid). It includes the bus: publish pipeline, the payment written into MassTransit's JSON envelope
/// (the in-memory transport carries bytes) and read back, receive and consume pipelines, the
/// repository's lookup and lock, and the hand-off from the benchmark's thread to a consumer thread
/// and back. The saga instance itself stays an object in the repository (nothing serialized). It has its own setup: the bus runs only while this benchmark does.</item>
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
    private byte[] _handStored = null!;
    private ulong _handRevision;

    private StateMachine<OrderPhase, Trigger> _machine = null!;
    private StateMachine<OrderPhase, Trigger>.TriggerWithParameters<PaymentReceived> _pay = null!;
    private OrderPhase _machinePhase;
    private readonly StatelessOrder _plain = new();
    private readonly List<Transition> _timeline = [];
    private readonly BookkeptOrder _bookkept = new() { Total = 42m, Status = ExecutionStatus.Running, Iteration = 1 };

    private ServiceProvider? _provider;
    private IBusControl? _bus;
    private ConsumedSignal _consumed = null!;
    private OrderSaga _saga = null!;
    private SagaPaymentReceived _sagaPayment = null!;
    private int _sagaPlaced;
    private int _sagaPaid;

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

        var hand = new HandOrder
        {
            Total = 42m,
            Id = "o-1",
            Flow = "bench-order",
            Phase = nameof(OrderPhase.Placed),
            Status = nameof(ExecutionStatus.Running),
            Iteration = 1,
            CreatedAt = Now.UtcDateTime,
            UpdatedAt = Now.UtcDateTime,
        };
        _handStored = MessagePackSerializer.Serialize(hand, HandOptions);
        _handRevision = _store.TryCreateAsync("bench-hand.o-1", _handStored).GetAwaiter().GetResult().Revision;

        _plain.Total = 42m;
        _machine = new StateMachine<OrderPhase, Trigger>(() => _machinePhase, s => _machinePhase = s);
        _pay = _machine.SetTriggerParameters<PaymentReceived>(Trigger.Pay);
        _machine.Configure(OrderPhase.Placed)
            .PermitIf(_pay, OrderPhase.Paid, p => p.Amount >= _plain.Total, "the payment covers the total");
        _machine.Configure(OrderPhase.Paid)
            .OnEntryFrom(_pay, p => _plain.Paid = p.Amount)
            .Permit(Trigger.Ship, OrderPhase.Shipped);
        _machine.OnTransitioned(t => _timeline.Add(new Transition(Now, nameof(Trigger.Pay), t.Source, t.Destination)));

        if (!FlowSdkFire() || !FlowSdkStep() || !HandWrittenStep() || Stateless() != OrderPhase.Paid || HandWritten() != OrderPhase.Paid || HandWrittenBookkeeping() != OrderPhase.Paid)
        {
            throw new InvalidOperationException("A contender did not fire.");
        }
    }

    /// <summary>
    /// Starts MassTransit's in-memory bus with the order saga (in-memory repository), creates the
    /// saga instance in Placed with the same total, and checks that one payment moves it to Paid.
    /// </summary>
    [GlobalSetup(Target = nameof(MassTransitSaga))]
    public void SetUpMassTransit()
    {
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            // No usage report sent over HTTP from the benchmark.
            x.DisableUsageTelemetry();
            x.AddSagaStateMachine<OrderStateMachine, OrderSaga>().InMemoryRepository();
            x.UsingInMemory((context, bus) => bus.ConfigureEndpoints(context));
        });
        _provider = services.BuildServiceProvider();
        _bus = _provider.GetRequiredService<IBusControl>();
        _consumed = new ConsumedSignal();
        _bus.ConnectConsumeObserver(_consumed);
        _bus.StartAsync().GetAwaiter().GetResult();

        var orderId = Guid.NewGuid();
        var placed = _consumed.Next();
        _bus.Publish(new SagaOrderPlaced(orderId, 42m)).GetAwaiter().GetResult();
        placed.Wait(TimeSpan.FromSeconds(30));
        _saga = _provider.GetRequiredService<ILoadSagaRepository<OrderSaga>>().Load(orderId).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("The saga instance was not created.");
        _sagaPlaced = _saga.CurrentState;
        _sagaPayment = new SagaPaymentReceived(orderId, 42m);

        // The instance the repository holds is the one the benchmark resets: one payment must move it to Paid.
        _sagaPaid = -1;
        _sagaPaid = MassTransitSaga();
        if (_sagaPaid == _sagaPlaced || _saga.Paid != 42m || _saga.Timeline.Count != 1 || MassTransitSaga() != _sagaPaid)
        {
            throw new InvalidOperationException("The MassTransit saga did not move to Paid.");
        }
    }

    /// <summary>Stops the bus.</summary>
    [GlobalCleanup(Target = nameof(MassTransitSaga))]
    public void CleanUpMassTransit()
    {
        _bus?.StopAsync().GetAwaiter().GetResult();
        _provider?.DisposeAsync().AsTask().GetAwaiter().GetResult();
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

    /// <summary>
    /// The switch keeping the bookkeeping <c>Fire</c> keeps, by hand: may the execution fire, the phase, the
    /// condition, the mutation, the rule's counter and last time, the chained count, the update time and a
    /// timeline entry with <see cref="TimelineEntry"/>'s fields.
    /// </summary>
    [Benchmark]
    public OrderPhase HandWrittenBookkeeping()
    {
        var order = _bookkept;
        order.Phase = OrderPhase.Placed;
        order.Timeline.Clear();
        if (order.Status == ExecutionStatus.Running && order.PendingTaskId is null && (order.Deadline is not { } deadline || Now < deadline))
        {
            switch (order.Phase)
            {
                case OrderPhase.Placed when _payment.Amount >= order.Total:
                    order.Paid = _payment.Amount;
                    order.Phase = OrderPhase.Paid;
                    order.ChainedFirings = 0;
                    order.PayFirings++;
                    order.PayLastFiredAt = Now;
                    order.UpdatedAt = Now;
                    order.Timeline.Add(new BookkeptEntry(Now, nameof(OrderRules.Pay), TriggerKind.MessageAndState, "bench.orders.paid", RuleAction.Mutate, OrderPhase.Placed, OrderPhase.Paid, order.Iteration));
                    break;
            }
        }

        return order.Phase;
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

    /// <summary>
    /// The same persisting step written by hand: MessagePack (its own resolver) reads the stored order and
    /// its bookkeeping, the switch fires, MessagePack writes it, and the same store's compare-and-set write.
    /// </summary>
    [Benchmark]
    public bool HandWrittenStep()
    {
        var order = MessagePackSerializer.Deserialize<HandOrder>(_handStored, HandOptions);
        var fired = false;
        switch (order.Phase)
        {
            case nameof(OrderPhase.Placed) when order.Status == nameof(ExecutionStatus.Running) && _payment.Amount >= order.Total:
                order.Paid = _payment.Amount;
                order.Phase = nameof(OrderPhase.Paid);
                order.ChainedFirings = 0;
                order.UpdatedAt = Now.UtcDateTime;
                order.Rules.TryGetValue(nameof(OrderRules.Pay), out var counter);
                order.Rules[nameof(OrderRules.Pay)] = new HandCounter(counter.Firings + 1, Now.UtcDateTime);
                order.Timeline.Add(new HandEntry
                {
                    At = Now.UtcDateTime,
                    Rule = nameof(OrderRules.Pay),
                    Trigger = "MessageAndState",
                    Source = "bench.orders.paid",
                    Action = "Mutate",
                    PhaseBefore = nameof(OrderPhase.Placed),
                    PhaseAfter = nameof(OrderPhase.Paid),
                    Iteration = order.Iteration,
                });
                fired = true;
                break;
        }

        var written = _store.TryUpdateAsync("bench-hand.o-1", MessagePackSerializer.Serialize(order, HandOptions), _handRevision).GetAwaiter().GetResult();
        _handRevision = written.Revision;
        return fired && written.Succeeded;
    }

    /// <summary>
    /// MassTransit: back to a Placed saga with an empty timeline, as the others start each operation;
    /// publish the payment on the in-memory bus and wait until it has been consumed.
    /// </summary>
    [Benchmark]
    public int MassTransitSaga()
    {
        _saga.CurrentState = _sagaPlaced;
        _saga.Timeline.Clear();
        var consumed = _consumed.Next();
        _bus!.Publish(_sagaPayment).GetAwaiter().GetResult();
        consumed.GetAwaiter().GetResult();
        return _saga.CurrentState;
    }

    // MessagePack's own resolver (attributes, string keys), with the untrusted-data limits FlowSdk applies to what it reads.
    private static readonly MessagePackSerializerOptions HandOptions = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private sealed class StatelessOrder
    {
        public OrderPhase Phase { get; set; }

        public decimal Total { get; set; }

        public decimal Paid { get; set; }
    }

    private sealed record Transition(DateTimeOffset At, string Trigger, OrderPhase From, OrderPhase To);

    private sealed class BookkeptOrder
    {
        public OrderPhase Phase { get; set; }

        public ExecutionStatus Status { get; set; }

        public decimal Total { get; set; }

        public decimal Paid { get; set; }

        public int Iteration { get; set; }

        public int ChainedFirings { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }

        public DateTimeOffset? Deadline { get; set; }

        public string? PendingTaskId { get; set; }

        public int PayFirings { get; set; }

        public DateTimeOffset PayLastFiredAt { get; set; }

        public List<BookkeptEntry> Timeline { get; } = [];
    }

    private sealed record BookkeptEntry(DateTimeOffset At, string Rule, TriggerKind Trigger, string Source, RuleAction Action, OrderPhase PhaseBefore, OrderPhase PhaseAfter, int Iteration)
    {
        public string? Reason { get; init; }
    }
}
