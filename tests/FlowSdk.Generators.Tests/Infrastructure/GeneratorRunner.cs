using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>Runs <see cref="FlowGenerator"/> the way the compiler does, with step tracking on for caching tests.</summary>
internal static class GeneratorRunner
{
    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new FlowGenerator().AsSourceGenerator()],
        parseOptions: TestCompilation.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorOutput Run(Compilation input) => Run(CreateDriver(), input);

    public static GeneratorOutput Run(GeneratorDriver driver, Compilation input)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        return new GeneratorOutput(driver, input, output, diagnostics, driver.GetRunResult().Results.Single());
    }
}

/// <summary>One generator run: the driver (to run again), its input and output compilations and its result.</summary>
internal sealed record GeneratorOutput(
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> DriverDiagnostics,
    GeneratorRunResult Result)
{
    /// <summary>The generated files by hint name, in ordinal order.</summary>
    public IReadOnlyList<GeneratedSourceResult> Sources =>
        [.. Result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal)];

    public string Source(string hintName) =>
        Result.GeneratedSources.SingleOrDefault(s => s.HintName == hintName).SourceText?.ToString()
        ?? throw new InvalidOperationException($"No generated file '{hintName}'; the generator wrote: {string.Join(", ", Sources.Select(s => s.HintName))}.");

    /// <summary>Fails when the generator threw or reported anything.</summary>
    public GeneratorOutput AssertClean()
    {
        Assert.Null(Result.Exception);
        Assert.True(
            DriverDiagnostics.IsEmpty && Result.Diagnostics.IsEmpty,
            "The generator reported diagnostics:" + Environment.NewLine + TestCompilation.Format(DriverDiagnostics.Concat(Result.Diagnostics)));
        return this;
    }
}
