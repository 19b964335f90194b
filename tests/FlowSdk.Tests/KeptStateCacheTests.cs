using FlowSdk.Runtime;
using FlowSdk.Semantics.Flows;
using FlowSdk.State;
using FlowSdk.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace FlowSdk.Tests;

/// <summary>
/// The kept-state cache: bounded, a newer revision wins, and under round-robin access over more
/// executions than it keeps its hit rate falls gradually instead of to zero.
/// </summary>
[Collection(TallyCollection.Name)]
public sealed class KeptStateCacheTests
{
    private static readonly KeyValuePair<string, object?> Tag = new("flow", "cache-unit");

    [Fact]
    public void A_value_is_replaced_only_by_a_newer_revision_and_forgetting_drops_it()
    {
        var cache = new KeptStateCache(4, Tag);
        cache.Remember(Entry("a", 2));
        cache.Remember(Entry("a", 1));
        Assert.True(cache.TryGet("a", out var kept));
        Assert.Equal(2ul, kept.Revision);

        cache.Remember(Entry("a", 3));
        Assert.True(cache.TryGet("a", out kept));
        Assert.Equal(3ul, kept.Revision);

        cache.Forget("a");
        Assert.False(cache.TryGet("a", out _));
        cache.Remember(Entry("a", 1));
        Assert.True(cache.TryGet("a", out kept));
        Assert.Equal(1ul, kept.Revision);
    }

    [Fact]
    public void A_capacity_of_zero_keeps_nothing()
    {
        var cache = new KeptStateCache(0, Tag);
        Assert.False(cache.TryGet("a", out _));
        cache.Remember(Entry("a", 1));
        Assert.False(cache.TryGet("a", out _));
        Assert.Equal((0, 0L, 2L), (cache.Count, cache.Hits, cache.Misses));
    }

