using FlowSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs the generator over the code of an analyzer test, as a build does: when the user's code
/// compiles (FLOW diagnostics aside), the code generated from it must compile too. A declaration
/// the generator cannot turn into code that compiles is the analyzers' job to reject, at the
/// user's line, and the generator's to skip.
/// </summary>
internal static class GeneratedCode
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly MetadataReference[] References =
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

    /// <summary>
    /// The errors of the generated files when <paramref name="sources"/> (test markup allowed)
    /// compile without errors; an empty list when they do not compile, which is the compiler's to report.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Errors(params (string Name, string Markup)[] sources)
    {
        var trees = sources
            .Select(s =>
            {
                TestFileMarkupParser.GetSpans(s.Markup, out var code, out System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableArray<TextSpan>> _);
                return CSharpSyntaxTree.ParseText(code, ParseOptions, s.Name);
            })
            .ToList();
        var compilation = CSharpCompilation.Create(
            "GeneratedCodeCheck",
            trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
        if (compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return [];
        }

        CSharpGeneratorDriver.Create([new FlowGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var inputTrees = new HashSet<SyntaxTree>(trees);
        return
        [
            .. generatorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error),
            .. output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error
                && (d.Location.SourceTree is null || !inputTrees.Contains(d.Location.SourceTree))),
        ];
    }

    /// <summary>Fails when the code generated from <paramref name="markup"/> (with the shared test declarations) does not compile.</summary>
    public static void AssertCompiles(string markup)
    {
        var errors = Errors(("Test0.cs", markup), SharedSource.File);
        Assert.True(errors.Count == 0, "The generated code does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Take(10)));
    }
}
