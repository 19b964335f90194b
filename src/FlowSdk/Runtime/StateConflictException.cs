namespace FlowSdk;

/// <summary>
/// An event could not be applied because the execution's state kept changing under it: every
/// compare-and-set write met a newer revision, <see cref="FlowRuntimeOptions.MaxWriteAttempts"/> times.
/// </summary>
public sealed class StateConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="attempts">How many writes were tried.</param>
    public StateConflictException(string flow, string executionId, int attempts)
        : base($"Flow '{flow}', execution '{executionId}': the state changed under each of {attempts} write attempt(s). Another writer updates this execution continuously; raise FlowRuntimeOptions.MaxWriteAttempts or find the other writer.")
    {
        Flow = flow;
        ExecutionId = executionId;
        Attempts = attempts;
    }

    /// <summary>The flow id.</summary>
    public string Flow { get; }

    /// <summary>The execution id.</summary>
    public string ExecutionId { get; }

    /// <summary>How many writes were tried.</summary>
    public int Attempts { get; }
}