    [Fact]
    public void When_full_the_clock_hand_passes_over_used_entries_and_evicts_the_first_unused_one()
    {
        var cache = new KeptStateCache(3, Tag);
        foreach (var key in new[] { "a", "b", "c" })
        {
            Assert.False(cache.TryGet(key, out _));
            cache.Remember(Entry(key, 1));
        }

        // "a" is used again: it gets a second chance. Before its last lookup, "d" was looked up twice,
        // more often than "b" (once).
        Assert.True(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("d", out _));
        Assert.False(cache.TryGet("d", out _));
        Assert.False(cache.TryGet("d", out _));
        cache.Remember(Entry("d", 1));

        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("c", out _));
        Assert.True(cache.TryGet("d", out _));
        Assert.False(cache.TryGet("b", out _));
    }

    [Fact]
    public void When_full_an_execution_used_no_more_than_the_one_it_would_evict_is_not_kept()
    {
        var cache = new KeptStateCache(2, Tag);
        foreach (var key in new[] { "a", "b", "c" })
        {
            Assert.False(cache.TryGet(key, out _));
            cache.Remember(Entry(key, 1));
        }

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("b", out _));
        Assert.False(cache.TryGet("c", out _));
    }

    [Fact]
    public void When_full_an_execution_just_created_is_kept_in_place_of_the_one_the_clock_hand_picks()
    {
        var cache = new KeptStateCache(2, Tag);
        foreach (var key in new[] { "a", "b" })
        {
            Assert.False(cache.TryGet(key, out _));
            cache.Remember(Entry(key, 1));
        }

        // Both kept executions were looked up more often than any newcomer.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(cache.TryGet("a", out _));
            Assert.True(cache.TryGet("b", out _));
        }

        // An existing execution read from the store is held to the admission check: not kept.
        Assert.False(cache.TryGet("old", out _));
        cache.Remember(Entry("old", 5));
        Assert.False(cache.TryGet("old", out _));

        // An execution just created is kept. For "old" the hand passed over "a" and "b" (used,
        // unmarking them) and stopped after "a"; it now picks "b", which is evicted.
        Assert.False(cache.TryGet("new", out _));
        cache.Remember(Entry("new", 6), created: true);
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("new", out _));
        Assert.True(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
    }

    [Fact]
    public async Task An_execution_created_when_the_cache_is_full_answers_its_next_event_from_the_cache()
    {
        using var hits = new MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.StateCacheHits);
        await using var host = await FlowTestHost.StartAsync([TallyFlow.Definition], o => o.ConfigureRuntime = r =>
        {
            r.StateCacheCapacity = 10;
            r.Lanes = 1;
        });
        var tallies = new TallyClient(host.Runtime);

        // The cache is full of executions that each took three events.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                await tallies.SendAsync(new TallyBumped($"full-{i}", 1));
            }

            await host.SettleAsync();
        }

        long Hits() => hits.GetMeasurementSnapshot()
            .Where(m => m.Tags.TryGetValue("flow", out var flow) && (string?)flow == "tally")
            .Sum(m => m.Value);

        // A new execution: its first event creates it (a miss), its next ones are answered from the
        // cache instead of the store.
        await tallies.SendAsync(new TallyBumped("created-late", 1));
        await host.SettleAsync();
        var before = Hits();
        await tallies.SendAsync(new TallyBumped("created-late", 2));
        await host.SettleAsync();
        await tallies.SendAsync(new TallyBumped("created-late", 3));
        await host.SettleAsync();
        Assert.Equal(before + 2, Hits());
        Assert.Equal(6, (await host.GetAsync(TallyFlow.Definition, "created-late")).Total);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(1_100)]
    [InlineData(1_500)]
    [InlineData(2_000)]
    [InlineData(4_000)]
    public void Round_robin_over_more_executions_than_the_capacity_still_hits_about_capacity_over_executions(int executions)
    {
        const int capacity = 1_000;

        // Which executions collide in the frequency sketch depends on its seed. Measured over 20 fixed
        // seeds (the sketch's hash depends on the seed alone), so the test sees the same caches on
        // every run. When a newcomer's lookup that just missed was counted against it, a victim not yet
        // looked up in the round lost to it and was looked up, and missed, later in the same round:
        // over 100 seeds at 1,100 executions the rate then ranged 0.62-0.91.
        var rates = Enumerable.Range(0, 20).Select(seed => RoundRobinHitRate(new KeptStateCache(capacity, Tag, seed), executions, rounds: 6)).Order().ToList();

        // A cache cleared when full (or plain LRU) hits nothing once executions exceed the capacity.
        var ideal = Math.Min(1.0, (double)capacity / executions);
        Assert.InRange(rates[0], ideal * 0.97, 1.0);
    }

    [Fact]
    public void The_hit_rate_falls_gradually_as_executions_grow_past_the_capacity()
    {
        const int capacity = 1_000;
        var rates = new[] { 900, 1_200, 1_600, 2_400, 4_000 }
            .Select(n => RoundRobinHitRate(new KeptStateCache(capacity, Tag, seed: 1), n, rounds: 6))
            .ToList();

        Assert.Equal(1.0, rates[0]);
        for (var i = 1; i < rates.Count; i++)
        {
            Assert.True(rates[i] < rates[i - 1], $"hit rates {string.Join(", ", rates)} should fall step by step");
            Assert.True(rates[i] > 0.2, $"hit rates {string.Join(", ", rates)} should not collapse");
        }
    }

    [Fact]
    public void A_new_working_set_replaces_one_no_longer_used()
    {
        const int capacity = 500;
        var cache = new KeptStateCache(capacity, Tag);
        RoundRobinHitRate(cache, 400, rounds: 10, prefix: "old-");

        // The old executions stop; new ones are used round-robin: after the counts age they are kept.
        var rate = RoundRobinHitRate(cache, 400, rounds: 40, prefix: "new-");
        Assert.True(rate > 0.8, $"hit rate of the new working set {rate}");
    }

    [Fact]
    public async Task Concurrent_use_never_keeps_more_than_the_capacity_nor_an_older_revision()
    {
        const int capacity = 64;
        var cache = new KeptStateCache(capacity, Tag);
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 50_000; i++)
            {
                var key = "k" + random.Next(256);
                if (!cache.TryGet(key, out _) || i % 3 == 0)
                {
                    cache.Remember(Entry(key, (ulong)i));
                }

                if (i % 97 == 0)
                {
                    cache.Forget(key);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.InRange(cache.Count, 1, capacity);
        cache.Remember(Entry("fresh", 10));
        cache.Remember(Entry("fresh", 5));
        Assert.True(cache.TryGet("fresh", out var kept) || cache.Count == capacity);
        if (kept is not null)
        {
            Assert.Equal(10ul, kept.Revision);
        }
    }

    [Fact]
    public void A_negative_capacity_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRuntime([TallyFlow.Definition], new FlowRuntimeOptions { StateCacheCapacity = -1 }));
        Assert.Equal(nameof(FlowRuntimeOptions.StateCacheCapacity), error.ParamName);
    }

    /// <summary>
    /// The runtime answers events from the cache: with 300 tallies bumped round-robin and a cache of
    /// 200, the 200 kept are hits on every later round (none with a cache that is cleared when full),
    /// and the results are the same as with no cache. Each event looks its execution up twice: when it
    /// starts and after its commit (for parked messages).
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(0)]
    public async Task Round_robin_events_over_more_executions_than_the_capacity_keep_hitting_and_count_on_the_meter(int capacity)
    {
        using var hits = new MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.StateCacheHits);
        using var misses = new MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.StateCacheMisses);
        await using var host = await FlowTestHost.StartAsync([TallyFlow.Definition], o => o.ConfigureRuntime = r =>
        {
            r.StateCacheCapacity = capacity;
            r.Lanes = 1;
        });
        var tallies = new TallyClient(host.Runtime);
        const int executions = 300;
        const int rounds = 4;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < executions; i++)
            {
                await tallies.SendAsync(new TallyBumped($"cache-{capacity}-{i}", round + 1));
            }

            await host.SettleAsync();
        }

        for (var i = 0; i < executions; i++)
        {
            var tally = await host.GetAsync(TallyFlow.Definition, $"cache-{capacity}-{i}");
            Assert.Equal(10, tally.Total);
        }

        long Sum(MetricCollector<long> collector) => collector.GetMeasurementSnapshot()
            .Where(m => m.Tags.TryGetValue("flow", out var flow) && (string?)flow == "tally")
            .Sum(m => m.Value);
        var (hit, missed) = (Sum(hits), Sum(misses));
        // One lookup per event, at its start: after a commit with nothing parked in the execution,
        // nothing is read back.
        Assert.Equal(executions * rounds, hit + missed);
        if (capacity == 0)
        {
            Assert.Equal(0, hit);
        }
        else
        {
            // About: the kept executions' starts in the three later rounds. Not a bound: a newcomer
            // whose count collides in the sketch may replace an execution before its turn in the
            // round. At most: only executions kept when a round begins can hit at its starts, and
            // every lookup of the first round misses.
            long kept = (long)capacity * (rounds - 1);
            Assert.InRange(hit, (long)(kept * 0.85), kept);
        }
    }

    /// <summary>
    /// In front of the in-memory store (whose reads are a dictionary lookup already) the runtime keeps
    /// no cache, whatever the capacity: every lookup misses and reads the store, and the results are
    /// the same. The test host wraps the same store (for fault injection), which hides it, so the test
    /// above sees the cache at work.
    /// </summary>
    [Fact]
    public async Task The_in_memory_store_gets_no_kept_state_cache_whatever_the_capacity()
    {
        using var hits = new MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.StateCacheHits);
        using var misses = new MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.StateCacheMisses);
        await using var runtime = await FlowRuntime.StartAsync([TallyFlow.Definition], new FlowRuntimeOptions { StateCacheCapacity = 200, Lanes = 1 });
        Assert.IsType<InMemoryStateStore>(runtime.Store);
        var tallies = new TallyClient(runtime);
        const int executions = 100;
        const int rounds = 3;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < executions; i++)
            {
                await tallies.SendAsync(new TallyBumped($"memory-{i}", round + 1));
            }

            await runtime.WhenIdleAsync();
        }

        for (var i = 0; i < executions; i++)
        {
            var tally = await runtime.GetAsync(TallyFlow.Definition, $"memory-{i}");
            Assert.Equal(6, tally!.Total);
        }

        long Sum(MetricCollector<long> collector) => collector.GetMeasurementSnapshot()
            .Where(m => m.Tags.TryGetValue("flow", out var flow) && (string?)flow == "tally")
            .Sum(m => m.Value);
        Assert.Equal(0, Sum(hits));
        Assert.Equal(executions * rounds, Sum(misses));
    }

    private static double RoundRobinHitRate(KeptStateCache cache, int executions, int rounds, string prefix = "e-")
    {
        var keys = Enumerable.Range(0, executions).Select(i => prefix + i).ToArray();
        long hits = 0, lookups = 0;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                var hit = cache.TryGet(keys[i], out var kept);
                if (round >= rounds / 2)
                {
                    lookups++;
                    hits += hit ? 1 : 0;
                }

                cache.Remember(Entry(keys[i], (kept?.Revision ?? 0) + 1));
            }
        }

        return (double)hits / lookups;
    }

    private static StateEntry Entry(string key, ulong revision) => new(key, ReadOnlyMemory<byte>.Empty, revision);
}
