using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

[Message("test.relay.started")]
public sealed record RelayStarted([property: CorrelationKey] string RelayId);

[Message("test.relay.announced", External = true)]
public sealed record RelayAnnounced(string RelayId);

public enum RelayPhase
{
    New,
    Announced,
    [TerminalPhase]
    Finished,
}

[Flow<RelayPhase>("relay")]
public partial class Relay
{
}

[Rules<Relay>]
public static partial class RelayRules
{
    // Publishes, so its commit carries an outbox that a second write empties once it is published.
    [Rule(From = RelayPhase.New, To = RelayPhase.Announced)]
    public static RelayAnnounced Announce(Relay relay, RelayStarted started) => new(started.RelayId);

    // State-only: the commit of Announce is what triggers it.
    [Rule(From = RelayPhase.Announced, To = RelayPhase.Finished)]
    public static void Finish(Relay relay)
    {
    }
}

/// <summary>
/// A watch may skip a revision that a newer write replaced before it was delivered (a NATS key/value
/// bucket with history 1 does). State-only rules must still see every state change, including one
/// whose only delivered successor is the write that emptied its outbox.
/// </summary>
public sealed class SkippedRevisionTests
{
    [Fact]
    public async Task A_state_change_whose_revision_the_watch_skipped_still_triggers_the_state_rules()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new LatestOnlyWatchStore(new InMemoryStateStore());
        await using var runtime = await FlowRuntime.StartAsync([RelayFlow.Definition], new FlowRuntimeOptions { Transport = transport, StateStore = store });
        var relays = new RelayClient(runtime);

        store.Hold();
        await relays.SendAsync(new RelayStarted("r-1"));
        await IdleAsync(runtime);

        // Announce committed its state change and then emptied its outbox: the held watch keeps only the latter.
        Assert.Equal(RelayPhase.Announced, (await relays.GetAsync("r-1"))!.Phase);
        Assert.Equal(1, store.Skipped);

        store.Release();
        await IdleAsync(runtime);

        var relay = (await relays.GetAsync("r-1"))!;
        Assert.Equal((ExecutionStatus.Completed, RelayPhase.Finished), (relay.Status, relay.Phase));
        Assert.Equal([("Announce", TriggerKind.MessageAndState), ("Finish", TriggerKind.State)], relay.Timeline.Select(e => (e.Rule, e.Trigger)));
    }

    [Fact]
    public async Task Without_skipping_the_write_that_empties_an_outbox_triggers_nothing_more()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new LatestOnlyWatchStore(new InMemoryStateStore());
        await using var runtime = await FlowRuntime.StartAsync([RelayFlow.Definition], new FlowRuntimeOptions { Transport = transport, StateStore = store });
        var relays = new RelayClient(runtime);

        await relays.SendAsync(new RelayStarted("r-1"));
        await IdleAsync(runtime);

        var relay = (await relays.GetAsync("r-1"))!;
        Assert.Equal(0, store.Skipped);
        Assert.Equal(3, store.Delivered); // Announce, its emptied outbox, Finish
        Assert.Equal([("Announce", TriggerKind.MessageAndState), ("Finish", TriggerKind.State)], relay.Timeline.Select(e => (e.Rule, e.Trigger)));
    }

    private static async Task IdleAsync(FlowRuntime runtime)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await runtime.WhenIdleAsync(timeout.Token);
    }
}

/// <summary>
/// A state store whose watch delivers as a key/value bucket with history 1 does to a watcher that
/// falls behind: while held, writes wait, and a write replaced by a newer one of the same key before
/// <see cref="Release"/> is never delivered. Not held, every write is delivered before the write returns.
/// </summary>
internal sealed class LatestOnlyWatchStore(IStateStore inner) : IStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StateEntry> _held = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, IObserver<StateEntry> Observer)> _watchers = [];
    private bool _holding;

    /// <summary>How many revisions were replaced while held, and so never delivered.</summary>
    public int Skipped { get; private set; }

    /// <summary>How many revisions of execution keys were delivered to at least one watcher (the flows' deployment records are not counted).</summary>
    public int Delivered { get; private set; }

    public void Hold()
    {
        lock (_gate)
        {
            _holding = true;
        }
    }

    /// <summary>Delivers the latest held revision of each key, then stops holding.</summary>
    public void Release()
    {
        List<StateEntry> latest;
        lock (_gate)
        {
            _holding = false;
            latest = [.. _held.Values.OrderBy(e => e.Revision)];
            _held.Clear();
        }

        latest.ForEach(Deliver);
    }

    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public async ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        => Written(key, value, await inner.TryCreateAsync(key, value, cancellationToken));

    public async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
        => Written(key, value, await inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken));

    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

    public IObservable<StateEntry> Watch(string prefix) => System.Reactive.Linq.Observable.Create<StateEntry>(observer =>
    {
        var watcher = (prefix, observer);
        lock (_gate)
        {
            _watchers.Add(watcher);
        }

        return System.Reactive.Disposables.Disposable.Create(() =>
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        });
    });

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private StateWriteResult Written(string key, ReadOnlyMemory<byte> value, StateWriteResult result)
    {
        if (!result.Succeeded)
        {
            return result;
        }

        var entry = new StateEntry(key, value.ToArray(), result.Revision);
        lock (_gate)
        {
            if (_holding)
            {
                if (_held.ContainsKey(key))
                {
                    Skipped++;
                }

                _held[key] = entry;
                return result;
            }
        }

        Deliver(entry);
        return result;
    }

    private void Deliver(StateEntry entry)
    {
        List<IObserver<StateEntry>> observers;
        lock (_gate)
        {
            observers = [.. _watchers.Where(w => entry.Key.StartsWith(w.Prefix, StringComparison.Ordinal)).Select(w => w.Observer)];
            if (observers.Count > 0 && !entry.Key.StartsWith(FlowDeployments.KeyPrefix, StringComparison.Ordinal))
            {
                Delivered++;
            }
        }

        observers.ForEach(o => o.OnNext(entry));
    }
}
