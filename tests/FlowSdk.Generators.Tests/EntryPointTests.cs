using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using FlowSdk.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace FlowSdk.Generators.Tests;

/// <summary>The flow catalog, and the entry point of an Exe that holds nothing but annotated classes.</summary>
public sealed class EntryPointTests(ITestOutputHelper log)
{
    private static readonly MetadataReference Hosting = MetadataReference.CreateFromFile(typeof(FlowSdk.Hosting.FlowCli).Assembly.Location);

    private static readonly MetadataReference Nats = MetadataReference.CreateFromFile(typeof(FlowSdk.Nats.NatsFlowInfrastructure).Assembly.Location);

    /// <summary>What FlowSdk.Nats brings along in a real project: the generated entry point binds its options from configuration.</summary>
    private static readonly MetadataReference Configuration = MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Configuration.IConfiguration).Assembly.Location);

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

    [Fact]
    public void Without_FlowSdk_Nats_the_entry_point_has_no_nats_connector()
    {
        var output = Run(Exe(), withHosting: true);

        // FlowCli then answers --nats with an error that names the package (tests/FlowSdk.Hosting.Tests).
        var catalog = output.Source("FlowSdk.Catalog.g.cs");
        Assert.DoesNotContain("Connect", catalog);
        Assert.DoesNotContain("FlowSdk.Nats", catalog);
    }

    [Fact]
    public void An_exe_that_references_FlowSdk_Nats_connects_the_command_line_through_it()
    {
        var output = Run(Exe(), withHosting: true, withNats: true);

        var catalog = output.Source("FlowSdk.Catalog.g.cs");
        Assert.Contains("new global::FlowSdk.Hosting.FlowCliEnvironment { Connect = ConnectNatsAsync }", catalog);
        Assert.Contains("global::FlowSdk.Nats.NatsFlowInfrastructure.ConnectAsync(", catalog);
        Assert.Equal("FlowSdk.Generated.FlowSdkEntryPoint", output.Output.GetEntryPoint(CancellationToken.None)?.ContainingType.ToDisplayString());

        // Against the real FlowSdk.Nats and FlowSdk.Hosting: no error, no warning.
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
    }

    [Fact]
    public void FlowSdk_Nats_alone_does_not_make_an_entry_point()
    {
        var library = Run(Cases.PlanReview(), withHosting: true, withNats: true);
        var noHosting = Run(Exe(), withHosting: false, withNats: true);
        var off = Run(Exe(), withHosting: true, withNats: true, ("build_property.FlowSdk_GenerateEntryPoint", "false"));

        Assert.DoesNotContain("FlowSdkEntryPoint", library.Source("FlowSdk.Catalog.g.cs"));
        Assert.DoesNotContain("FlowSdkEntryPoint", noHosting.Source("FlowSdk.Catalog.g.cs"));
        Assert.DoesNotContain("FlowSdkEntryPoint", off.Source("FlowSdk.Catalog.g.cs"));
    }

    [Theory]
    [InlineData(false, "OrdersHostWithoutNats")]
    [InlineData(true, "OrdersHost")]
    public void The_orders_host_generates_its_entry_point_baseline(bool withNats, string baseline)
    {
        var orders = TestCompilation.Create([new SourceFile("Orders.cs", File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "Orders", "Orders.cs")))], "Orders");
        var output = Run(orders.WithOptions(orders.Options.WithOutputKind(OutputKind.ConsoleApplication)), withHosting: true, withNats: withNats);

        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
        Baselines.Verify(baseline, output, log, hintName => hintName == "FlowSdk.Catalog.g.cs");
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
        => Run(compilation, withHosting, withNats: false, properties);

    private static GeneratorOutput Run(CSharpCompilation compilation, bool withHosting, bool withNats, params (string Key, string Value)[] properties)
    {
        if (withHosting)
        {
            compilation = compilation.AddReferences(Hosting);
        }

        if (withNats)
        {
            compilation = compilation.AddReferences(Nats, Configuration);
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
