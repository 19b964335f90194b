using System.Collections.Immutable;
using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The PlanReview sample, read from the repository at test time and compiled as its build does
/// (the generator runs, then every analyzer): a real flow the analyzers must not cry wolf about.
/// </summary>
public sealed class SampleTests
{
    [Fact]
    public async Task PlanReview_sample_has_no_FlowSdk_diagnostics()
    {
        var diagnostics = await AnalyzeSampleAsync(static (_, text) => text);

        Assert.True(diagnostics.IsEmpty, "FlowSdk diagnostics on the sample:" + Environment.NewLine + string.Join(Environment.NewLine, diagnostics));
    }

    [Fact]
    public async Task The_sample_test_sees_the_sample_flows()
    {
        // The same compilation with the plan flow's limit removed reports its loop: the test above
        // passes because the sample is valid, not because nothing was analyzed.
        var diagnostics = await AnalyzeSampleAsync(static (file, text) =>
            file == "PlanReview.cs" ? text.Replace("MaxIterations = 3,", "", StringComparison.Ordinal) : text);

        var loop = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticDescriptors.LoopWithoutMaxIterationsId, loop.Id);
        Assert.Contains("Rule 'Resubmit' of flow 'plan-review' moves an execution from 'Revising' back to 'InReview'", loop.GetMessage(), StringComparison.Ordinal);
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeSampleAsync(Func<string, string, string> edit)
    {
        var folder = Path.Combine(Repository.Root, "samples", "PlanReview");
        var files = Directory.GetFiles(folder, "*.cs")
            .Order(StringComparer.Ordinal)
            .Select(path => (Name: Path.GetFileName(path), Text: File.ReadAllText(path)))
            .ToList();
        Assert.Contains(files, f => f.Name == "PlanReview.cs");
        Assert.Contains(files, f => f.Name == "ReviewDesk.cs");

        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files
            .Select(f => CSharpSyntaxTree.ParseText(edit(f.Name, f.Text), parseOptions, Path.Combine(folder, f.Name)))
            .Prepend(CSharpSyntaxTree.ParseText(ImplicitUsings, parseOptions, "GlobalUsings.g.cs"));
        var compilation = CSharpCompilation.Create(
            "PlanReviewSample",
            trees,
            References(),
            new CSharpCompilationOptions(
                OutputKind.ConsoleApplication,
                nullableContextOptions: NullableContextOptions.Enable,
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

        CSharpGeneratorDriver.Create(new FlowGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);

        // The sample with its generated code compiles, so the analyzers see what a build sees.
        var errors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));

        var analyzers = FlowTestReferences.AllAnalyzers().ToImmutableArray();
        var diagnostics = await generated.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.Where(d => d.Id.StartsWith("FLOW", StringComparison.Ordinal))];
    }

    private static IEnumerable<MetadataReference> References() =>
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        .. new[]
        {
            typeof(global::FlowSdk.MessageAttribute).Assembly.Location,
            typeof(global::MessagePack.MessagePackSerializer).Assembly.Location,
            typeof(global::MessagePack.KeyAttribute).Assembly.Location,
            typeof(global::System.Reactive.Unit).Assembly.Location,
            typeof(global::Microsoft.Extensions.Logging.ILogger).Assembly.Location,
            typeof(global::FlowSdk.Nats.NatsFlowInfrastructure).Assembly.Location,
            typeof(global::NATS.Client.Core.NatsConnection).Assembly.Location,
            typeof(global::NATS.Client.Core.INatsConnection).Assembly.Location,
            typeof(global::NATS.Client.JetStream.NatsJSContext).Assembly.Location,
            typeof(global::NATS.Client.KeyValueStore.NatsKVContext).Assembly.Location,
        }.Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path)),
    ];

    /// <summary>The global usings the SDK adds to a project with ImplicitUsings enabled.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;
}
