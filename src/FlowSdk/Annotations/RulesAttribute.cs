namespace FlowSdk;

/// <summary>
/// Marks a <c>static partial</c> class whose <see cref="RuleAttribute"/> methods are rules of the
/// flow whose state is <typeparamref name="TState"/>. A flow may spread its rules over several
/// classes; their order is the order of the classes in the source, then of the methods.
/// </summary>
/// <typeparam name="TState">The flow's state class (the class marked with <c>[Flow]</c>).</typeparam>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RulesAttribute<TState> : Attribute
    where TState : class
{
}
