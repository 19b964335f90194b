using BenchmarkDotNet.Attributes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace FlowSdk.Benchmarks;

/// <summary>
/// Routing one message to the rule it fires and calling the user's method. Every variant ends in the
/// same user method (<c>Rules.OnM{n}</c>, marked NoInlining), so only the routing differs:
/// <list type="bullet">
/// <item>Direct: the user method called by name, the floor.</item>
/// <item>DirectChecked: the same call behind the check the generated dispatcher makes (the execution has not
/// ended) and returning the rule that fired: a hand-written dispatch doing the same work.</item>
/// <item>FlowSdk: the port's generated dispatcher (<c>StateFlow.Dispatchers.M{n}Dispatcher</c>, the one
/// the port's dispatch-table row holds): the rules in order with phase, guards and conditions checked
/// and the user method called directly, without applying the firing (phase, timeline: see
/// <see cref="FiringBenchmarks"/> and the FlowSdkFire rows).</item>
/// <item>FlowSdkByType: the same dispatcher reached as <c>Definition.Fire</c> reaches it, from the message
/// type alone (<c>FlowDefinition.Dispatch</c>: message type -> the row's static slot -> dispatcher).</item>
/// <item>MediatR 5.1.0 (reflection-based: handler wrappers made with <c>MakeGenericType</c> on first use,
/// handlers resolved from the container on every request): <c>IMediator.Send</c>.</item>
/// <item>Mediator 3.0.2 (source-generated): its concrete <c>Mediator.Send</c> overload and through <c>IMediator</c>.</item>
/// </list>
/// The message is the last of the flow's types, the worst case for a table searched in order.
/// <para>
/// The benchmarks whose calls are statically typed by message (Direct, FlowSdk, Mediator, IMediator,
/// FlowSdkFire) are written in each derived class: in this generic class they would be compiled once
/// for all reference types and reach the message type through the generic dictionary on every call,
/// which is not what they measure. MediatR, here, takes the message as an interface and compiles to
/// the same code either way.
/// </para>
/// </summary>
/// <typeparam name="TState">The flow's state.</typeparam>
/// <typeparam name="TMessage">The routed message: the flow's last message type.</typeparam>
public abstract class DispatchBenchmarks<TState, TMessage>
    where TState : class, IFlowState, new()
    where TMessage : class, IRequest, global::MediatR.IRequest
{
    /// <summary>The execution every dispatch goes to.</summary>
    protected TState State = null!;

    /// <summary>The routed message.</summary>
    protected TMessage Message = null!;

    /// <summary>The generated Mediator, concrete.</summary>
    protected Mediator.Mediator ConcreteMediator = null!;

    /// <summary>The generated Mediator, as users usually inject it.</summary>
    protected IMediator InterfaceMediator = null!;

    /// <summary>The rule context the dispatch hands to conditions and rules.</summary>
    protected RuleContext Context = null!;

    /// <summary>What the hand-written dispatch returns as the rule that fired.</summary>
    protected static readonly object HandRule = new();

    private global::MediatR.IRequest<global::MediatR.Unit> _mediatRRequest = null!;
    private global::MediatR.IMediator _mediatR = null!;

    /// <summary>Starts the execution, builds the peers once and checks that the dispatch fires.</summary>
    /// <param name="definition">The flow.</param>
    /// <param name="rules">The class of the user methods <c>OnM{i}</c>; the MediatR handlers are the classes of its namespace.</param>
    /// <param name="message">The message to route.</param>
    /// <param name="target">Hands the execution to the Mediator and MediatR handlers.</param>
    protected void SetUp(FlowDefinition<TState> definition, Type rules, TMessage message, Action<TState> target)
    {
        const string executionId = "d-1";
        State = definition.Start(executionId, DateTimeOffset.UnixEpoch);
        target(State);
        Message = message;
        _mediatRRequest = message;

        var services = new ServiceCollection();
        services.AddMediator(options => options.ServiceLifetime = ServiceLifetime.Singleton);

        // MediatR 5.1.0 resolves IRequestHandler<TRequest, TResponse> through its ServiceFactory; its
        // container package is not restorable here, so the handlers are registered as its assembly scan
        // would, as singletons (MediatR's scan registers them transient: a new handler per request).
        foreach (var handler in rules.Assembly.GetTypes().Where(t => t.Namespace == rules.Namespace && t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var service in handler.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(global::MediatR.IRequestHandler<,>)))
            {
                services.AddSingleton(service, handler);
            }
        }

        var provider = services.BuildServiceProvider();
        ConcreteMediator = provider.GetRequiredService<Mediator.Mediator>();
        InterfaceMediator = provider.GetRequiredService<IMediator>();
        _mediatR = new global::MediatR.Mediator(provider.GetService);
        Context = new RuleContext(DateTimeOffset.UnixEpoch, executionId, new Outbox());

        if (definition.Dispatch(State, Message, Context) is null || Typed() is null)
        {
            throw new InvalidOperationException("The dispatch fired no rule.");
        }

        // MediatR throws where it finds no handler.
        MediatR();
    }

    /// <summary>The generated dispatcher of the routed message's port, called as the benchmark does.</summary>
    /// <returns>The rule that fired.</returns>
    protected abstract object? Typed();

    /// <summary>MediatR 5.1.0's IMediator.Send.</summary>
    [Benchmark]
    public global::MediatR.Unit MediatR() => _mediatR.Send(_mediatRRequest).GetAwaiter().GetResult();
}

