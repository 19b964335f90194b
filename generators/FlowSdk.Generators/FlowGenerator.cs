using System;
using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators;

/// <summary>
/// FlowSdk's incremental generator. For every flow it emits the execution bookkeeping on the state
/// class, the flow definition with its dispatch table, a typed client and MessagePack formatters.
/// </summary>
/// <remarks>
/// Each attribute is read by one <c>ForAttributeWithMetadataName</c> whose transform maps the shared
/// declarations (<c>Parsing/Shared</c>, which the analyzers read too) to value-equal specs; what the flow,
/// serialization and manifest outputs each need is picked from those specs by a step of its own, so that
/// an edit regenerates only the outputs whose part changed. No step after the transforms sees a symbol.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class FlowGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var flowInputs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                FlowSymbols.FlowAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => ReadFlow((INamedTypeSymbol)ctx.TargetSymbol, FlowReadContext.For(ctx.SemanticModel.Compilation)));

        var messageInputs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                FlowSymbols.MessageAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => ReadMessage((INamedTypeSymbol)ctx.TargetSymbol, FlowReadContext.For(ctx.SemanticModel.Compilation)));

        var states = Pick(flowInputs, static f => f.State).WithTrackingName(TrackingNames.FlowStates);

        var rulesInputs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                FlowSymbols.RulesAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ReadRulesClass((INamedTypeSymbol)ctx.TargetSymbol, FlowReadContext.For(ctx.SemanticModel.Compilation), ct));

        var rulesClasses = Pick(rulesInputs, static r => r.Rules).WithTrackingName(TrackingNames.RulesClasses);

        var messages = Pick(messageInputs, static m => m.Type).WithTrackingName(TrackingNames.MessageTypes);

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
        RegisterManifest(context, flows, Pick(flowInputs, static f => f.Source), rulesInputs.SelectMany(static (r, _) => r.Sources), Pick(messageInputs, static m => m.Schema));
        RegisterSerialization(context, Pick(flowInputs, static f => f.Serialization), Pick(messageInputs, static m => m.Serialization));
    }

    /// <summary>What the generator reads from a class marked <c>[Flow&lt;TPhase&gt;]</c>: its flow, what its state reaches, where it is.</summary>
    private static FlowInput ReadFlow(INamedTypeSymbol type, FlowReadContext? context)
    {
        if (context is null)
        {
            return FlowInput.None;
        }

        var state = FlowParser.ParseFlowState(type, context);
        return new FlowInput(
            state,
            state is null ? null : FlowParser.ParseSerializationRoot(type, null, context),
            ManifestParser.FlowSource(type));
    }

    /// <summary>
    /// What the generator reads from a class marked <c>[Rules&lt;TState&gt;]</c>: its rules, and for the
    /// manifest where each rule method is. Read together, so the manifest needs no pipeline of its own over
    /// every <c>[Rule]</c> method, which a cached run would run again for each of them.
    /// </summary>
    private static RulesClassInput ReadRulesClass(INamedTypeSymbol type, FlowReadContext? context, System.Threading.CancellationToken cancellationToken)
    {
        if (context is null || FlowParser.ParseRulesClass(type, FlowParser.SortKey(type.DeclaringSyntaxReferences.FirstOrDefault(), cancellationToken), context) is not { } rules)
        {
            return RulesClassInput.None;
        }

        return new RulesClassInput(rules, ManifestParser.RuleSources(type, rules, context));
    }

    /// <summary>What the generator reads from a type marked <c>[Message]</c>: its formatter, what it reaches, its schema.</summary>
    private static MessageInput ReadMessage(INamedTypeSymbol type, FlowReadContext? context)
    {
        if (context is null)
        {
            return MessageInput.None;
        }

        var message = context.MessageType(type);
        return new MessageInput(
            message,
            message is null ? null : FlowParser.ParseSerializationRoot(type, message, context),
            context.Schema(type));
    }

    /// <summary>The non-null <typeparamref name="TPart"/> of each input.</summary>
    private static IncrementalValuesProvider<TPart> Pick<TInput, TPart>(IncrementalValuesProvider<TInput> inputs, Func<TInput, TPart?> part)
        where TPart : class =>
        inputs.SelectMany((input, _) => part(input) is { } value ? ImmutableArray.Create(value) : ImmutableArray<TPart>.Empty);

    private static FlowSpec Join(FlowStateSpec state, ImmutableArray<RulesClassSpec> rulesClasses)
    {
        var classes = rulesClasses
            .Where(r => r.StateFullName == state.State.FullName)
            .OrderBy(r => r.SortKey, System.StringComparer.Ordinal)
            .ToEquatableArray();
        return new FlowSpec(state, classes, classes.SelectMany(r => r.Rules).ToEquatableArray());
    }

    // The transforms' values are sealed classes, as every stage value of this pipeline is: Roslyn's node
    // tables and comparers over a reference type share the canonical code that every generator of a build
    // uses, where a struct (or a tuple holding one) makes a new compiler process JIT-compile a copy of about
    // a hundred methods for it (docs/benchmarks.md, "The generator's share of a clean build").

    /// <summary>A <c>[Flow]</c> class, read once for the flow, serialization and manifest outputs.</summary>
    private sealed record FlowInput(FlowStateSpec? State, SerializationRootSpec? Serialization, FlowSourceSpec? Source)
    {
        /// <summary>Nothing read: the compilation does not reference FlowSdk.</summary>
        public static readonly FlowInput None = new(null, null, null);
    }

    /// <summary>A <c>[Rules]</c> class, read once for the flow and manifest outputs.</summary>
    private sealed record RulesClassInput(RulesClassSpec? Rules, EquatableArray<RuleSourceSpec> Sources)
    {
        /// <summary>Nothing read: not a rules class, or the compilation does not reference FlowSdk.</summary>
        public static readonly RulesClassInput None = new(null, EquatableArray<RuleSourceSpec>.Empty);
    }

    /// <summary>A <c>[Message]</c> type, read once for the formatter, serialization and manifest outputs.</summary>
    private sealed record MessageInput(MessageTypeSpec? Type, SerializationRootSpec? Serialization, MessageSchemaSpec? Schema)
    {
        /// <summary>Nothing read: the compilation does not reference FlowSdk.</summary>
        public static readonly MessageInput None = new(null, null, null);
    }
}
