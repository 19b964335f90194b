using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators;

/// <summary>
/// FlowSdk's incremental generator. For every flow it emits the execution bookkeeping on the state
/// class, the flow definition with its dispatch table, a typed client and MessagePack formatters.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class FlowGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var states = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.FlowAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => FlowParser.ParseFlowState((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0]))
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(TrackingNames.FlowStates);

        var rulesClasses = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.RulesAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => FlowParser.ParseRulesClass((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], FlowParser.SortKey(ctx.TargetSymbol.DeclaringSyntaxReferences.FirstOrDefault(), ct)))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(TrackingNames.RulesClasses);

        var messages = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.MessageAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => FlowParser.ParseMessageType((INamedTypeSymbol)ctx.TargetSymbol))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.MessageTypes);

        var flows = states
            .Combine(rulesClasses.Collect())
            .Select(static (pair, _) => Join(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Flows);

        // Hint names are namespace-qualified, as the formatters' are: two flows named alike in different
        // namespaces would otherwise collide, and AddSource throws on a duplicate hint name.
        context.RegisterSourceOutput(flows, static (spc, flow) =>
            spc.AddSource(flow.State.State.FullName.Replace("global::", "") + ".Flow.g.cs", Emitter.EmitFlow(flow)));

        context.RegisterSourceOutput(messages, static (spc, message) =>
            spc.AddSource(message.Message.FormatterFullName.Replace("global::", "") + ".g.cs", Emitter.EmitMessageFormatter(message)));

        RegisterHost(context, states);
        RegisterManifest(context, flows);
        RegisterSerialization(context);
    }

    private static FlowSpec Join(FlowStateSpec state, ImmutableArray<RulesClassSpec> rulesClasses)
    {
        var classes = rulesClasses
            .Where(r => r.StateFullName == state.State.FullName)
            .OrderBy(r => r.SortKey, System.StringComparer.Ordinal)
            .ToEquatableArray();
        return new FlowSpec(state, classes, classes.SelectMany(r => r.Rules).ToEquatableArray());
    }
}
