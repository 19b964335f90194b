using System.ComponentModel;

namespace FlowSdk.Internal;

/// <summary>
/// The dispatch of one input port: evaluates the port's rules in declaration order (phase, guards, then
/// conditions) and calls the rule method of the first that passes. The generator emits one sealed
/// dispatcher per input port that checks each rule and calls the user's methods directly; a port built
/// by hand without one gets <see cref="InputPort{TState, TMessage}"/>'s table dispatcher, which walks
/// the port's <see cref="Rule{TState, TMessage}"/> objects and decides the same.
/// </summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
/// <typeparam name="TMessage">The port's message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class PortDispatcher<TState, TMessage>
    where TState : class, IFlowState, new()
{
    /// <summary>Creates the dispatcher. Called by generated code.</summary>
    protected PortDispatcher()
    {
    }

    /// <summary>
    /// Evaluates the port's rules in declaration order and calls the rule method of the first that
    /// passes, without applying the firing (phase, iteration, outcome and timeline are left alone). A
    /// message-only rule is evaluated and called without the state; at the first rule that needs the
    /// state, an execution that ended fires nothing. Allocates nothing itself.
    /// </summary>
    /// <param name="state">The execution's state.</param>
    /// <param name="message">The message.</param>
    /// <param name="context">The rule context the conditions and the rule method get.</param>
    /// <returns>The rule that fired, or <see langword="null"/>.</returns>
    public abstract Rule<TState, TMessage>? Dispatch(TState state, TMessage message, RuleContext context);

    /// <summary>
    /// Fires the port's rules for <paramref name="message"/> as <see cref="FlowDefinition{TState}.Fire{TMessage}"/>
    /// documents, or returns <see langword="null"/> to have <c>Fire</c> walk the port's rule objects instead (what this
    /// implementation does). The generator overrides it for each input port with the port's rules checked and
    /// called directly, the phases as constants, around the steps of <see cref="Rule{TState, TMessage}"/> and
    /// <see cref="PortFiring"/> that keep the semantics of a firing.
    /// </summary>
    /// <param name="flow">The flow whose definition fires.</param>
    /// <param name="state">The execution's state.</param>
    /// <param name="message">The message.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns>Which rule fired, if any, and the messages it would publish; <see langword="null"/> when the dispatcher does not fire rules itself.</returns>
    public virtual FiringResult? Fire(FlowDefinition<TState> flow, TState state, TMessage message, DateTimeOffset now) => null;
}

/// <summary>The dispatch of a port built without a generated dispatcher: walks its rule objects in order.</summary>
internal sealed class RuleTableDispatcher<TState, TMessage>(Rule<TState, TMessage>[] rules) : PortDispatcher<TState, TMessage>
    where TState : class, IFlowState, new()
{
    public override Rule<TState, TMessage>? Dispatch(TState state, TMessage message, RuleContext context)
    {
        var execution = state.Execution;
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (!rule.NeedsState)
            {
                if (rule.Passes(null, null!, message, context))
                {
                    rule.Fire(null!, message, context);
                    return rule;
                }
            }
            else if (execution.Status.IsTerminal())
            {
                return null;
            }
            else if (rule.Passes(execution, state, message, context))
            {
                rule.Fire(state, message, context);
                return rule;
            }
        }

        return null;
    }
}
