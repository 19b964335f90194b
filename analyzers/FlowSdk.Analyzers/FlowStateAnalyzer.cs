using System.Collections.Immutable;
using FlowSdk.Common;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each class marked <c>[Flow&lt;TPhase&gt;]</c> on its own: FLOW0001 (not partial, at each
/// declaration's name), FLOW0007 (a shape the generator cannot use, at the class name), FLOW0019
/// (an invalid id) and FLOW0015 / FLOW0026 (an invalid lifecycle subject or timeout), at the argument.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowStateAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] LifecycleSubjects = ["OnCompleted", "OnFailed", "OnEscalated", "OnTimedOut", "Events"];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.FlowStateNotPartial,
        DiagnosticDescriptors.FlowStateNotUsable,
        DiagnosticDescriptors.InvalidFlowId,
        DiagnosticDescriptors.InvalidSubject,
        DiagnosticDescriptors.InvalidDuration,
        DiagnosticDescriptors.AmbiguousDuration,
        DiagnosticDescriptors.InvalidLimit,
        DiagnosticDescriptors.PhaseEnumEmpty,
        DiagnosticDescriptors.FlowStateMemberReserved,
        DiagnosticDescriptors.StateMemberNotRoundTripped);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Not a FlowSdk project: nothing to check.
            if (FlowSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.NamedType);
        });
    }

    /// <summary>
    /// FLOW0030: members of the state whose value the generated formatter does not write, though a
    /// rule can change it. The formatter writes public properties with a public setter (or <c>init</c>)
    /// and public fields that are not read-only; computed properties and members marked
    /// <c>[IgnoreMember]</c> or <c>[IgnoreDataMember]</c> are left out on purpose.
    /// </summary>
    private static void CheckRoundTrip(SymbolAnalysisContext context, INamedTypeSymbol type, FlowDeclaration flow)
    {
        foreach (var member in type.GetMembers())
        {
            if (member.IsStatic
                || member.IsImplicitlyDeclared
                || member.Locations.FirstOrDefault(static l => l.IsInSource) is not { } location
                || FlowDeclaration.IsGenerated(location.SourceTree)
                || member.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() is SerializationModel.IgnoreMemberAttributeName or SerializationModel.IgnoreDataMemberAttributeName))
            {
                continue;
            }

            string? why = null, fix = null;
            switch (member)
            {
                case IPropertySymbol { IsIndexer: false } property when IsAutoProperty(type, property):
                    var isPublic = property.DeclaredAccessibility == Accessibility.Public && property.GetMethod?.DeclaredAccessibility == Accessibility.Public;
                    if (!isPublic)
                    {
                        (why, fix) = ("is not public, so the generated formatter does not write it", "Make it a public property with a public setter, or mark it [IgnoreMember] if losing it is intended");
                    }
                    else if (property.SetMethod is null && CanChangeInPlace(property.Type))
                    {
                        (why, fix) = ("is get-only, so the generated formatter does not write it and reads back the constructor's value", "Give it a public setter: { get; set; }");
                    }
                    else if (property.SetMethod is { DeclaredAccessibility: not Accessibility.Public })
                    {
                        (why, fix) = ("has no public setter, so the generated formatter does not write it", "Make its setter public");
                    }

                    break;
                case IFieldSymbol { IsConst: false, AssociatedSymbol: null } field:
                    if (field.DeclaredAccessibility != Accessibility.Public)
                    {
                        if (!field.IsReadOnly || CanChangeInPlace(field.Type))
                        {
                            (why, fix) = ("is not public, so the generated formatter does not write it", "Make it a public property with a public setter, or mark it [IgnoreMember] if losing it is intended");
                        }
                    }
                    else if (field.IsReadOnly && CanChangeInPlace(field.Type))
                    {
                        (why, fix) = ("is a read-only field, so the generated formatter does not write it and reads back the constructor's value", "Make it a property with a public setter: { get; set; }");
                    }

                    break;
            }

            if (why is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.StateMemberNotRoundTripped, location, member.Name, type.Name, flow.DisplayName, why, fix));
            }
        }
    }

    /// <summary>Whether a property stores its value in a field of its own (an auto-property), rather than computing it.</summary>
    private static bool IsAutoProperty(INamedTypeSymbol type, IPropertySymbol property)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { AssociatedSymbol: { } associated } && SymbolEqualityComparer.Default.Equals(associated, property))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a value of <paramref name="type"/> can change without being assigned: a reference type other than string.</summary>
    private static bool CanChangeInPlace(ITypeSymbol type) =>
        type.IsReferenceType && type.SpecialType != SpecialType.System_String && type.TypeKind != TypeKind.Delegate;

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (FlowDeclaration.Read(type, symbols) is not { } flow)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        foreach (var declaration in type.TypeDeclarations(cancellationToken))
        {
            if (!declaration.IsPartial())
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.FlowStateNotPartial,
                    declaration.Identifier.GetLocation(),
                    type.Name));
            }
        }

        var (problem, fix) = FlowDeclaration.FindProblem(type, checkPartial: false) switch
        {
            FlowStateProblem.Nested => ($"is nested in '{type.ContainingType?.Name}'", "Declare it at the top level of a namespace"),
            FlowStateProblem.Generic => ("is generic", "Remove its type parameters"),
            FlowStateProblem.Abstract => (type.IsStatic ? "is static" : "is abstract", "Make it a concrete class: the runtime creates the state of each execution"),
            FlowStateProblem.NoPublicParameterlessConstructor => ("has no public parameterless constructor", "Add one: the runtime creates the state of each new execution with it"),
            _ => (null, null),
        };
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.FlowStateNotUsable,
                type.DeclarationLocation(flow.Attribute, cancellationToken),
                type.Name,
                flow.DisplayName,
                problem,
                fix));
        }

        if (FlowIdSyntax.Validate(flow.Id) is { } idProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidFlowId,
                flow.Attribute.ConstructorArgumentLocation(0, cancellationToken),
                flow.Id ?? "",
                type.Name,
                idProblem));
        }

        foreach (var named in flow.Attribute.NamedArguments)
        {
            if (Array.IndexOf(LifecycleSubjects, named.Key) >= 0
                && named.Value.Value is string subject
                && SubjectRules.Validate(subject, allowWildcards: false) is { } subjectProblem)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidSubject,
                    flow.Attribute.NamedArgumentLocation(named.Key, cancellationToken),
                    subject,
                    named.Key == "Events" ? $"the lifecycle event prefix of flow '{flow.DisplayName}'" : $"the {named.Key} event of flow '{flow.DisplayName}'",
                    subjectProblem));
            }

        }

        AttributeValues.CheckDuration(context.ReportDiagnostic, flow.Attribute, "Timeout", $"flow '{flow.DisplayName}'", "the whole flow", cancellationToken);
        AttributeValues.CheckLimit(context.ReportDiagnostic, flow.Attribute, "MaxIterations", $"flow '{flow.DisplayName}'", cancellationToken);

        if (flow.PhaseEnum is { } phaseEnum && flow.Phases.IsEmpty)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PhaseEnumEmpty,
                flow.Attribute.TypeArgumentLocation(cancellationToken),
                flow.DisplayName,
                phaseEnum.Name));
        }

        CheckRoundTrip(context, type, flow);

        if (problem is null && FlowDeclaration.FindGeneratedName(type) is { } reserved)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.FlowStateMemberReserved,
                reserved.Locations.FirstOrDefault(static l => l.IsInSource) ?? type.DeclarationLocation(flow.Attribute, cancellationToken),
                type.Name,
                flow.DisplayName,
                reserved.Name,
                string.Join(", ", FlowDeclaration.GeneratedMemberNames) + ", and the class " + type.Name + "Flow"));
        }
    }
}
