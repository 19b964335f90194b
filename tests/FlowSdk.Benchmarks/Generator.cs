extern alias FlowGen;

using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The FlowSdk generator run by <see cref="CSharpGeneratorDriver"/> over a flow with 10, 100 and 1,000
/// rules (one message type per rule), as the compiler runs it:
/// <list type="bullet">
/// <item>Cold: a new driver over a new compilation (a clean build, or the IDE's first run).</item>
/// <item>Cached: the driver that already ran, over a new compilation with an unrelated edit (a new file
/// that declares no flow): what every keystroke in an unrelated file costs in the IDE.</item>
/// </list>
/// Each run gets a new <see cref="Compilation"/> object, so neither reuses symbols bound by a previous run.
/// </summary>
[BenchmarkCategory(Categories.Generator)]
public class GeneratorBenchmarks
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        .. new[]
        {
            typeof(MessageAttribute).Assembly.Location,
            typeof(MessagePack.MessagePackSerializer).Assembly.Location,
            typeof(MessagePack.KeyAttribute).Assembly.Location,
            typeof(System.Reactive.Unit).Assembly.Location,
            typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location,
        }.Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path)),
    ];

    private static readonly CSharpCompilationOptions Options = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]);

    private ImmutableArray<SyntaxTree> _trees;
    private SyntaxTree _unrelated = null!;
    private GeneratorDriver _warm = null!;

    /// <summary>How many rules (and message types) the flow has.</summary>
    [Params(10, 100, 1000)]
    public int Rules { get; set; }

    /// <summary>Parses the flow's source and runs the driver once for the cached case.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _trees = [CSharpSyntaxTree.ParseText(GlobalUsings, ParseOptions, "GlobalUsings.cs"), CSharpSyntaxTree.ParseText(FlowSource(Rules), ParseOptions, "Flow.cs")];
        _unrelated = CSharpSyntaxTree.ParseText("namespace Bench; public static class Unrelated { public static int Add(int a, int b) => a + b; }", ParseOptions, "Unrelated.cs");
        _warm = NewDriver().RunGenerators(NewCompilation());
        var result = _warm.GetRunResult();
        if (result.Results[0].Exception is { } ex)
        {
            throw new InvalidOperationException("The generator threw.", ex);
        }

        // One formatter per message type, the flow's file and the assembly-wide files.
        if (result.GeneratedTrees.Length < Rules + 1)
        {
            throw new InvalidOperationException($"The generator wrote {result.GeneratedTrees.Length} files for {Rules} rules.");
        }

        // Tiered compilation: the code a run goes through once (the driver's, the cached nodes') reaches tier 1 after
        // 30 calls. BenchmarkDotNet now times one run per iteration, so its few warm-up iterations would leave the
        // cached run of a small flow at tier 0 (at 10 rules it measured slower than the cold run). Both runs are
        // repeated here, alternating, up to 40 times or for 3 seconds, and then the setup waits until the JIT is idle.
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 40 && warmUp.Elapsed < TimeSpan.FromSeconds(3); i++)
        {
            GC.KeepAlive(Cold());
            GC.KeepAlive(Cached());
        }

        // Waits for the background tier-1 compilations themselves: until no method was compiled for 100 ms (at most 3 s).
        var settling = System.Diagnostics.Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (settling.Elapsed < TimeSpan.FromSeconds(3))
        {
            Thread.Sleep(100);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                break;
            }

            compiled = now;
        }
    }

    /// <summary>A new driver over a new compilation.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver Cold() => NewDriver().RunGenerators(NewCompilation());

    /// <summary>The driver that already ran, over a new compilation with an unrelated file added.</summary>
    [Benchmark]
    public GeneratorDriver Cached() => _warm.RunGenerators(NewCompilation().AddSyntaxTrees(_unrelated));

    /// <summary>
    /// No generator: a new compilation with the unrelated file, as the cached run gets, asked for every
    /// type's attributes, members, their attributes and signatures: the binding the generator's inputs
    /// need, which a cached run cannot skip.
    /// </summary>
    public int BindingOnly() => Bind(NewCompilation().AddSyntaxTrees(_unrelated));

    /// <summary>
    /// The cached run over a compilation <see cref="Bind"/> has already bound, timed without that binding:
    /// what the generator and the driver do on their own, beyond asking the compiler for symbols.
    /// </summary>
    /// <returns>The generator's time in milliseconds.</returns>
    public double CachedOverBound()
    {
        var compilation = NewCompilation().AddSyntaxTrees(_unrelated);
        Bind(compilation);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        GC.KeepAlive(_warm.RunGenerators(compilation));
        return watch.Elapsed.TotalMilliseconds;
    }

    private static int Bind(Compilation compilation)
    {
        var count = 0;
        var types = new Stack<INamespaceOrTypeSymbol>();
        types.Push(compilation.Assembly.GlobalNamespace);
        while (types.Count > 0)
        {
            var container = types.Pop();
            foreach (var member in container.GetMembers())
            {
                count += member.GetAttributes().Length;
                switch (member)
                {
                    case INamespaceSymbol ns:
                        types.Push(ns);
                        break;
                    case INamedTypeSymbol type:
                        types.Push(type);
                        break;
                    case IMethodSymbol method:
                        count += method.ReturnType.SpecialType == SpecialType.System_Void ? 0 : 1;
                        foreach (var parameter in method.Parameters)
                        {
                            count += parameter.GetAttributes().Length + (parameter.Type.IsValueType ? 1 : 0);
                        }

                        break;
                    case IPropertySymbol property:
                        count += property.Type.IsValueType ? 1 : 0;
                        break;
                }
            }
        }

        return count;
    }

    private CSharpCompilation NewCompilation() => CSharpCompilation.Create("Bench", _trees, References, Options);

    private static GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(
        [new FlowGen::FlowSdk.Generators.FlowGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private const string GlobalUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.Linq;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>A flow with <paramref name="rules"/> message types, one rule each, some with conditions.</summary>
    public static string FlowSource(int rules)
    {
        var source = new StringBuilder();
        source.AppendLine("using FlowSdk;");
        source.AppendLine("namespace Bench;");
        source.AppendLine("public enum Phase { Open, Working, [TerminalPhase] Done }");
        source.AppendLine("[Flow<Phase>(\"bench\", MaxIterations = 10)]");
        source.AppendLine("public partial class Job { public long Total { get; set; } public string Note { get; set; } = \"\"; }");
        for (var i = 0; i < rules; i++)
        {
            source.Append("[Message(\"bench.m").Append(i).Append("\", External = true)] public sealed record M").Append(i)
                .Append("([property: CorrelationKey] string Id, int Value, string Text, DateTimeOffset At);").AppendLine();
        }

        source.AppendLine("[Rules<Job>]");
        source.AppendLine("public static partial class JobRules");
        source.AppendLine("{");
        for (var i = 0; i < rules; i++)
        {
            var (from, to) = (i % 3) switch { 0 => ("Open", "Working"), 1 => ("Working", "Working"), _ => ("Working", "Done") };
            if (i % 2 == 0)
            {
                source.Append("    [Rule(From = Phase.").Append(from).Append(", To = Phase.").Append(to).Append(")] [When(nameof(Positive").Append(i).Append("))]").AppendLine();
                source.Append("    public static void On").Append(i).Append("(Job job, M").Append(i).Append(" m) { job.Total += m.Value; job.Note = m.Text; }").AppendLine();
                source.Append("    private static bool Positive").Append(i).Append("(M").Append(i).Append(" m) => m.Value > 0;").AppendLine();
            }
            else
            {
                source.Append("    [Rule(From = Phase.").Append(from).Append(", To = Phase.").Append(to).Append(")]").AppendLine();
                source.Append("    public static void On").Append(i).Append("(Job job, M").Append(i).Append(" m) => job.Total += m.Value;").AppendLine();
            }
        }

        source.AppendLine("}");
        return source.ToString();
    }
}

/// <summary>
/// The generator's cold and cached runs measured interleaved, for a machine others load, with the floor
/// a cached run cannot go below: the binding the generator's inputs need, without the generator. Each
/// round runs, in a rotating order, a cold run, a cached run and a walk over a new compilation (the
/// benchmark's, with the unrelated file) that asks for every type's attributes, members and their
/// signatures and every member's attributes (what the generator reads); the ratios are taken within
/// each round and their medians reported, with each contender's median, minimum and maximum time, the median of
/// the bytes it allocated (the Unbound contender's include the walk's), which load does not change, and the time paused
/// for garbage collections (<see cref="GC.GetTotalPauseDuration"/>) with the collections per run.
/// A fourth contender, Unbound, is the cached run over a compilation that walk has already bound, timed
/// without the walk: the generator's and the driver's own work. Cached minus Unbound is the binding a
/// cached run cannot skip; over the cold run, the floor of the cached / cold ratio.
/// <para>
/// Two measures, in alternate order within every round of one process: <b>settled</b>, a full blocking,
/// compacting collection (untimed) before each run, so that every run starts from the same heap and pays
/// only the collections its own allocations cause; and <b>as before</b> (the measure of earlier rounds), no
/// collection between runs, so that the garbage an earlier run left (a cold run leaves about 130 MB at
/// 1,000 rules, much of it promoted while its compilation was alive) is collected in whichever later run
/// triggers a gen1 or gen2 collection. Settled is the measure reported.
/// </para>
/// <code>FlowSdk.Benchmarks --generator-interleaved [rounds] [rules] [cold,cached,binding,unbound]</code>
/// Naming contenders only runs those (settled), <c>rounds</c> times, and prints nothing: for a profiler.
/// </summary>
public static class GeneratorInterleaved
{
    /// <summary>Runs the rounds and prints the medians.</summary>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="rules">How many rules the flow has.</param>
    /// <param name="only">The names of the contenders to run, comma-separated (for a profile of one); <see langword="null"/> for all.</param>
    /// <returns>0.</returns>
    public static int Run(int rounds, int rules, string? only = null)
    {
        var bench = new GeneratorBenchmarks { Rules = rules };
        bench.SetUp();
        static Func<double> Timed(Func<object> op) => () =>
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            GC.KeepAlive(op());
            return watch.Elapsed.TotalMilliseconds;
        };

        var contenders = new (string Name, Func<double> Op)[]
        {
            ("Cold", Timed(bench.Cold)),
            ("Cached", Timed(bench.Cached)),
            ("Binding", Timed(() => bench.BindingOnly())),
            ("Unbound", bench.CachedOverBound),
        };
        if (only is not null)
        {
            var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            contenders = [.. contenders.Where(c => names.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];
            for (var r = 0; r < rounds; r++)
            {
                foreach (var (_, op) in contenders)
                {
                    Settle();
                    op();
                }
            }

            return 0;
        }

        // Warm-up: tiered compilation of the compiler and the generator.
        for (var i = 0; i < 3; i++)
        {
            foreach (var (_, op) in contenders)
            {
                op();
            }
        }

        var measures = new[] { new Measure("settled", contenders.Length, rounds), new Measure("as before (no collection between runs)", contenders.Length, rounds) };
        for (var r = 0; r < rounds; r++)
        {
            for (var m = 0; m < measures.Length; m++)
            {
                var measure = measures[(r + m) % measures.Length];
                var settled = measure == measures[0];
                for (var k = 0; k < contenders.Length; k++)
                {
                    var c = (r + k) % contenders.Length;
                    if (settled)
                    {
                        Settle();
                    }

                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    var pauseBefore = GC.GetTotalPauseDuration();
                    var countsBefore = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
                    measure.Times[c][r] = contenders[c].Op();
                    measure.Allocated[c][r] = (GC.GetTotalAllocatedBytes(precise: true) - before) / 1e6;
                    measure.Paused[c][r] = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
                    for (var g = 0; g < 3; g++)
                    {
                        measure.Collections[c][g][r] = GC.CollectionCount(g) - countsBefore[g];
                    }
                }
            }
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        // The GC decides how much a run pays in collections: the compiler runs generators with server GC
        // (start this with DOTNET_gcServer=1 for that), this program on its own with workstation GC.
        Console.WriteLine($"{rules} rules, {rounds} rounds, load average {LoadAverage()}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC ({System.Runtime.GCSettings.LatencyMode}, {Environment.ProcessorCount} processors)");
        foreach (var measure in measures)
        {
            Console.WriteLine($"-- {measure.Name}");
            for (var c = 0; c < contenders.Length; c++)
            {
                var times = measure.Times[c];
                var gen2 = Enumerable.Range(0, rounds).Where(r => measure.Collections[c][2][r] > 0).ToArray();
                var noGen2 = Enumerable.Range(0, rounds).Except(gen2).ToArray();
                Console.WriteLine($"{contenders[c].Name,-8} median {Median(times),8:F1} ms   min {times.Min(),8:F1}   max {times.Max(),8:F1} ms   allocated {Median(measure.Allocated[c]),7:F1} MB   paused for GC {Median(measure.Paused[c]),7:F1} ms   GC.CollectionCount(0/1/2) per run {measure.Collections[c][0].Average():F1}/{measure.Collections[c][1].Average():F1}/{measure.Collections[c][2].Average():F1}   runs with a gen2: {gen2.Length}, median {Median(gen2.Select(r => times[r])):F1} ms; without: {noGen2.Length}, median {Median(noGen2.Select(r => times[r])):F1} ms");
            }

            var t = measure.Times;
            Console.WriteLine($"cached / cold   median of the rounds' ratios {Median(Enumerable.Range(0, rounds).Select(r => t[1][r] / t[0][r])):F3}   ratio of minima {t[1].Min() / t[0].Min():F3}");
            Console.WriteLine($"binding / cold  median of the rounds' ratios {Median(Enumerable.Range(0, rounds).Select(r => t[2][r] / t[0][r])):F3}   ratio of minima {t[2].Min() / t[0].Min():F3}");
            Console.WriteLine($"(cached - unbound) / cold, the binding a cached run needs: median of the rounds' ratios {Median(Enumerable.Range(0, rounds).Select(r => (t[1][r] - t[3][r]) / t[0][r])):F3}   ratio of minima {(t[1].Min() - t[3].Min()) / t[0].Min():F3}");
        }

        // What a cached run follows matters under server GC: straight after a cold run it was about 1.6x faster
        // than after another cached run (docs/benchmarks.md, "Generator cached run <= 0.5x cold"), and the rounds
        // above mostly put it after a cold run. An editor's successive edits are cached runs after cached runs,
        // as BenchmarkDotNet runs them (each case's iterations back to back); both orders, settled, in blocks.
        var afterCold = new List<double>();
        var afterCached = new List<double>();
        var colds = new List<double>();
        for (var block = 0; block < 4; block++)
        {
            for (var r = 0; r < rounds; r++)
            {
                if (block % 2 == 0)
                {
                    Settle();
                    colds.Add(contenders[0].Op());
                    Settle();
                    afterCold.Add(contenders[1].Op());
                }
                else
                {
                    Settle();
                    afterCached.Add(contenders[1].Op());
                }
            }
        }

        Console.WriteLine("-- order (settled, in blocks): the cached run straight after a cold run, and after another cached run");
        Console.WriteLine($"Cold                  median {Median(colds),8:F1} ms");
        Console.WriteLine($"Cached after cold     median {Median(afterCold),8:F1} ms   / cold {Median(afterCold) / Median(colds):F3}");
        Console.WriteLine($"Cached after cached   median {Median(afterCached),8:F1} ms   / cold {Median(afterCached) / Median(colds):F3}");
        return 0;
    }

    /// <summary>A full blocking, compacting collection, with finalizers run: the heap every settled run starts from.</summary>
    private static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private sealed class Measure(string name, int contenders, int rounds)
    {
        public string Name { get; } = name;

        public double[][] Times { get; } = [.. Enumerable.Range(0, contenders).Select(_ => new double[rounds])];

        public double[][] Allocated { get; } = [.. Enumerable.Range(0, contenders).Select(_ => new double[rounds])];

        public double[][] Paused { get; } = [.. Enumerable.Range(0, contenders).Select(_ => new double[rounds])];

        public int[][][] Collections { get; } = [.. Enumerable.Range(0, contenders).Select(_ => new[] { new int[rounds], new int[rounds], new int[rounds] })];
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
