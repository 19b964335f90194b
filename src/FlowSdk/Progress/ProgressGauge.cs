using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using FlowSdk.State;

namespace FlowSdk;

/// <summary>
/// Feeds the <c>flowsdk.executions.by_status</c> gauge from the progress counters of the flows of every
/// started runtime. A collection never waits on the store: a read that completes at once (in-memory,
/// SQLite) is reported as it is; one that goes over the network (NATS) reports the counts read by the
/// previous collection while it refreshes them for the next.
/// </summary>
internal static class ProgressGauge
{
    private static readonly Lock Gate = new();
    private static ImmutableArray<Source> _sources = [];

    /// <summary>Reports the counters of <paramref name="flows"/> until the returned registration is disposed.</summary>
    public static IDisposable Register(IStateStore store, IEnumerable<FlowDefinition> flows)
    {
        var source = new Source(store, [.. flows.Select(f => f.Id)]);
        lock (Gate)
        {
            _sources = _sources.Add(source);
        }

        return new Registration(source);
    }

    /// <summary>One measurement per flow and status, tagged <c>flow</c> and <c>status</c>.</summary>
    public static IEnumerable<Measurement<long>> Observe()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var source in _sources)
        {
            for (var i = 0; i < source.Flows.Length; i++)
            {
                if (source.Read(i) is not { } counts)
                {
                    continue;
                }

                foreach (var status in ProgressCounts.Statuses)
                {
                    measurements.Add(new Measurement<long>(counts[status], new KeyValuePair<string, object?>("flow", source.Flows[i]), new KeyValuePair<string, object?>("status", status.ToString())));
                }
            }
        }

        return measurements;
    }

    private sealed class Registration(Source source) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                _sources = _sources.Remove(source);
            }
        }
    }

    private sealed class Source(IStateStore store, string[] flows)
    {
        private readonly ProgressCounts?[] _last = new ProgressCounts?[flows.Length];
        private readonly int[] _refreshing = new int[flows.Length];

        public string[] Flows { get; } = flows;

        public ProgressCounts? Read(int index)
        {
            if (Interlocked.CompareExchange(ref _refreshing[index], 1, 0) != 0)
            {
                return Volatile.Read(ref _last[index]);
            }

            try
            {
                var read = store.ReadProgressAsync(Flows[index]);
                if (read.IsCompleted)
                {
                    Volatile.Write(ref _last[index], read.Result);
                    Volatile.Write(ref _refreshing[index], 0);
                }
                else
                {
                    _ = CompleteAsync(read, index);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A store that cannot be read now (closing, unreachable) keeps the last counts for this collection.
                Volatile.Write(ref _refreshing[index], 0);
            }

            return Volatile.Read(ref _last[index]);
        }

        private async Task CompleteAsync(ValueTask<ProgressCounts?> read, int index)
        {
            try
            {
                Volatile.Write(ref _last[index], await read.ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Kept: the next collection tries again.
            }
            finally
            {
                Volatile.Write(ref _refreshing[index], 0);
            }
        }
    }
}
