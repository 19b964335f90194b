namespace FlowSdk.Transport;

/// <summary>
/// Implemented by a transport that can tell when every message published through it has been
/// handled. <see cref="FlowRuntime.WhenIdleAsync"/> needs it; the embedded transport has it.
/// </summary>
public interface IIdleSignal
{
    /// <summary>Completes when every message published so far has been handled.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the transport is idle.</returns>
    Task WhenIdleAsync(CancellationToken cancellationToken = default);

    /// <summary>How many published messages are not yet handled.</summary>
    long PendingMessages { get; }

    /// <summary>
    /// A count that grows whenever work is taken on. A caller that sees no pending work and the same
    /// count before and after looking at several signals knows no work moved between them meanwhile.
    /// </summary>
    long Activity { get; }
}
