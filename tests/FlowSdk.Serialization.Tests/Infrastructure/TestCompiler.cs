using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.Serialization.Tests.Infrastructure;

/// <summary>
/// Compiles test sources with the generator and the analyzers this build made (loaded from their output
/// folders, as the compiler loads them), with an optional schema file and build properties.
/// </summary>
internal static class TestCompiler
{
    private static readonly Lazy<Assembly> Generators = new(() => Assembly.LoadFrom(ComponentPath("generators", "FlowSdk.Generators")));
    private static readonly Lazy<Assembly> Analyzers = new(() => Assembly.LoadFrom(ComponentPath("analyzers", "FlowSdk.Analyzers")));

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public sealed record Result(Compilation Output, ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<GeneratedSourceResult> Generated)
    {
        public IEnumerable<Diagnostic> Flow(string id) => Diagnostics.Where(d => d.Id == id);

        public string? Source(string hintName) => Generated.FirstOrDefault(g => g.HintName == hintName).SourceText?.ToString();
    }

    public static async Task<Result> CompileAsync(string source, string? schema = null, bool updateSchema = false)
    {
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, "Test.cs");
        var references = Basic.Reference.Assemblies.Net100.References.All.Concat(new[]
            {
                typeof(FlowSerializer).Assembly.Location,
                typeof(MessagePack.MessagePackSerializer).Assembly.Location,
                typeof(MessagePack.KeyAttribute).Assembly.Location,
                typeof(System.Reactive.Unit).Assembly.Location,
                typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location,
            }.Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path)));
        var compilation = CSharpCompilation.Create(
            "Checked",
            [tree, CSharpSyntaxTree.ParseText("global using global::System;\nglobal using global::System.Collections.Generic;\nglobal using global::System.Linq;", ParseOptions, "Usings.cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        ImmutableArray<AdditionalText> additional = schema is null ? [] : [new Text("/project/flowsdk.schema.json", schema)];
        var options = new Options(updateSchema);
        var generator = (IIncrementalGenerator)Activator.CreateInstance(Generators.Value.GetType("FlowSdk.Generators.FlowGenerator", throwOnError: true)!)!;
        GeneratorDriver driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], additional, ParseOptions, options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);

        var analyzers = Analyzers.Value.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var diagnostics = await output.WithAnalyzers(analyzers, new AnalyzerOptions(additional, options)).GetAllDiagnosticsAsync();
        return new Result(output, diagnostics, driver.GetRunResult().Results.Single().GeneratedSources);
    }

    private static string ComponentPath(string folder, string name)
    {
        var path = Path.Combine(Processes.RepositoryRoot, folder, name, "bin", Processes.Configuration, "netstandard2.0", name + ".dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (or this test project, which builds it) first.");
        return path;
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class Options(bool updateSchema) : AnalyzerConfigOptionsProvider
    {
        private readonly Values _global = new(updateSchema ? new() { ["build_property.FlowSdk_UpdateSchema"] = "true" } : []);

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.Empty;

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Values Empty = new([]);

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
