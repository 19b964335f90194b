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
    ulong Revision);

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
    private Channel<ExecutionSummary>[] _subscribers = [];

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
        var summary = new ExecutionSummary(flow.Id, id, info.Status, info.Phase, info.Iteration, info.CreatedAt, info.UpdatedAt, info.StatusReason, info.PendingTaskId, info.Deadline, entry.Revision);
        var stored = _executions.AddOrUpdate(entry.Key, summary, (_, old) => old.Revision >= summary.Revision ? old : summary);
        if (!ReferenceEquals(stored, summary))
        {
            return;
        }

        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(summary);
        }
    }

    /// <summary>A page of the executions that pass the filters, the most recently updated first, and how many pass.</summary>
    public (int Total, IReadOnlyList<ExecutionSummary> Items) Query(ExecutionQuery query)
    {
        IEnumerable<ExecutionSummary> matches = _executions.Values;
        if (query.Flow is { Length: > 0 } flow)
        {
            matches = matches.Where(e => e.Flow == flow);
        }

        if (query.Status is { } status)
        {
            matches = matches.Where(e => e.Status == status);
        }

        if (query.Phase is { Length: > 0 } phase)
        {
            matches = matches.Where(e => e.Phase == phase);
        }

        if (query.Search is { Length: > 0 } search)
        {
            matches = matches.Where(e => e.Id.Contains(search, StringComparison.OrdinalIgnoreCase));
        }

        var all = matches.ToList();
        all.Sort(static (a, b) =>
        {
            var byTime = b.UpdatedAt.CompareTo(a.UpdatedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Flow + "." + a.Id, b.Flow + "." + b.Id);
        });
        var offset = Math.Clamp(query.Offset, 0, all.Count);
        return (all.Count, all.GetRange(offset, Math.Min(query.Limit, all.Count - offset)));
    }

    /// <summary>Executions of <paramref name="flow"/> by status.</summary>
    public Dictionary<string, int> Progress(string flow)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in _executions.Values)
        {
            if (e.Flow == flow)
            {
                var name = e.Status.ToString();
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }

        return counts;
    }

    /// <summary>A live feed of changed executions for one client; complete it (or dispose the registration) to leave.</summary>
    public ChannelReader<ExecutionSummary> Subscribe(CancellationToken until)
    {
        // A slow client drops its oldest changes rather than holding memory; it reloads the list on reconnect.
        var channel = Channel.CreateBounded<ExecutionSummary>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
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
