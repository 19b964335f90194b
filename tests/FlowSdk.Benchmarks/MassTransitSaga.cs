using MassTransit;

namespace FlowSdk.Benchmarks.Firing;

/// <summary>The benchmark's order as a MassTransit saga instance (kept by the in-memory saga repository).</summary>
public sealed class OrderSaga : SagaStateMachineInstance
{
    /// <summary>The order id: the saga's correlation id.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The saga's current state, as MassTransit stores it (an int per state).</summary>
    public int CurrentState { get; set; }

    /// <summary>What the order costs.</summary>
    public decimal Total { get; set; }

    /// <summary>What was paid.</summary>
    public decimal Paid { get; set; }

    /// <summary>The transitions, recorded by the state machine (MassTransit keeps none itself).</summary>
    public List<SagaTransition> Timeline { get; } = [];
}

/// <summary>One timeline entry of <see cref="OrderSaga"/>.</summary>
/// <param name="At">When.</param>
/// <param name="Trigger">The event.</param>
/// <param name="From">The state left.</param>
/// <param name="To">The state entered.</param>
public sealed record SagaTransition(DateTimeOffset At, string Trigger, string From, string To);

/// <summary>An order was placed: creates the saga instance.</summary>
/// <param name="OrderId">The order (correlation id).</param>
/// <param name="Total">What the order costs.</param>
public sealed record SagaOrderPlaced(Guid OrderId, decimal Total);

/// <summary>A payment arrived.</summary>
/// <param name="OrderId">The order (correlation id).</param>
/// <param name="Amount">What was paid.</param>
public sealed record SagaPaymentReceived(Guid OrderId, decimal Amount);

/// <summary>The order left the warehouse.</summary>
/// <param name="OrderId">The order (correlation id).</param>
public sealed record SagaOrderShipped(Guid OrderId);

/// <summary>
/// The transition of the firing benchmark as a MassTransit state machine: in Placed, a payment that
/// covers the total (a filtered event) sets Paid, moves to Paid and records a timeline entry.
/// </summary>
public sealed class OrderStateMachine : MassTransitStateMachine<OrderSaga>
{
    /// <summary>The time every timeline entry records, as in the other contenders.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);

    /// <summary>Declares the states, events and transitions.</summary>
    public OrderStateMachine()
    {
        InstanceState(x => x.CurrentState, Placed, Paid, Shipped);
        Event(() => OrderPlaced, e => e.CorrelateById(c => c.Message.OrderId));
        Event(() => PaymentReceived, e => e.CorrelateById(c => c.Message.OrderId));
        Event(() => OrderShipped, e => e.CorrelateById(c => c.Message.OrderId));

        Initially(
            When(OrderPlaced)
                .Then(c => c.Saga.Total = c.Message.Total)
                .TransitionTo(Placed));
        During(Placed,
            When(PaymentReceived, c => c.Message.Amount >= c.Saga.Total)
                .Then(c => c.Saga.Paid = c.Message.Amount)
                .TransitionTo(Paid)
                .Then(c => c.Saga.Timeline.Add(new SagaTransition(Now, nameof(PaymentReceived), nameof(Placed), nameof(Paid)))));
        During(Paid,
            When(OrderShipped)
                .TransitionTo(Shipped));
    }

    /// <summary>Placed, not paid.</summary>
    public MassTransit.State Placed { get; private set; } = null!;

    /// <summary>Paid, not shipped.</summary>
    public MassTransit.State Paid { get; private set; } = null!;

    /// <summary>Shipped.</summary>
    public MassTransit.State Shipped { get; private set; } = null!;

    /// <summary>An order was placed.</summary>
    public Event<SagaOrderPlaced> OrderPlaced { get; private set; } = null!;

    /// <summary>A payment arrived.</summary>
    public Event<SagaPaymentReceived> PaymentReceived { get; private set; } = null!;

    /// <summary>The order was shipped.</summary>
    public Event<SagaOrderShipped> OrderShipped { get; private set; } = null!;
}

/// <summary>
/// Completes the pending task when a message has been consumed: MassTransit calls
/// <see cref="PostConsume{T}"/> after the consume pipe, the saga's behavior included, has run, and
/// <see cref="ConsumeFault{T}"/> when it threw.
/// </summary>
public sealed class ConsumedSignal : IConsumeObserver
{
    private TaskCompletionSource? _pending;

    /// <summary>A task completed when the next message has been consumed.</summary>
    public Task Next()
    {
        var pending = new TaskCompletionSource();
        Volatile.Write(ref _pending, pending);
        return pending.Task;
    }

    /// <inheritdoc/>
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    /// <inheritdoc/>
    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        Interlocked.Exchange(ref _pending, null)?.TrySetResult();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        Interlocked.Exchange(ref _pending, null)?.TrySetException(exception);
        return Task.CompletedTask;
    }
}