/// <summary>Dispatch in a flow with 10 message types.</summary>
[BenchmarkCategory(Categories.Dispatch10)]
public class Dispatch10Benchmarks : DispatchBenchmarks<Dispatch10.State, Dispatch10.M9>
{
    /// <summary>Starts the execution and the peers.</summary>
    [GlobalSetup]
    public void SetUp() => SetUp(Dispatch10.StateFlow.Definition, typeof(Dispatch10.Rules), new Dispatch10.M9("d-1", 1), state => Dispatch10.Target.State = state);

    /// <summary>The user method called directly: the floor.</summary>
    [Benchmark(Baseline = true)]
    public void Direct() => Dispatch10.Rules.OnM9(State, Message);

    /// <summary>
    /// A hand-written dispatch doing what the generated one does for this port: the ended-execution check,
    /// the user method called directly, the rule that fired returned.
    /// </summary>
    /// <returns>The rule that fired, or <see langword="null"/>.</returns>
    [Benchmark]
    public object? DirectChecked()
    {
        var execution = State.__FlowSdkExecution;
        if (execution.Status.IsTerminal())
        {
            return null;
        }

        Dispatch10.Rules.OnM9(State, Message);
        return HandRule;
    }

    /// <summary>FlowSdk's generated dispatcher of the port.</summary>
    [Benchmark]
    public object? FlowSdk() => Dispatch10.StateFlow.Dispatchers.M9Dispatcher.Instance.Dispatch(State, Message, Context);

    /// <summary>The same dispatcher reached from the message type, as <c>Definition.Fire</c> reaches it.</summary>
    [Benchmark]
    public object? FlowSdkByType() => Dispatch10.StateFlow.Definition.Dispatch(State, Message, Context);

    /// <inheritdoc/>
    protected override object? Typed() => FlowSdk();

    /// <summary>Mediator's concrete Send overload.</summary>
    [Benchmark]
    public Unit Mediator() => ConcreteMediator.Send(Message).GetAwaiter().GetResult();

    /// <summary>Mediator through IMediator.</summary>
    [Benchmark]
    public Unit IMediator() => InterfaceMediator.Send(Message).GetAwaiter().GetResult();

    /// <summary>The whole firing in memory (dispatch plus counters and timeline), the timeline emptied each time.</summary>
    [Benchmark]
    public bool FlowSdkFire()
    {
        ((IFlowState)State).Execution.Restore([]);
        return Dispatch10.StateFlow.Definition.Fire(State, Message, DateTimeOffset.UnixEpoch).Fired;
    }
}

/// <summary>Dispatch in a flow with 500 message types.</summary>
[BenchmarkCategory(Categories.Dispatch500)]
public class Dispatch500Benchmarks : DispatchBenchmarks<Dispatch500.State, Dispatch500.M499>
{
    /// <summary>Starts the execution and the peers.</summary>
    [GlobalSetup]
    public void SetUp() => SetUp(Dispatch500.StateFlow.Definition, typeof(Dispatch500.Rules), new Dispatch500.M499("d-1", 1), state => Dispatch500.Target.State = state);

    /// <summary>The user method called directly: the floor.</summary>
    [Benchmark(Baseline = true)]
    public void Direct() => Dispatch500.Rules.OnM499(State, Message);

    /// <summary>
    /// A hand-written dispatch doing what the generated one does for this port: the ended-execution check,
    /// the user method called directly, the rule that fired returned.
    /// </summary>
    /// <returns>The rule that fired, or <see langword="null"/>.</returns>
    [Benchmark]
    public object? DirectChecked()
    {
        var execution = State.__FlowSdkExecution;
        if (execution.Status.IsTerminal())
        {
            return null;
        }

        Dispatch500.Rules.OnM499(State, Message);
        return HandRule;
    }

    /// <summary>FlowSdk's generated dispatcher of the port.</summary>
    [Benchmark]
    public object? FlowSdk() => Dispatch500.StateFlow.Dispatchers.M499Dispatcher.Instance.Dispatch(State, Message, Context);

    /// <summary>The same dispatcher reached from the message type, as <c>Definition.Fire</c> reaches it.</summary>
    [Benchmark]
    public object? FlowSdkByType() => Dispatch500.StateFlow.Definition.Dispatch(State, Message, Context);

    /// <inheritdoc/>
    protected override object? Typed() => FlowSdk();

    /// <summary>Mediator's concrete Send overload.</summary>
    [Benchmark]
    public Unit Mediator() => ConcreteMediator.Send(Message).GetAwaiter().GetResult();

    /// <summary>Mediator through IMediator.</summary>
    [Benchmark]
    public Unit IMediator() => InterfaceMediator.Send(Message).GetAwaiter().GetResult();

    /// <summary>The whole firing in memory (dispatch plus counters and timeline), the timeline emptied each time.</summary>
    [Benchmark]
    public bool FlowSdkFire()
    {
        ((IFlowState)State).Execution.Restore([]);
        return Dispatch500.StateFlow.Definition.Fire(State, Message, DateTimeOffset.UnixEpoch).Fired;
    }
}
