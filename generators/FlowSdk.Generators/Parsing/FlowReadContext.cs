using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing;

/// <summary>
/// What the generator reads from one compilation: FlowSdk's symbols (<see cref="FlowSymbols"/>) and, per
/// type, its serialization model and message spec, each worked out once however many flows, rules and
/// pipelines ask for it. A compilation never changes, so neither does an answer; a new compilation (every
/// edit) gets a new context.
/// </summary>
internal sealed class FlowReadContext
{
    private static readonly ConditionalWeakTable<Compilation, FlowReadContext> Contexts = new();

    private readonly ConcurrentDictionary<ISymbol?, SerializedType> _states = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, SerializedType> _types = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, Optional<MessageSpec?>> _messages = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, Optional<MessageTypeSpec?>> _messageTypes = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, Optional<MessageSchemaSpec?>> _schemas = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, Optional<MessageDeclaration?>> _declarations = new(SymbolEqualityComparer.Default);

    private readonly ConcurrentDictionary<ISymbol?, string> _fullNames = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol?, string> _namespaces = new(SymbolEqualityComparer.Default);
    private string? _generatedNamespace;

    // The answers' factories, made once per context: a lambda that captures the context is a new delegate
    // (and one that captures an argument a new closure too) on every call, cached answer or not.
    private readonly Func<ISymbol?, SerializedType> _describeState;
    private readonly Func<ISymbol?, SerializedType> _describeType;
    private readonly Func<ISymbol?, Optional<MessageSpec?>> _parseMessage;
    private readonly Func<ISymbol?, Optional<MessageTypeSpec?>> _parseMessageType;
    private readonly Func<ISymbol?, Optional<MessageDeclaration?>> _readDeclaration;
    private readonly Func<ISymbol?, Optional<MessageSchemaSpec?>> _readSchema;

    private FlowReadContext(Compilation compilation)
    {
        Home = compilation.Assembly;
        SymbolsOrNull = FlowSymbols.Create(compilation);
        _describeState = t => SerializationModel.Describe((INamedTypeSymbol)t!, isFlowState: true, Home);
        _describeType = t => SerializationModel.Describe((INamedTypeSymbol)t!, isFlowState: false, Home);
        _parseMessage = t => new Optional<MessageSpec?>(FlowParser.ParseMessage((INamedTypeSymbol)t!, this));
        _parseMessageType = t => new Optional<MessageTypeSpec?>(FlowParser.ParseMessageType((INamedTypeSymbol)t!, this));
        _readDeclaration = t => new Optional<MessageDeclaration?>(MessageDeclaration.Read((ITypeSymbol)t!, Symbols));
        _readSchema = t => new Optional<MessageSchemaSpec?>(FlowGenerator.ManifestParser.Schema((ITypeSymbol)t!, this));
    }

    /// <summary>The compilation's assembly: where the formatters are generated.</summary>
    public IAssemblySymbol Home { get; }

    /// <summary>FlowSdk's symbols; only contexts of compilations that reference FlowSdk are handed out.</summary>
    public FlowSymbols Symbols => SymbolsOrNull!;

    private FlowSymbols? SymbolsOrNull { get; }

    /// <summary>The context of <paramref name="compilation"/>, or <see langword="null"/> when it does not reference FlowSdk.</summary>
    public static FlowReadContext? For(Compilation compilation)
    {
        var context = Contexts.GetValue(compilation, static c => new FlowReadContext(c));
        return context.SymbolsOrNull is null ? null : context;
    }

    /// <summary>The namespace of <see cref="Home"/>'s generated resolver and foreign formatters (<see cref="Formatter.GeneratedNamespace"/>), worked out once.</summary>
    public string GeneratedNamespace => _generatedNamespace ??= Formatter.GeneratedNamespace(Home);

    /// <summary>
    /// <paramref name="type"/> fully qualified, not annotated (<c>global::Ns.Type</c>), as <see cref="FlowParser.FullyQualified"/>
    /// displays it: once per type for the message spec, the formatter's spec and the schema, which each name it.
    /// </summary>
    public string FullName(INamedTypeSymbol type) =>
        HasTypeArguments(type) ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FlowParser.FullyQualified) : CachedName(type);

    /// <summary><paramref name="type"/> as generated code names it, without nullable annotations (<see cref="SymbolDisplayFormat.FullyQualifiedFormat"/>).</summary>
    public string PlainName(INamedTypeSymbol type) =>
        HasTypeArguments(type) ? type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) : CachedName(type);

    /// <summary>
    /// The namespace of <paramref name="type"/> as C# names it (<c>Ns.Inner</c>), empty for the global namespace:
    /// displayed once per namespace, however many types in it the message, formatter and resolver specs name.
    /// </summary>
    public string Namespace(INamedTypeSymbol type) =>
        type.ContainingNamespace.IsGlobalNamespace ? "" : _namespaces.GetOrAdd(type.ContainingNamespace, static ns => ns!.ToDisplayString());

    /// <summary>
    /// Whether the type or a type containing it has type arguments: only then do <see cref="FullName"/> and
    /// <see cref="PlainName"/> differ (the arguments' annotations), and only then is the name not cached, as the
    /// symbol comparer ignores those annotations.
    /// </summary>
    private static bool HasTypeArguments(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.Arity > 0)
            {
                return true;
            }
        }

        return false;
    }

    private string CachedName(INamedTypeSymbol type) =>
        _fullNames.GetOrAdd(type, static t => ((INamedTypeSymbol)t!).WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FlowParser.FullyQualified));

    /// <summary>How <paramref name="type"/> is serialized (<see cref="SerializationModel.Describe"/>) in <see cref="Home"/>, as a flow state or as any other type.</summary>
    public SerializedType Describe(INamedTypeSymbol type, bool isFlowState) =>
        isFlowState ? _states.GetOrAdd(type, _describeState) : _types.GetOrAdd(type, _describeType);

    /// <summary>The members of a flow state or message type; <see langword="null"/> when no formatter can create it.</summary>
    public SerializableTypeSpec? Serializable(INamedTypeSymbol type, bool isFlowState) => FlowParser.ParseSerializable(this, type, isFlowState);

    /// <summary>The message spec of a <c>[Message]</c> type (<see cref="FlowParser.ParseMessage"/>), or <see langword="null"/>.</summary>
    public MessageSpec? Message(ITypeSymbol? type) =>
        type is INamedTypeSymbol named
            ? _messages.GetOrAdd(named, _parseMessage).Value
            : null;

    /// <summary>The message type spec of a <c>[Message]</c> type declared here (<see cref="FlowParser.ParseMessageType"/>), or <see langword="null"/>.</summary>
    public MessageTypeSpec? MessageType(INamedTypeSymbol type) =>
        _messageTypes.GetOrAdd(type, _parseMessageType).Value;

    /// <summary>The <c>[Message]</c> declaration of <paramref name="type"/> (<see cref="MessageDeclaration.Read"/>), read once for its message spec and its schema.</summary>
    public MessageDeclaration? Declaration(ITypeSymbol type) =>
        _declarations.GetOrAdd(type, _readDeclaration).Value;

    /// <summary>The manifest's schema of a <c>[Message]</c> type, declared here or referenced (<see cref="FlowGenerator.ManifestParser.Schema"/>), or <see langword="null"/>.</summary>
    public MessageSchemaSpec? Schema(ITypeSymbol type) =>
        _schemas.GetOrAdd(type, _readSchema).Value;
}
