using System.Reflection;
using BenchmarkDotNet.Attributes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace FlowSdk.Benchmarks;

/// <summary>
/// Routing one message to the rule it fires and calling the user's method. Every variant ends in the
/// same user method (<c>Rules.OnM{n}</c>, marked NoInlining), so only the routing differs:
/// <list type="bullet">
/// <item>Direct: the user method called by name, the floor.</item>
/// <item>FlowSdk: the generated dispatch table, routed as <c>Definition.Fire</c> routes
/// (<c>FlowDefinition.Dispatch</c>: message type -> table row -> rules in order with phase, guards and
/// conditions -> generated delegate -> user method), without applying the firing (phase, timeline:
/// see <see cref="FiringBenchmarks"/> and the FlowSdkFire rows).</item>
/// <item>Reflection: <c>Dictionary&lt;Type, MethodInfo&gt;</c> and <c>MethodInfo.Invoke</c>, standing in for
/// MediatR 12.4.1, which does not restore from this machine's package mirror.</item>
/// <item>Mediator 3.0.2 (source-generated): its concrete <c>Mediator.Send</c> overload and through <c>IMediator</c>.</item>
/// </list>
/// The message is the last of the flow's types, the worst case for a table searched in order.
/// </summary>
public abstract class DispatchBenchmarks
{
    /// <summary>The routed message, statically typed as object for the reflection baseline.</summary>
    protected object Boxed = null!;

    /// <summary>The reflection baseline's table.</summary>
    protected Dictionary<Type, MethodInfo> Methods = null!;

    /// <summary>The generated Mediator, concrete.</summary>
    protected Mediator.Mediator ConcreteMediator = null!;

    /// <summary>The generated Mediator, as users usually inject it.</summary>
    protected IMediator InterfaceMediator = null!;

    /// <summary>The rule context the dispatch hands to conditions and rules.</summary>
    protected RuleContext Context = null!;

    /// <summary>Builds the peers' tables once.</summary>
    protected void SetUpPeers(Type rules, object message, string executionId)
    {
        Boxed = message;
        Methods = rules.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name.StartsWith("OnM", StringComparison.Ordinal))
            .ToDictionary(m => m.GetParameters()[1].ParameterType);
        var services = new ServiceCollection();
        services.AddMediator(options => options.ServiceLifetime = ServiceLifetime.Singleton);
        var provider = services.BuildServiceProvider();
        ConcreteMediator = provider.GetRequiredService<Mediator.Mediator>();
        InterfaceMediator = provider.GetRequiredService<IMediator>();
        Context = new RuleContext(DateTimeOffset.UnixEpoch, executionId, new Outbox());
    }
}

/// <summary>Dispatch in a flow with 10 message types.</summary>
[BenchmarkCategory(Categories.Dispatch10)]
public class Dispatch10Benchmarks : DispatchBenchmarks
{
    private Dispatch10.State _state = null!;
    private Dispatch10.M9 _message = null!;

    /// <summary>Starts the execution and the peers.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _state = Dispatch10.StateFlow.Definition.Start("d-1", DateTimeOffset.UnixEpoch);
        Dispatch10.Target.State = _state;
        _message = new Dispatch10.M9("d-1", 1);
        SetUpPeers(typeof(Dispatch10.Rules), _message, "d-1");
        if (Dispatch10.StateFlow.Definition.Dispatch(_state, _message, Context) is null)
        {
            throw new InvalidOperationException("The dispatch fired no rule.");
        }
    }

    /// <summary>The user method called directly: the floor.</summary>
    [Benchmark(Baseline = true)]
    public void Direct() => Dispatch10.Rules.OnM9(_state, _message);

    /// <summary>FlowSdk's generated dispatch.</summary>
    [Benchmark]
    public object? FlowSdk() => Dispatch10.StateFlow.Definition.Dispatch(_state, _message, Context);

    /// <summary>Dictionary of MethodInfo, Invoke (MediatR stand-in).</summary>
    [Benchmark]
    public object? Reflection() => Methods[Boxed.GetType()].Invoke(null, [_state, Boxed]);

    /// <summary>Mediator's concrete Send overload.</summary>
    [Benchmark]
    public Unit Mediator() => ConcreteMediator.Send(_message).GetAwaiter().GetResult();

    /// <summary>Mediator through IMediator.</summary>
    [Benchmark]
    public Unit IMediator() => InterfaceMediator.Send(_message).GetAwaiter().GetResult();

    /// <summary>The whole firing in memory (dispatch plus counters and timeline), the timeline emptied each time.</summary>
    [Benchmark]
    public bool FlowSdkFire()
    {
        ((IFlowState)_state).Execution.Restore([]);
        return Dispatch10.StateFlow.Definition.Fire(_state, _message, DateTimeOffset.UnixEpoch).Fired;
    }
}

/// <summary>Dispatch in a flow with 500 message types.</summary>
[BenchmarkCategory(Categories.Dispatch500)]
public class Dispatch500Benchmarks : DispatchBenchmarks
{
    private Dispatch500.State _state = null!;
    private Dispatch500.M499 _message = null!;

    /// <summary>Starts the execution and the peers.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _state = Dispatch500.StateFlow.Definition.Start("d-1", DateTimeOffset.UnixEpoch);
        Dispatch500.Target.State = _state;
        _message = new Dispatch500.M499("d-1", 1);
        SetUpPeers(typeof(Dispatch500.Rules), _message, "d-1");
        if (Dispatch500.StateFlow.Definition.Dispatch(_state, _message, Context) is null)
        {
            throw new InvalidOperationException("The dispatch fired no rule.");
        }
    }

    /// <summary>The user method called directly: the floor.</summary>
    [Benchmark(Baseline = true)]
    public void Direct() => Dispatch500.Rules.OnM499(_state, _message);

    /// <summary>FlowSdk's generated dispatch.</summary>
    [Benchmark]
    public object? FlowSdk() => Dispatch500.StateFlow.Definition.Dispatch(_state, _message, Context);

    /// <summary>Dictionary of MethodInfo, Invoke (MediatR stand-in).</summary>
    [Benchmark]
    public object? Reflection() => Methods[Boxed.GetType()].Invoke(null, [_state, Boxed]);

    /// <summary>Mediator's concrete Send overload.</summary>
    [Benchmark]
    public Unit Mediator() => ConcreteMediator.Send(_message).GetAwaiter().GetResult();

    /// <summary>Mediator through IMediator.</summary>
    [Benchmark]
    public Unit IMediator() => InterfaceMediator.Send(_message).GetAwaiter().GetResult();

    /// <summary>The whole firing in memory (dispatch plus counters and timeline), the timeline emptied each time.</summary>
    [Benchmark]
    public bool FlowSdkFire()
    {
        ((IFlowState)_state).Execution.Restore([]);
        return Dispatch500.StateFlow.Definition.Fire(_state, _message, DateTimeOffset.UnixEpoch).Fired;
    }
}
