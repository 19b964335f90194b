using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FlowSdk.Benchmarks;

/// <summary>
/// Runs the benchmarks and writes the ratios against their goals (docs/benchmarks.md).
/// <code>
/// FlowSdk.Benchmarks [--quick] [--artifacts DIR] [--only dispatch,firing,serializers,firstcall,generator,sqlite,dashboard,scale,lifecycle,nats,buildcost]
/// FlowSdk.Benchmarks --first-call flowsdk|msgpack|stj     (one first-call sample; used by the run itself)
/// FlowSdk.Benchmarks --scale-probe LIVE [default|kept|hand] [SECONDS]   (one scale case alone, for a profiler)
/// FlowSdk.Benchmarks --generator-interleaved [ROUNDS] [RULES] [cold,cached,binding,unbound]   (the generator's cold and cached runs and the binding floor, interleaved)
/// FlowSdk.Benchmarks --generator-server-gc OUT.json [--quick] [--artifacts DIR]   (the generator part under server GC; used by the run itself)
/// </code>
/// </summary>
public static class Program
{
    /// <summary>The entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--first-call")
        {
            return FirstCall.RunChild(args[1]);
        }

        if (args.Length >= 2 && args[0] == "--scale-probe")
        {
            return ScaleBenchmarks.Probe(int.Parse(args[1], CultureInfo.InvariantCulture), args.Length > 2 ? args[2] : "default", args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10);
        }

