using FlowSdk.Generators.Tests.Infrastructure;

namespace FlowSdk.Generators.Tests;

/// <summary>Generated types name the generator's version as its assembly (the package version) carries it.</summary>
public sealed class VersionTests
{
    [Fact]
    public void Every_generated_type_names_the_generators_own_version()
    {
        var version = typeof(FlowGenerator).Assembly.GetName().Version!;
        var expected = $"[global::System.CodeDom.Compiler.GeneratedCode(\"FlowSdk.Generators\", \"{version.Major}.{version.Minor}.{version.Build}\")]";

        var output = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();

        var marked = output.Sources.Where(s => s.SourceText.ToString().Contains("GeneratedCode(", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(marked);
        Assert.All(marked, s => Assert.Contains(expected, s.SourceText.ToString(), StringComparison.Ordinal));
    }
}
