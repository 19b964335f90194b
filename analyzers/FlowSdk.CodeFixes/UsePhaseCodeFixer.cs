using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes FLOW0008 (a <c>From</c> or <c>To</c> that is not a phase of the flow) when the argument
/// says which phase it means, as a member of another enum (<c>OtherPhase.Review</c>) or a string
/// (<c>"Review"</c>): it writes the flow's member instead (<c>PlanPhase.Review</c>), and, when the
/// phase enum has no such member, adds it first (before the terminal phases, which conventionally
/// come last).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UsePhaseCodeFixer))]
[Shared]
public sealed class UsePhaseCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix that writes an existing phase.</summary>
    public const string UseKey = "FlowSdk.UsePhase";

    /// <summary>The equivalence key of the fix that adds the phase to the phase enum.</summary>
    public const string AddKey = "FlowSdk.AddPhase";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnknownPhaseId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var document = context.Document;
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || FlowSymbols.Create(model.Compilation) is not { } symbols)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(RuleMethodAnalyzer.PhaseNameProperty, out var phase) || phase is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax argument
                || argument.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { ContainingType: { } rulesClass }
                || rulesClass.RulesState(symbols) is not { } state
                || FlowDeclaration.Read(state, symbols) is not { PhaseEnum: { } phaseEnum } flow)
            {
                continue;
            }

            var enumName = phaseEnum.ToMinimalDisplayString(model, argument.SpanStart);
            var replacement = enumName + "." + phase;
            if (flow.FindPhase(phase) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        title: $"Use '{replacement}'",
                        createChangedDocument: _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(
                            argument, SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(argument)))),
                        equivalenceKey: UseKey),
                    diagnostic);
            }
            else if (phaseEnum.DeclaringSyntaxReferences.FirstOrDefault() is { } reference
                && document.Project.Solution.GetDocument(reference.SyntaxTree) is { } enumDocument
                && SyntaxFacts.IsValidIdentifier(phase))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        title: $"Add phase '{phase}' to '{phaseEnum.Name}'",
                        createChangedSolution: cancellationToken => AddPhaseAsync(
                            document, argument.Span, replacement, enumDocument, reference, phase, cancellationToken),
                        equivalenceKey: AddKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Solution> AddPhaseAsync(
        Document document, TextSpan argument, string replacement, Document enumDocument, SyntaxReference enumReference, string phase, CancellationToken cancellationToken)
    {
        if (await enumReference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not EnumDeclarationSyntax declaration)
        {
            return document.Project.Solution;
        }

        var enumText = await enumDocument.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var addition = AddMember(declaration, enumText, phase);
        var replace = new TextChange(argument, replacement);

        var solution = document.Project.Solution;
        if (enumDocument.Id == document.Id)
        {
            return solution.WithDocumentText(document.Id, enumText.WithChanges(addition, replace));
        }

        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        return solution
            .WithDocumentText(document.Id, text.WithChanges(replace))
            .WithDocumentText(enumDocument.Id, enumText.WithChanges(addition));
    }

    /// <summary>
    /// The text change that adds <paramref name="name"/> to the enum, written the way the enum is:
    /// on its own line in a multi-line enum, inline in a one-line enum.
    /// </summary>
    private static TextChange AddMember(EnumDeclarationSyntax declaration, SourceText text, string name)
    {
        var members = declaration.Members;
        var multiline = text.Lines.GetLineFromPosition(declaration.OpenBraceToken.SpanStart).LineNumber
            != text.Lines.GetLineFromPosition(declaration.CloseBraceToken.SpanStart).LineNumber;

        var before = members.IndexOf(static m => m.AttributeLists.SelectMany(static l => l.Attributes).Any(IsTerminalPhase));
        if (members.Count == 0)
        {
            return new TextChange(new TextSpan(declaration.OpenBraceToken.Span.End, 0), " " + name + " ");
        }

        if (before >= 0)
        {
            var next = members[before];
            if (!multiline)
            {
                return new TextChange(new TextSpan(next.SpanStart, 0), name + ", ");
            }

            // Before the terminal member's line, doc comment and attributes included, at its indentation.
            var line = text.Lines.GetLineFromPosition(next.SpanStart);
            var indentation = text.ToString(TextSpan.FromBounds(line.Start, line.Start + (line.ToString().Length - line.ToString().TrimStart().Length)));
            var start = text.Lines.GetLineFromPosition(next.FullSpan.Start).Start;
            return new TextChange(new TextSpan(start, 0), indentation + name + "," + NewLine(text, line));
        }

        var last = members[members.Count - 1];
        var lastLine = text.Lines.GetLineFromPosition(last.SpanStart);
        var lastIndentation = text.ToString(TextSpan.FromBounds(lastLine.Start, lastLine.Start + (lastLine.ToString().Length - lastLine.ToString().TrimStart().Length)));
        if (members.SeparatorCount == members.Count)
        {
            // A trailing comma: the new member goes after it.
            var comma = members.GetSeparator(members.Count - 1);
            return multiline
                ? new TextChange(new TextSpan(comma.FullSpan.End, 0), lastIndentation + name + "," + NewLine(text, lastLine))
                : new TextChange(new TextSpan(comma.Span.End, 0), " " + name + ",");
        }

        return new TextChange(
            new TextSpan(last.Span.End, 0),
            multiline ? "," + NewLine(text, lastLine) + lastIndentation + name : ", " + name);
    }

    private static bool IsTerminalPhase(AttributeSyntax attribute)
    {
        var name = attribute.Name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => "",
        };
        return name is "TerminalPhase" or "TerminalPhaseAttribute";
    }

    private static string NewLine(SourceText text, TextLine line) =>
        line.EndIncludingLineBreak > line.End ? text.ToString(TextSpan.FromBounds(line.End, line.EndIncludingLineBreak)) : "\n";
}
