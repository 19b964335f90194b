using FlowSdk.State;

namespace FlowSdk;

/// <summary>
/// How many executions of a flow are in each status, exactly, as of a moment: the counters the state
/// store moves in the same transaction as every write that changes an execution's status, so reading
/// them lists no executions. Read them with <see cref="FlowRuntime.GetProgressAsync"/>, a generated
/// client's <c>GetProgressAsync</c>, the <c>progress</c> command of generated hosts, or the
/// <c>flowsdk.executions.by_status</c> gauge (docs/operations.md).
/// </summary>
public sealed class FlowProgress
{
    private readonly ProgressCounts _counts;

    /// <summary>Creates a result.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="counts">The counts; copied.</param>
    /// <param name="asOf">When they were read.</param>
    public FlowProgress(string flow, ProgressCounts counts, DateTimeOffset asOf)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentNullException.ThrowIfNull(counts);
        Flow = flow;
        _counts = counts.Clone();
        AsOf = asOf;
    }

    /// <summary>The flow id.</summary>
    public string Flow { get; }

    /// <summary>When the counts were read.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>The count of executions in <paramref name="status"/>.</summary>
    /// <param name="status">The status.</param>
    public long this[ExecutionStatus status] => _counts[status];

    /// <summary>The count of executions in each status, every status included (zeros too), in <see cref="ProgressCounts.Statuses"/> order.</summary>
    public IReadOnlyList<KeyValuePair<ExecutionStatus, long>> Counts => [.. ProgressCounts.Statuses.Select(s => KeyValuePair.Create(s, _counts[s]))];

    /// <summary>The count of executions the store holds for the flow, in any status.</summary>
    public long Total => _counts.Total;

    /// <summary>The executions that have not ended: Running, Waiting, Paused and WaitingForApproval.</summary>
    public long Active => _counts[ExecutionStatus.Running] + _counts[ExecutionStatus.Waiting] + _counts[ExecutionStatus.Paused] + _counts[ExecutionStatus.WaitingForApproval];

    /// <summary>
    /// Reads the progress of <paramref name="flow"/> from <paramref name="store"/>, first counting the
    /// flow's executions once if the store never counted them (a database from before counters existed).
    /// </summary>
    /// <param name="store">The state store.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="time">The clock for <see cref="AsOf"/>; the system clock when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The progress.</returns>
    /// <exception cref="NotSupportedException">The store keeps no progress counters.</exception>
    public static async Task<FlowProgress> ReadAsync(IStateStore store, FlowDefinition flow, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        await InitializeAsync(store, flow, cancellationToken).ConfigureAwait(false);
        var counts = await store.ReadProgressAsync(flow.Id, cancellationToken).ConfigureAwait(false)
            ?? throw new NotSupportedException($"The state store {store.GetType().Name} keeps no progress counters for flow '{flow.Id}'; the in-memory, SQLite and NATS stores do.");
        return new FlowProgress(flow.Id, counts, (time ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>
    /// Counts the flow's executions again (a listing) and replaces its progress counters with the
    /// result, then reads them: the repair for counters that are off (docs/operations.md says when
    /// that can happen). On SQLite and in memory it is exact while hosts run; on NATS, recount while
    /// the flow is quiet.
    /// </summary>
    /// <param name="store">The state store.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="time">The clock for <see cref="AsOf"/>; the system clock when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the recount.</param>
    /// <returns>The progress after the recount.</returns>
    /// <exception cref="NotSupportedException">The store keeps no progress counters.</exception>
    public static async Task<FlowProgress> RecountAsync(IStateStore store, FlowDefinition flow, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        await store.RecountProgressAsync(flow.Id, flow.Id + ".", value => StatusOf(flow, value), cancellationToken).ConfigureAwait(false);
        return await ReadAsync(store, flow, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the store count the flow's executions once if it never did (see <see cref="IStateStore.InitializeProgressAsync"/>).</summary>
    internal static ValueTask InitializeAsync(IStateStore store, FlowDefinition flow, CancellationToken cancellationToken)
        => store.InitializeProgressAsync(flow.Id, flow.Id + ".", value => StatusOf(flow, value), cancellationToken);

    private static ExecutionStatus StatusOf(FlowDefinition flow, ReadOnlyMemory<byte> value)
    {
        try
        {
            return flow.ReadExecution(value).Status;
        }
        catch (MessagePack.MessagePackSerializationException ex)
        {
            throw new InvalidOperationException($"A stored execution of flow '{flow.Id}' ({value.Length} bytes) is not a state of this flow, so the flow's executions cannot be counted for its progress counters: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Flow}: {string.Join(", ", Counts.Select(c => $"{c.Key} {c.Value}"))} (total {Total})";
}
