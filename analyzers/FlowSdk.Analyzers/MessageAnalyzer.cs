using System.Collections.Immutable;
using FlowSdk.Common;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each type marked <c>[Message]</c> on its own: FLOW0015 (invalid subject, at the subject
/// argument), FLOW0017 (several correlation keys) and FLOW0007 (no serializer can be generated),
/// at the type name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidSubject,
        DiagnosticDescriptors.MessageWithSeveralCorrelationKeys,
        DiagnosticDescriptors.MessageNotSerializable,
        DiagnosticDescriptors.CorrelationKeyType);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (MessageDeclaration.Read(type, symbols) is not { } message)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        if (SubjectRules.Validate(message.Subject, allowWildcards: false) is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidSubject,
                message.Attribute.ConstructorArgumentLocation(0, cancellationToken),
                message.Subject ?? "",
                $"message '{type.Name}'",
                problem));
        }

        var typeLocation = type.DeclarationLocation(message.Attribute, cancellationToken);
        if (message.CorrelationKeys.Length > 1)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.MessageWithSeveralCorrelationKeys,
                typeLocation,
                message.CorrelationKeys.SelectMany(static k => k.Locations).Where(static l => l.IsInSource),
                type.Name,
                message.CorrelationKeys.Length,
                string.Join(", ", message.CorrelationKeys.Select(static k => k.Name))));
        }

        foreach (var key in message.CorrelationKeys.Take(1))
        {
            if (!MessageDeclaration.IsCorrelationKeyType(key.Type))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.CorrelationKeyType,
                    key.Locations.FirstOrDefault(static l => l.IsInSource) ?? typeLocation,
                    key.Name,
                    type.Name,
                    key.Type.ToDisplayString(SymbolExtensions.ShortFormat)));
            }
        }

        var (reason, fix) = type.IsGenericType
            ? ("is generic", "Declare a non-generic message type")
            : type.IsAbstract
            ? ("is abstract, so no serializer can create one", "Mark the concrete message types derived from it with [Message] instead, each with its own subject")
            : MessageDeclaration.HasSerializableConstructor(type)
                ? (null, null)
                : ("has no public constructor whose parameters each match a public property by name and type",
                   "Add one, or a public parameterless constructor and settable properties");
        if (reason is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.MessageNotSerializable,
                typeLocation,
                type.Name,
                message.Subject ?? "",
                reason,
                fix));
        }
    }
}
