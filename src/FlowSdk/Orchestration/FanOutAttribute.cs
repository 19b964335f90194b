namespace FlowSdk;

/// <summary>
/// Declares a fan-out group of a flow: a rule of the flow starts child executions of flow
/// <typeparamref name="TChild"/>, one per <typeparamref name="TInput"/> message
/// (<see cref="RuleContext.FanOut{TItem, TInput, TResult}"/>), and the execution waits for the group;
/// once the group finishes, the flow's rules read the children's typed results
/// (<c>&lt;State&gt;Flow.FanOuts.&lt;Name&gt;.Results(state)</c>). The generator emits the group as a
/// <see cref="FanOutGroup{TInput, TResult}"/>.
/// </summary>
/// <typeparam name="TChild">The child flow's state class (a <c>[Flow]</c>).</typeparam>
/// <typeparam name="TInput">The message that starts a child: a message the child flow takes, whose correlation key is the child's execution id.</typeparam>
/// <typeparam name="TResult">The child's result: the message a rule of the child flow returns as it moves into a terminal phase.</typeparam>
/// <example>
/// <code>
/// [Flow&lt;BatchPhase&gt;("batch")]
/// [FanOut&lt;Item, PriceRequested, ItemPriced&gt;("items", Mode = FanOutMode.All, Timeout = "00:05:00")]
/// public partial class Batch { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FanOutAttribute<TChild, TInput, TResult> : Attribute
    where TChild : class
{
    /// <summary>Declares a fan-out group.</summary>
    /// <param name="name">The group's name, unique within the flow: lowercase letters, digits and dashes. It is part of the children's execution ids, so keep it stable.</param>
    public FanOutAttribute(string name) => Name = name;

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>When the group finishes: when every child ended (<see cref="FanOutMode.All"/>, the default), at the first child that completed, or at the first child that did not.</summary>
    public FanOutMode Mode { get; set; }

    /// <summary>How long the group waits for its children, as a <see cref="TimeSpan"/> string (<c>"00:05:00"</c>); no limit when <see langword="null"/>.</summary>
    public string? Timeout { get; set; }
}
