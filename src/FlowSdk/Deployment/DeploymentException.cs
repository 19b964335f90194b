namespace FlowSdk;

/// <summary>
/// A deployment verb does not apply to the flow's current deployment state (for example starting a
/// flow that is not deployed, or undeploying a running one), or another operator changed the record
/// first: the message names the state the record is in.
/// </summary>
public class DeploymentException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="action">The verb that was asked for.</param>
    /// <param name="state">The flow's deployment state when the verb was refused.</param>
    /// <param name="message">What was wrong.</param>
    public DeploymentException(string flow, DeploymentAction action, DeploymentState state, string message)
        : base(message)
    {
        Flow = flow;
        Action = action;
        State = state;
    }

    /// <summary>The flow id.</summary>
    public string Flow { get; }

    /// <summary>The verb that was asked for.</summary>
    public DeploymentAction Action { get; }

    /// <summary>The flow's deployment state when the verb was refused.</summary>
    public DeploymentState State { get; }
}
