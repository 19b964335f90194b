using System.Diagnostics;
using System.Globalization;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The firing contenders measured interleaved, for a machine others load: each round runs every contender
/// for a short block (about 2 ms, in a rotating order) right after the others, so all see the same load;
/// a ratio is taken within each round and the median over the rounds reported, with each contender's
/// median time and its allocation per operation.
/// <code>FlowSdk.Benchmarks --firing-interleaved [rounds] [contender,contender...]</code>
/// Naming contenders runs only those (for a profile of one of them), with the ratios between them.
/// </summary>
public static class FiringInterleaved
{
    /// <summary>Runs the rounds and prints the medians.</summary>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="only">The names of the contenders to run, comma-separated; <see langword="null"/> for all.</param>
    /// <returns>0.</returns>
    public static int Run(int rounds, string? only = null)
    {
        var bench = new FiringBenchmarks();
        bench.SetUp();
        var contenders = new (string Name, Func<bool> Op)[]
        {
            ("Stateless", () => bench.Stateless() == Firing.OrderPhase.Paid),
            ("HandWritten", () => bench.HandWritten() == Firing.OrderPhase.Paid),
            ("HandWrittenBookkeeping", () => bench.HandWrittenBookkeeping() == Firing.OrderPhase.Paid),
            ("FlowSdkFire", bench.FlowSdkFire),
            ("FlowSdkStep", bench.FlowSdkStep),
            ("HandWrittenStep", bench.HandWrittenStep),
        };
        if (only is not null)
        {
            var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => !contenders.Any(c => c.Name == n)).ToArray();
            if (unknown.Length > 0)
            {
                throw new ArgumentException($"No contender named {string.Join(", ", unknown)}; they are {string.Join(", ", contenders.Select(c => c.Name))}.", nameof(only));
            }

            contenders = [.. contenders.Where(c => names.Contains(c.Name))];
        }

        // Warm-up long enough for tiered compilation to reach its optimized code, and a block size per contender.
        var blocks = new int[contenders.Length];
        var allocated = new double[contenders.Length];
        for (var c = 0; c < contenders.Length; c++)
        {
            var op = contenders[c].Op;
            var watch = Stopwatch.StartNew();
            long n = 0;
            while (watch.ElapsedMilliseconds < 1500)
            {
                op();
                n++;
            }

            blocks[c] = (int)Math.Max(1, n * 2 / watch.ElapsedMilliseconds);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                op();
            }

            allocated[c] = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000.0;
        }

        var times = new double[contenders.Length][];
        for (var c = 0; c < contenders.Length; c++)
        {
            times[c] = new double[rounds];
        }

        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < contenders.Length; k++)
            {
                var c = (r + k) % contenders.Length;
                var op = contenders[c].Op;
                var block = blocks[c];
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < block; i++)
                {
                    op();
                }

                times[c][r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / block;
            }
        }

        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Firing, interleaved: {rounds} rounds, load average at the end {load}"));
        for (var c = 0; c < contenders.Length; c++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contenders[c].Name,-22} median {Median(times[c]),10:F1} ns  {allocated[c],6:F0} B/op"));
        }

        void Ratio(string a, string b)
        {
            var x = Array.FindIndex(contenders, c => c.Name == a);
            var y = Array.FindIndex(contenders, c => c.Name == b);
            if (x >= 0 && y >= 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {a + " / " + b,-48} median of per-round ratios {Median(times[x].Zip(times[y], (p, q) => p / q).ToArray()):F3}"));
            }
        }

        Ratio("FlowSdkFire", "HandWritten");
        Ratio("FlowSdkFire", "HandWrittenBookkeeping");
        Ratio("HandWrittenBookkeeping", "HandWritten");
        Ratio("FlowSdkFire", "Stateless");
        Ratio("FlowSdkStep", "Stateless");
        Ratio("FlowSdkStep", "HandWrittenStep");
        Ratio("HandWrittenStep", "Stateless");
        return 0;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
