using System.Collections.Concurrent;
using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers.Serialization;

/// <summary>
/// Checks the members of every type a flow state or message reaches, as the generated formatters will
/// read and write them: FLOW0101 (a member whose type cannot be serialized) and FLOW0102 (an invalid
/// key), at the member. The generator skips such members quietly; the build fails here instead of at
/// run time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SerializableMemberAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        SerializationDescriptors.MemberNotSerializable,
        SerializationDescriptors.InvalidKey);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is null)
            {
                return;
            }

            var graph = new Lazy<SerializationGraph>(() => SerializationGraph.Of(start.Compilation), LazyThreadSafetyMode.ExecutionAndPublication);
            var reported = new ConcurrentDictionary<ISymbol, byte>(SymbolEqualityComparer.Default);
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, graph.Value, reported), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, SerializationGraph graph, ConcurrentDictionary<ISymbol, byte> reported)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!graph.Types.TryGetValue(type, out var described))
        {
            return;
        }

        var home = context.Compilation.Assembly;
        foreach (var member in described.Members)
        {
            var location = member.Symbol.Locations.FirstOrDefault(static l => l.IsInSource);
            if (location?.SourceTree is null || !context.Compilation.ContainsSyntaxTree(location.SourceTree) || !reported.TryAdd(member.Symbol, 0))
            {
                // Declared in another assembly, or already reported for another type that inherits it.
                continue;
            }

            if (member.KeyProblem is { } keyProblem)
            {
                var keyLocation = member.KeyAttribute?.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? location;
                context.ReportDiagnostic(Diagnostic.Create(SerializationDescriptors.InvalidKey, keyLocation, member.Name, type.Name, keyProblem));
            }

            if (SerializationModel.MemberProblem(member, home) is { Length: > 0 } problem)
            {
                context.ReportDiagnostic(Diagnostic.Create(SerializationDescriptors.MemberNotSerializable, location, member.Name, type.Name, problem));
            }
        }
    }
}
