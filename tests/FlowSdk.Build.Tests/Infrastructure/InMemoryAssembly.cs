using System.Collections.Immutable;
using FlowSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Build.Tests.Infrastructure;

/// <summary>
/// Compiles sources in memory as a FlowSdk user's build does: .NET 10 references, the FlowSdk runtime,
/// the generator (so the assembly carries its flow manifest), nullable on.
/// </summary>
internal static class InMemoryAssembly
{
    public static ImmutableArray<MetadataReference> References { get; } =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        .. new[]
        {
            typeof(global::FlowSdk.MessageAttribute).Assembly.Location,
            typeof(global::MessagePack.MessagePackSerializer).Assembly.Location,
            typeof(global::MessagePack.KeyAttribute).Assembly.Location,
            typeof(global::System.Reactive.Unit).Assembly.Location,
            typeof(global::Microsoft.Extensions.Logging.ILogger).Assembly.Location,
        }.Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path)),
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.Linq;
        global using global::System.Threading.Tasks;

        """;

    /// <summary>Compiles <paramref name="sources"/> (path, text) with the generator and returns the assembly's image.</summary>
    /// <param name="name">The assembly name.</param>
    /// <param name="sources">The files: their paths are what the manifest records.</param>
    /// <param name="references">Other in-memory assemblies it references.</param>
    /// <param name="buildProperties">MSBuild properties the generator sees (<c>FlowSdk_EmitManifest</c>, ...).</param>
    public static Compiled Compile(string name, IEnumerable<(string Path, string Text)> sources, IEnumerable<Compiled>? references = null, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        var trees = sources
            .Prepend(("GlobalUsings.g.cs", ImplicitUsings))
            .Select(s => CSharpSyntaxTree.ParseText(s.Item2, ParseOptions, s.Item1));
        var compilation = CSharpCompilation.Create(
            name,
            trees,
            References.AddRange((references ?? []).Select(r => r.Reference)),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true,
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

        var driver = CSharpGeneratorDriver.Create(
            [new FlowGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            optionsProvider: new BuildProperties(buildProperties ?? new Dictionary<string, string>()));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);

        using var image = new MemoryStream();
        var result = output.Emit(image);
        Assert.True(result.Success, "The test assembly does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return new Compiled(name, image.ToArray(), output);
    }

    /// <summary>Compiles one file.</summary>
    public static Compiled Compile(string name, string path, string text, params Compiled[] references) =>
        Compile(name, [(path, text)], references);

    private sealed class BuildProperties(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static Options Empty { get; } = new([]);

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}

/// <summary>An assembly compiled in memory.</summary>
internal sealed record Compiled(string Name, byte[] Image, Compilation Compilation)
{
    public MetadataReference Reference => MetadataReference.CreateFromImage(Image);

    /// <summary>The manifest's JSON, as the task reads it from the image.</summary>
    public string? ManifestJson()
    {
        using var stream = new MemoryStream(Image);
        return ManifestReader.ReadJson(stream);
    }

    /// <summary>The parsed manifest; fails when there is none.</summary>
    public FlowManifest Manifest() => FlowManifest.Parse(ManifestJson() ?? throw new Xunit.Sdk.XunitException($"{Name} carries no flow manifest."), Name + ".dll");

    /// <summary>Writes the assembly to <paramref name="directory"/> and returns its path.</summary>
    public string WriteTo(string directory)
    {
        var path = Path.Combine(directory, Name + ".dll");
        File.WriteAllBytes(path, Image);
        return path;
    }
}
