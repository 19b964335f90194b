using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>
/// Compilations as a FlowSdk user's build makes them: .NET 10 reference assemblies, the FlowSdk
/// runtime and its dependencies, the SDK's implicit usings, nullable enabled, every warning wave on
/// and XML documentation comments checked (as with GenerateDocumentationFile).
/// </summary>
internal static class TestCompilation
{
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

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

    /// <summary>The global usings the SDK adds to a console or library project with ImplicitUsings enabled.</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;

        """;

    public static CSharpCompilation Create(IEnumerable<SourceFile> sources, string assemblyName = "FlowSdk.Generators.Tests.Input")
    {
        var trees = sources
            .Prepend(new SourceFile("GlobalUsings.g.cs", ImplicitUsings))
            .Select(file => CSharpSyntaxTree.ParseText(file.Text, ParseOptions, file.Path));
        return CSharpCompilation.Create(
            assemblyName,
            trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true,
                // As the SDK's default NoWarn does: MessagePack 2.x was built against an older System.Runtime.
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
    }

    /// <summary>Diagnostics that would show up in a build: warnings and errors, not hidden or info ones.</summary>
    public static ImmutableArray<Diagnostic> BuildDiagnostics(Compilation compilation) =>
        [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}

/// <summary>A source file of a test case: its path (which the generator sees) and its text.</summary>
internal sealed record SourceFile(string Path, string Text);
