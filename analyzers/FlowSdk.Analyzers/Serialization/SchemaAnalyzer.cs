using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.Analyzers.Serialization;

/// <summary>
/// Compares the serialized types with the schema file, <c>flowsdk.schema.json</c> (an additional file;
/// without one, nothing is checked): FLOW0103 for what the file does not record yet, FLOW0104-FLOW0106
/// for changes that break data written before (a key removed, a key's type changed, a retired key used
/// again), FLOW0107 for a file that cannot be read. Nothing is reported while the build rewrites the file
/// (<c>FlowSdk_UpdateSchema=true</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SchemaAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        SerializationDescriptors.SchemaOutOfDate,
        SerializationDescriptors.KeyRemoved,
        SerializationDescriptors.KeyTypeChanged,
        SerializationDescriptors.KeyReused,
        SerializationDescriptors.SchemaFileInvalid);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationAction(static compilation =>
        {
            var file = compilation.Options.AdditionalFiles.FirstOrDefault(static f => string.Equals(Path.GetFileName(f.Path), SchemaFile.FileName, StringComparison.OrdinalIgnoreCase));
            if (file is null || FlowSymbols.Create(compilation.Compilation) is null)
            {
                return;
            }

            if (compilation.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue("build_property." + SchemaFile.UpdateProperty, out var update)
                && string.Equals(update?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            Analyze(compilation, file);
        });
    }

    private static void Analyze(CompilationAnalysisContext context, AdditionalText file)
    {
        if (file.GetText(context.CancellationToken) is not { } text)
        {
            return;
        }

        var recorded = SchemaFile.Parse(text.ToString(), out var error, out var errorSpan);
        if (error is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(SerializationDescriptors.SchemaFileInvalid, FileLocation(file, text, errorSpan), file.Path, error));
            return;
        }

        var graph = SerializationGraph.Of(context.Compilation);
        var byName = graph.Types.Values
            .GroupBy(static t => SerializationModel.TypeName(t.Type), StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.First(), StringComparer.Ordinal);
        var code = graph.Symbols is { } symbols ? SerializationModel.Schema(graph.Roots, symbols) : Array.Empty<SchemaType>();
        foreach (var difference in SchemaFile.Compare(recorded, code))
        {
            byName.TryGetValue(difference.Type, out var type);
            var typeLocation = TypeLocation(type);
            var memberLocation = MemberLocation(type, difference.Key) ?? typeLocation;
            var fileLocation = difference.FileSpan is { } span ? FileLocation(file, text, span) : null;
            var additional = fileLocation is null ? null : new[] { fileLocation };
            var diagnostic = difference.Change switch
            {
                SchemaChange.NewType => Diagnostic.Create(SerializationDescriptors.SchemaOutOfDate, typeLocation, $"the serialized type '{difference.Type}'"),
                SchemaChange.NewKey => Diagnostic.Create(SerializationDescriptors.SchemaOutOfDate, memberLocation, type?.IsEnum == true ? $"the member '{difference.Key}' of enum '{difference.Type}'" : $"the key '{difference.Key}' ({difference.NewType}) of '{difference.Type}'"),
                SchemaChange.CompatibleTypeChange => Diagnostic.Create(SerializationDescriptors.SchemaOutOfDate, memberLocation, additional, $"that the key '{difference.Key}' of '{difference.Type}' is now {difference.NewType} (it records {difference.OldType}; data written before still reads)"),
                SchemaChange.KeyRemoved => Diagnostic.Create(SerializationDescriptors.KeyRemoved, typeLocation, additional, difference.Type, difference.Key, type?.IsEnum == true ? "an enum member" : difference.OldType),
                SchemaChange.TypeChanged => Diagnostic.Create(SerializationDescriptors.KeyTypeChanged, difference.Key is null ? typeLocation : memberLocation, additional, difference.Type, difference.Key ?? "(the type itself)", difference.OldType, difference.NewType),
                _ => Diagnostic.Create(SerializationDescriptors.KeyReused, memberLocation, additional, difference.Type, difference.Key, difference.OldType),
            };
            context.ReportDiagnostic(diagnostic);
        }
    }

    private static Location TypeLocation(SerializedType? type) =>
        type?.Type.Locations.FirstOrDefault(static l => l.IsInSource) ?? Location.None;

    private static Location? MemberLocation(SerializedType? type, string? key)
    {
        if (type is null || key is null)
        {
            return null;
        }

        var symbol = type.IsEnum
            ? type.EnumMembers.FirstOrDefault(m => m.Name == key)?.Field
            : (ISymbol?)type.Members.FirstOrDefault(m => m.Key == key)?.Symbol;
        return symbol?.Locations.FirstOrDefault(static l => l.IsInSource);
    }

    private static Location FileLocation(AdditionalText file, SourceText text, LinePositionSpan span)
    {
        var lines = text.Lines;
        if (span.Start.Line >= lines.Count)
        {
            return Location.Create(file.Path, new TextSpan(text.Length, 0), span);
        }

        return Location.Create(file.Path, lines.GetTextSpan(span), span);
    }
}