        if (args.Length >= 1 && args[0] == "--firing-interleaved")
        {
            return FiringInterleaved.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200, args.Length > 2 ? args[2] : null);
        }

        if (args.Length >= 1 && args[0] == "--generator-interleaved")
        {
            return GeneratorInterleaved.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000, args.Length > 3 ? args[3] : null);
        }

        var quick = args.Contains("--quick");
        var artifacts = Option(args, "--artifacts") ?? Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "bench");
        if (args.Length >= 2 && args[0] == "--generator-server-gc")
        {
            return GeneratorServerGcChild(args[1], quick, artifacts);
        }

        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Runs(string part) => only is null || only.Contains(part);
        Directory.CreateDirectory(artifacts);

        var results = new Results();
        var started = DateTimeOffset.UtcNow;
        if (Runs("dispatch"))
        {
            results.Add(Run<Dispatch10Benchmarks>(Micro(quick), artifacts));
            results.Add(Run<Dispatch500Benchmarks>(Micro(quick), artifacts));
        }

        if (Runs("firing"))
        {
            results.Add(Run<FiringBenchmarks>(Micro(quick), artifacts));
        }

        if (Runs("serializers"))
        {
            results.Add(Run<SerializerBenchmarks>(Micro(quick).AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory), artifacts));
            results.Sizes = SerializerBenchmarks.Sizes();
        }

        if (Runs("firstcall"))
        {
            results.FirstCall = FirstCall.Measure(quick ? 3 : 5);
        }

        if (Runs("generator"))
        {
            results.Add(Run<GeneratorBenchmarks>(Generator(quick, serverGc: false), artifacts), Report.WorkstationGc);
            foreach (var (key, measured) in GeneratorUnderServerGc(quick, artifacts))
            {
                results.Measured[key] = measured;
            }
        }

        if (Runs("sqlite"))
        {
            results.Add(Run<SqliteBenchmarks>(InProcess(quick, warmups: quick ? 1 : 3, iterations: quick ? 5 : 10, milliseconds: quick ? 100 : 250), artifacts));
        }

        if (Runs("dashboard"))
        {
            results.Add(Run<DashboardBenchmarks>(Micro(quick), artifacts));
        }

        if (Runs("scale"))
        {
            ScaleBenchmarks.PrimeProcess();
            results.Add(Run<ScaleBenchmarks>(InProcess(quick, warmups: quick ? 2 : 3, iterations: quick ? 7 : 15, milliseconds: quick ? 100 : 250), artifacts));
            results.Add(Run<ScaleHandLoop>(InProcess(quick, warmups: quick ? 2 : 3, iterations: quick ? 7 : 15, milliseconds: quick ? 100 : 250), artifacts));
            results.ScaleBytes = new Dictionary<string, double>(ScaleBenchmarks.BytesPerExecution, StringComparer.Ordinal);
            results.ScaleHitRates = new[] { 1_000, 10_000, 11_000, 20_000, 50_000, 100_000 }.ToDictionary(live => live, ScaleBenchmarks.HitRates);
            results.ScaleLatency = new[] { 1_000, 10_000, 100_000 }.ToDictionary(live => live, ScaleBenchmarks.Latency);

            // On NATS: 100,000 live executions only in the full run or when the scale part is asked for by name.
            results.NatsScale = NatsScale.Run(quick, big: !quick || only is not null, artifacts);
        }

        if (Runs("lifecycle"))
        {
            results.Add(Run<LifecycleBenchmarks>(InProcess(quick, warmups: quick ? 1 : 3, iterations: quick ? 5 : 15, milliseconds: quick ? 100 : 250), artifacts));
            results.Add(Run<ExecutionEventBenchmarks>(InProcess(quick, warmups: quick ? 1 : 3, iterations: quick ? 5 : 15, milliseconds: quick ? 100 : 250), artifacts));
        }

        if (Runs("nats"))
        {
            results.Nats = NatsBenchmarks.Run(quick, artifacts);
        }

        if (Runs("buildcost"))
        {
            results.BuildCost = BuildCost.Measure(quick, RepositoryRoot());
        }

        results.HostStart = HostStartResult.Read(Path.Combine(artifacts, "host-start.json"));
        var report = Report.Build(results);
        Report.Write(report, artifacts, quick, started, DateTimeOffset.UtcNow, args);
        return 0;
    }

    private static Summary Run<T>(IConfig config, string artifacts) => BenchmarkRunner.Run<T>(config.WithArtifactsPath(Path.Combine(artifacts, "bdn")));

    /// <summary>
    /// Micro-benchmarks run in process (no per-benchmark project build: that alone would take longer
    /// than the quick mode's budget on 2 cores). Ratios compare medians within one run.
    /// </summary>
    private static ManualConfig Micro(bool quick) => InProcess(quick, warmups: quick ? 2 : 5, iterations: quick ? 5 : 15, milliseconds: quick ? 100 : 250);

    /// <summary>
    /// One run per iteration: BenchmarkDotNet collects the garbage before each iteration, so every cold and cached run
    /// starts from the same heap and pays only the collections its own allocations cause. Before, the pilot chose
    /// how many runs an iteration of 200 or 500 ms held (one for a run longer than that, two or more for a shorter one,
    /// so depending on the load), and every run after the first paid for collecting its predecessors' garbage
    /// (docs/benchmarks.md, "Generator cached run ≤ 0.5× cold").
    /// </summary>
    /// <remarks>
    /// The compiler runs generators in a process with server GC (<c>System.GC.Server</c> in the runtimeconfig of
    /// <c>csc</c> and of the compiler server), whose allocation budget between collections is far larger than
    /// workstation GC's; the goal's figures come from such a process (<see cref="GeneratorUnderServerGc"/>), and the
    /// same job in this program's own process (workstation GC) is reported beside them, as measured before.
    /// </remarks>
    private static ManualConfig Generator(bool quick, bool serverGc) => Base(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithGcServer(serverGc)
        .WithLaunchCount(1)
        .WithWarmupCount(quick ? 2 : 3)
        .WithIterationCount(quick ? 5 : 15)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithId(quick ? "quick" : "full"));

    /// <summary>
    /// Runs the generator part again in a child process of this program started with <c>DOTNET_gcServer=1</c>, the
    /// GC the compiler runs generators in, and returns its medians by the usual keys.
    /// </summary>
    private static Dictionary<string, (double MedianNs, long? Allocated)> GeneratorUnderServerGc(bool quick, string artifacts)
    {
        var output = Path.Combine(artifacts, "generator-server-gc.json");
        File.Delete(output);
        var start = Again("--generator-server-gc", output, "--artifacts", Path.Combine(artifacts, "server-gc"));
        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }

        start.Environment["DOTNET_gcServer"] = "1";
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The generator part under server GC failed (exit code {process.ExitCode}).");
        }

        var read = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(output))
            ?? throw new InvalidOperationException($"{output} is empty.");
        return read.ToDictionary(kv => kv.Key, kv => (kv.Value[0], kv.Value[1] < 0 ? (long?)null : (long)kv.Value[1]), StringComparer.Ordinal);
    }

    /// <summary>
    /// This program started again with <paramref name="arguments"/>: as <c>dotnet FlowSdk.Benchmarks.dll</c> when it was
    /// started that way, as the apphost otherwise.
    /// </summary>
    internal static System.Diagnostics.ProcessStartInfo Again(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static int GeneratorServerGcChild(string output, bool quick, string artifacts)
    {
        if (!System.Runtime.GCSettings.IsServerGC)
        {
            Console.Error.WriteLine("--generator-server-gc needs a process with server GC: start it with DOTNET_gcServer=1.");
            return 2;
        }

        Directory.CreateDirectory(artifacts);
        var results = new Results();
        results.Add(Run<GeneratorBenchmarks>(Generator(quick, serverGc: true), artifacts));
        if (results.Measured.Count == 0)
        {
            Console.Error.WriteLine("The generator part under server GC measured nothing.");
            return 1;
        }

        File.WriteAllText(output, System.Text.Json.JsonSerializer.Serialize(results.Measured.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.MedianNs, kv.Value.Allocated ?? -1 })));
        return 0;
    }

    private static ManualConfig InProcess(bool quick, int warmups, int iterations, int milliseconds) => Base(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(warmups)
        .WithIterationCount(iterations)
        .WithIterationTime(TimeInterval.FromMilliseconds(milliseconds))
        .WithId(quick ? "quick" : "full"));

    private static ManualConfig Base(Job job)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.DisableLogFile);
        config.SummaryStyle = SummaryStyle.Default.WithCultureInfo(CultureInfo.InvariantCulture);
        return config;
    }

    /// <summary>The repository: the folder above this program's that holds build/FlowSdk.Local.props.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "build", "FlowSdk.Local.props")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No repository (build/FlowSdk.Local.props) above {AppContext.BaseDirectory}.");
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.LastIndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
