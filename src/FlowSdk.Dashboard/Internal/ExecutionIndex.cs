using System.Collections.Concurrent;
using System.Threading.Channels;
using FlowSdk.State;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Dashboard.Internal;

/// <summary>One execution as the list shows it.</summary>
internal sealed record ExecutionSummary(
    string Flow,
    string Id,
    ExecutionStatus Status,
    string Phase,
    int Iteration,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? StatusReason,
    string? PendingTaskId,
    DateTimeOffset? Deadline,
    ulong Revision,
    PendingApproval? Approval = null);

/// <summary>One server-sent event: its name and its data (JSON on one line).</summary>
internal sealed record LiveEvent(string Name, string Data);

/// <summary>What the executions list asks for: filters and a page.</summary>
internal sealed record ExecutionQuery(string? Flow, ExecutionStatus? Status, string? Phase, string? Search, int Offset, int Limit);

/// <summary>
/// The executions of the host's flows, kept in memory for the list and the progress counters: loaded
/// once from the state store, then kept current by the store's watch (on NATS, the key/value bucket's
/// watch, so every host's writes are seen). Changes go to the live subscribers (server-sent events).
/// </summary>
internal sealed partial class ExecutionIndex(IReadOnlyCollection<FlowDefinition> flows, IStateStore store, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ExecutionSummary> _executions = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _watches = [];
    private readonly Lock _subscribersLock = new();
    private Channel<LiveEvent>[] _subscribers = [];

    public int Count => _executions.Count;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var flow in flows)
        {
            // The watch first, so no write between the listing and the watch is missed; the revision decides which read wins.
            var prefix = flow.Id + ".";
            _watches.Add(store.Watch(prefix).Subscribe(entry => Update(flow, entry), ex => LogWatchFailed(logger, flow.Id, ex)));
            await foreach (var key in store.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                if (await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    Update(flow, entry);
                }
            }
        }
    }

    /// <summary>Takes in one stored execution (a newer revision replaces an older one).</summary>
    public void Update(FlowDefinition flow, StateEntry entry)
    {
        ExecutionInfo info;
        try
        {
            info = flow.ReadExecution(entry.Value);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidOperationException or FormatException)
        {
            LogUnreadable(logger, entry.Key, ex.Message);
            return;
        }

        var id = entry.Key[(flow.Id.Length + 1)..];

        // A request waits for a decision while the execution waits for approval and nobody decided it (Approvals.ListAsync's test).
        var approval = info.Status == ExecutionStatus.WaitingForApproval && info.PendingApproval is { Decision: null } request
            ? new PendingApproval(flow.Id, id, request.Id, request.Rule, request.RequestedAt, request.ExpiresAt)
            : null;
        Put(new ExecutionSummary(flow.Id, id, info.Status, info.Phase, info.Iteration, info.CreatedAt, info.UpdatedAt, info.StatusReason, info.PendingTaskId, info.Deadline, entry.Revision, approval));
    }

    /// <summary>Takes in one execution's summary: a newer revision replaces an older one, and the live subscribers hear of it.</summary>
    public void Put(ExecutionSummary summary)
    {
        var stored = _executions.AddOrUpdate(summary.Flow + "." + summary.Id, summary, (_, old) => old.Revision >= summary.Revision ? old : summary);
        if (!ReferenceEquals(stored, summary))
        {
            return;
        }

        if (Volatile.Read(ref _subscribers).Length > 0)
        {
            Publish(new LiveEvent("execution", System.Text.Json.JsonSerializer.Serialize(summary, DashboardJson.Context.ExecutionSummary)));
        }
    }

    /// <summary>Sends <paramref name="live"/> to every live subscriber.</summary>
    public void Publish(LiveEvent live)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(live);
        }
    }

    /// <summary>The approval requests that wait for a decision, of one flow and one rule or all, oldest first (then by execution id).</summary>
    public IReadOnlyList<PendingApproval> Approvals(string? flow, string? rule)
    {
        var pending = new List<PendingApproval>();
        foreach (var (_, e) in _executions)
        {
            if (e.Approval is { } approval && (flow is null || e.Flow == flow) && (rule is null || approval.Rule == rule))
            {
                pending.Add(approval);
            }
        }

        pending.Sort((a, b) => a.RequestedAt != b.RequestedAt ? a.RequestedAt.CompareTo(b.RequestedAt) : string.CompareOrdinal(a.Flow + "." + a.ExecutionId, b.Flow + "." + b.ExecutionId));
        return pending;
    }

    /// <summary>
    /// Up to this many executions (offset plus page length), a page is chosen with a bounded heap in one
    /// pass, without sorting every match: the first pages of 100,000 executions cost a scan, not a sort.
    /// Deeper pages sort all matches.
    /// </summary>
    public const int TopSelectionLimit = 10_000;

    /// <summary>The list's order: the most recently updated first, then by flow and id (a total order, so pages never overlap).</summary>
    public static readonly Comparison<ExecutionSummary> ListOrder = static (a, b) =>
    {
        var byTime = b.UpdatedAt.CompareTo(a.UpdatedAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byFlow = string.CompareOrdinal(a.Flow, b.Flow);
        return byFlow != 0 ? byFlow : string.CompareOrdinal(a.Id, b.Id);
    };

    private static readonly Comparer<ExecutionSummary> LastFirst = Comparer<ExecutionSummary>.Create(static (a, b) => ListOrder(b, a));

    /// <summary>A page of the executions that pass the filters, in <see cref="ListOrder"/>, and how many pass.</summary>
    public (int Total, IReadOnlyList<ExecutionSummary> Items) Query(ExecutionQuery query)
    {
        var offset = Math.Max(0, query.Offset);
        var limit = Math.Max(0, query.Limit);
        var wanted = (long)offset + limit;
        if (wanted > TopSelectionLimit)
        {
            var all = new List<ExecutionSummary>();
            foreach (var (_, e) in _executions)
            {
                if (Matches(query, e))
                {
                    all.Add(e);
                }
            }

            all.Sort(ListOrder);
            var start = Math.Min(offset, all.Count);
            return (all.Count, all.GetRange(start, Math.Min(limit, all.Count - start)));
        }

        // The heap keeps the first `wanted` matches in list order; its root is the last of them.
        var total = 0;
        var kept = new PriorityQueue<ExecutionSummary, ExecutionSummary>((int)wanted + 1, LastFirst);
        // Enumerating the dictionary itself takes no snapshot (its Values property copies every entry).
        foreach (var (_, e) in _executions)
        {
            if (!Matches(query, e))
            {
                continue;
            }

            total++;
            if (kept.Count < wanted)
            {
                kept.Enqueue(e, e);
            }
            else if (wanted > 0 && ListOrder(e, kept.Peek()) < 0)
            {
                kept.DequeueEnqueue(e, e);
            }
        }

        var first = new List<ExecutionSummary>(kept.Count);
        foreach (var (element, _) in kept.UnorderedItems)
        {
            first.Add(element);
        }

        first.Sort(ListOrder);
        var from = Math.Min(offset, first.Count);
        return (total, first.GetRange(from, Math.Min(limit, first.Count - from)));
    }

    private static bool Matches(ExecutionQuery query, ExecutionSummary e)
        => (query.Flow is not { Length: > 0 } flow || e.Flow == flow)
            && (query.Status is not { } status || e.Status == status)
            && (query.Phase is not { Length: > 0 } phase || e.Phase == phase)
            && (query.Search is not { Length: > 0 } search || e.Id.Contains(search, StringComparison.OrdinalIgnoreCase));

    /// <summary>Executions of <paramref name="flow"/> by status.</summary>
    public Dictionary<string, int> Progress(string flow)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, e) in _executions)
        {
            if (e.Flow == flow)
            {
                var name = e.Status.ToString();
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }

        return counts;
    }

    /// <summary>A live feed of changed executions (and deployment records) for one client; complete it (or dispose the registration) to leave.</summary>
    public ChannelReader<LiveEvent> Subscribe(CancellationToken until)
    {
        // A slow client drops its oldest changes rather than holding memory; it reloads the list on reconnect.
        var channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_subscribersLock)
        {
            _subscribers = [.. _subscribers, channel];
        }

        until.Register(() =>
        {
            lock (_subscribersLock)
            {
                _subscribers = [.. _subscribers.Where(c => c != channel)];
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var watch in _watches)
        {
            watch.Dispose();
        }

        lock (_subscribersLock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }

            _subscribers = [];
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard's watch of flow {Flow} ended")]
    private static partial void LogWatchFailed(ILogger logger, string flow, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The dashboard skips key {Key}, which does not hold an execution: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string key, string reason);
}
