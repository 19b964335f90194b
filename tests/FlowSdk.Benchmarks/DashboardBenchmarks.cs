using BenchmarkDotNet.Attributes;
using FlowSdk.Dashboard.Internal;
using FlowSdk.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The dashboard's executions list at 100,000 executions (<c>--only dashboard</c>): a page of 50 as the
/// dashboard asks for it, first and 200th (offset 9,950, the deepest page the bounded heap serves),
/// against the baseline of sorting every execution and taking the page.
/// </summary>
[BenchmarkCategory("Dashboard")]
public class DashboardBenchmarks
{
    private InMemoryStateStore _store = null!;
    private ExecutionIndex _index = null!;

    /// <summary>How many executions the index holds.</summary>
    [Params(100_000)]
    public int Executions { get; set; }

    /// <summary>Fills the index with executions updated at random times over six hours.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _store = new InMemoryStateStore();
        _index = new ExecutionIndex([], _store, NullLogger.Instance);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(7);
        for (var i = 0; i < Executions; i++)
        {
            _index.Put(new ExecutionSummary("order", $"o-{i:D6}", (ExecutionStatus)(i % 5), "Placed", 1, start, start.AddSeconds(random.Next(0, 21_600)), null, null, null, 1));
        }
    }

    /// <summary>Releases the index and the store.</summary>
    [GlobalCleanup]
    public async Task CleanUp()
    {
        await _index.DisposeAsync();
        await _store.DisposeAsync();
    }

    /// <summary>The first page of 50.</summary>
    [Benchmark]
    public int FirstPage() => _index.Query(new ExecutionQuery(null, null, null, null, 0, 50)).Items.Count;

    /// <summary>The 200th page of 50.</summary>
    [Benchmark]
    public int Page200() => _index.Query(new ExecutionQuery(null, null, null, null, 9_950, 50)).Items.Count;

    /// <summary>The baseline: every execution sorted, then the first page taken.</summary>
    [Benchmark(Baseline = true)]
    public int SortAll() => _index.Query(new ExecutionQuery(null, null, null, null, 0, ExecutionIndex.TopSelectionLimit + 1)).Items.Count;
}
