namespace FlowSdk;

/// <summary>The desired state of a flow in a cluster (or a single process): whether hosts that have it run it.</summary>
public enum DeploymentState
{
    /// <summary>Not deployed: no host runs the flow; <see cref="DeploymentAction.Deploy"/> deploys it.</summary>
    NotDeployed = 0,

    /// <summary>Deployed and stopped: hosts keep its subscriptions down and its state as it is; messages for it wait in the stream (NATS, SQLite).</summary>
    Deployed = 1,

    /// <summary>Deployed and running: every host that has the flow with the deployed version subscribes to its inputs and handles its messages.</summary>
    Running = 2,
}

/// <summary>An operator's verb on a flow's deployment record.</summary>
public enum DeploymentAction
{
    /// <summary>NotDeployed to Deployed (stopped), recording the deploying host's manifest version; with force, also replaces the version of a Deployed or Running flow.</summary>
    Deploy = 0,

    /// <summary>Deployed to Running: hosts subscribe to the flow's inputs.</summary>
    Start = 1,

    /// <summary>Running to Deployed: hosts drain the events in flight and take the flow's subscriptions down; its state is kept.</summary>
    Stop = 2,

    /// <summary>Deployed to NotDeployed.</summary>
    Undeploy = 3,
}
