using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes FLOW0033 (a rule that takes no state but sets what needs an execution) the other way round
/// from <see cref="RemoveAttributeArgumentCodeFixer"/>: the rule takes the flow's state as its first
/// parameter, so it fires for an execution and what it sets takes effect.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TakeStateCodeFixer))]
[Shared]
public sealed class TakeStateCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.TakeState";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.StatelessRuleActsOnExecutionId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || FlowSymbols.Create(model.Compilation) is not { } symbols)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not IMethodSymbol { ContainingType: { } rulesClass } rule
                || rulesClass.RulesState(symbols) is not { } state)
            {
                continue;
            }

            var type = state.ToMinimalDisplayString(model, method.ParameterList.SpanStart);
            var name = ParameterName(state.Name, rule);
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Take the flow's state: {type} {name}",
                    createChangedDocument: cancellationToken => InsertAsync(context.Document, method.ParameterList, $"{type} {name}", cancellationToken),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    /// <summary>The state type's name in camel case, made unique among the rule's parameters.</summary>
    private static string ParameterName(string typeName, IMethodSymbol rule)
    {
        var name = char.ToLowerInvariant(typeName[0]) + typeName.Substring(1);
        var taken = new HashSet<string>(rule.Parameters.Select(static p => p.Name), StringComparer.Ordinal);
        var candidate = name;
        for (var i = 2; taken.Contains(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static async Task<Document> InsertAsync(Document document, ParameterListSyntax parameters, string parameter, CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var separator = parameters.Parameters.Count == 0 ? "" : ", ";
        return document.WithText(text.WithChanges(new TextChange(new TextSpan(parameters.OpenParenToken.Span.End, 0), parameter + separator)));
    }
}
