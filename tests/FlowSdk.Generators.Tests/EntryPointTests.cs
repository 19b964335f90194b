using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using FlowSdk.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Generators.Tests;

/// <summary>The flow catalog, and the entry point of an Exe that holds nothing but annotated classes.</summary>
public sealed class EntryPointTests
{
    private static readonly MetadataReference Hosting = MetadataReference.CreateFromFile(typeof(FlowSdk.Hosting.FlowCli).Assembly.Location);

    [Fact]
    public void An_exe_with_only_annotated_classes_gets_a_main_that_runs_the_command_line()
    {
        var output = Run(Exe(), withHosting: true);

        var entryPoint = output.Output.GetEntryPoint(CancellationToken.None);
        Assert.NotNull(entryPoint);
        Assert.Equal("FlowSdk.Generated.FlowSdkEntryPoint", entryPoint.ContainingType.ToDisplayString());
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
        Assert.Contains("global::FlowSdk.Hosting.FlowCli.RunAsync(args, AssemblyFlows.All)", output.Source("FlowSdk.Catalog.g.cs"));
    }

    [Theory]
    [InlineData("await System.Threading.Tasks.Task.CompletedTask;")]
    [InlineData("namespace Mine { internal static class Program { private static void Main() { } } }")]
    public void An_exe_with_its_own_main_keeps_it(string program)
    {
        var output = Run(Exe(new SourceFile("Program.cs", program)), withHosting: true);

        Assert.DoesNotContain("FlowSdkEntryPoint", output.Source("FlowSdk.Catalog.g.cs"));
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
    }

    [Fact]
    public void The_entry_point_can_be_switched_off_and_needs_the_hosting_library()
    {
        var off = Run(Exe(), withHosting: true, ("build_property.FlowSdk_GenerateEntryPoint", "false"));
        var noHosting = Run(Exe(), withHosting: false);
        var library = Run(Cases.PlanReview(), withHosting: true);

        Assert.DoesNotContain("FlowSdkEntryPoint", off.Source("FlowSdk.Catalog.g.cs"));
        Assert.DoesNotContain("FlowSdkEntryPoint", noHosting.Source("FlowSdk.Catalog.g.cs"));
        Assert.DoesNotContain("FlowSdkEntryPoint", library.Source("FlowSdk.Catalog.g.cs"));
    }

    [Fact]
    public void The_catalog_lists_every_flow_of_the_assembly()
    {
        var output = Run(Cases.PlanReview(), withHosting: false);

        var catalog = output.Source("FlowSdk.Catalog.g.cs");
        Assert.Contains("global::PlanReviewSample.PlanReviewFlow.Definition,", catalog);
        Assert.Contains("global::PlanReviewSample.ReviewDeskFlow.Definition,", catalog);
    }

    private static CSharpCompilation Exe(params SourceFile[] extra)
    {
        var compilation = TestCompilation.Create([.. Cases.PlanReviewSources().Where(s => !s.Path.EndsWith("Program.cs", StringComparison.Ordinal)), .. extra], "ExeCase");
        return compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
    }

    private static GeneratorOutput Run(CSharpCompilation compilation, bool withHosting, params (string Key, string Value)[] properties)
    {
        if (withHosting)
        {
            compilation = compilation.AddReferences(Hosting);
        }

        var driver = CSharpGeneratorDriver.Create(
            [new FlowGenerator().AsSourceGenerator()],
            parseOptions: TestCompilation.ParseOptions,
            optionsProvider: new Properties(properties.ToImmutableDictionary(p => p.Key, p => p.Value)));
        return GeneratorRunner.Run(driver, compilation).AssertClean();
    }

    private sealed class Properties(ImmutableDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(ImmutableDictionary<string, string>.Empty);

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
