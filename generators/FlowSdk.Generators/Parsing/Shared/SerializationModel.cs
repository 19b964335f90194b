using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>How a value of some type travels on the wire (docs/serialization.md).</summary>
internal enum ShapeKind
{
    /// <summary>The type cannot be serialized; <see cref="TypeShape.Problem"/> says why.</summary>
    Unsupported,

    /// <summary><c>bool</c>, an integer type, <c>float</c>, <c>double</c> or <c>char</c>: a MessagePack primitive.</summary>
    Primitive,

    /// <summary><c>string</c>: a MessagePack string.</summary>
    String,

    /// <summary><c>byte[]</c>: MessagePack bin.</summary>
    Bytes,

    /// <summary><c>Guid</c>: its 36-character string.</summary>
    Guid,

    /// <summary><c>decimal</c>: its invariant string.</summary>
    Decimal,

    /// <summary><c>DateTime</c>: a MessagePack timestamp.</summary>
    DateTime,

    /// <summary><c>DateTimeOffset</c>: [timestamp, offset minutes].</summary>
    DateTimeOffset,

    /// <summary><c>TimeSpan</c>: ticks.</summary>
    TimeSpan,

    /// <summary>An enum: the member's name (its number when it has none).</summary>
    Enum,

    /// <summary>A class, record or struct: a map keyed by member name.</summary>
    Object,

    /// <summary><c>Nullable&lt;T&gt;</c>: nil or the value.</summary>
    Nullable,

    /// <summary><c>T[]</c>: an array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>: an array.</summary>
    List,

    /// <summary><c>IEnumerable&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>, <c>ICollection&lt;T&gt;</c>, <c>IReadOnlyCollection&lt;T&gt;</c>: an array, read as a <c>List&lt;T&gt;</c>.</summary>
    Sequence,

    /// <summary><c>HashSet&lt;T&gt;</c>, <c>ISet&lt;T&gt;</c>, <c>IReadOnlySet&lt;T&gt;</c>: an array, read as a <c>HashSet&lt;T&gt;</c>.</summary>
    Set,

    /// <summary><c>Dictionary&lt;K, V&gt;</c>, <c>IDictionary&lt;K, V&gt;</c>, <c>IReadOnlyDictionary&lt;K, V&gt;</c>: a map.</summary>
    Dictionary,
}

/// <summary>How a member's type is serialized: its kind, and the shapes of its type arguments (element, key, value).</summary>
internal sealed class TypeShape
{
    private TypeShape(ShapeKind kind, ITypeSymbol type, ImmutableArray<TypeShape> arguments, string? keyword, string? problem)
    {
        Kind = kind;
        Type = type;
        Arguments = arguments;
        Keyword = keyword;
        Problem = problem;
    }

    public ShapeKind Kind { get; }

    public ITypeSymbol Type { get; }

    /// <summary>Element (collections, <c>Nullable</c>), or key and value (dictionaries).</summary>
    public ImmutableArray<TypeShape> Arguments { get; }

    /// <summary>For <see cref="ShapeKind.Primitive"/>: the C# keyword (<c>int</c>, <c>bool</c>...).</summary>
    public string? Keyword { get; }

    /// <summary>Why the type cannot be serialized; empty for a type the compiler already reports (an error type).</summary>
    public string? Problem { get; }

    /// <summary>Whether <see cref="NamedTypes"/> has any: an object or an enum, or a shape with type arguments that may hold one.</summary>
    public bool HasNamedTypes => Kind is ShapeKind.Object or ShapeKind.Enum || !Arguments.IsEmpty;

    /// <summary>The named types (objects and enums) this shape holds, itself included.</summary>
    public IEnumerable<INamedTypeSymbol> NamedTypes()
    {
        if (Kind is ShapeKind.Object or ShapeKind.Enum && Type is INamedTypeSymbol named)
        {
            yield return (INamedTypeSymbol)named.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        }

        foreach (var argument in Arguments)
        {
            foreach (var inner in argument.NamedTypes())
            {
                yield return inner;
            }
        }
    }

    /// <summary>The first problem in this shape or its arguments, or <see langword="null"/>.</summary>
    public string? FirstProblem()
    {
        if (Problem is not null)
        {
            return Problem;
        }

        foreach (var argument in Arguments)
        {
            if (argument.FirstProblem() is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    public static TypeShape Of(ITypeSymbol type, IAssemblySymbol home)
    {
        TypeShape Simple(ShapeKind kind, string? keyword = null) => new(kind, type, ImmutableArray<TypeShape>.Empty, keyword, null);
        TypeShape Unsupported(string problem) => new(ShapeKind.Unsupported, type, ImmutableArray<TypeShape>.Empty, null, problem);
        TypeShape Composite(ShapeKind kind, params TypeShape[] arguments) => new(kind, type, arguments.ToImmutableArray(), null, null);

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16
                or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64
                or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Char:
                return Simple(ShapeKind.Primitive, TypeNames.Keyword(type));
            case SpecialType.System_String: return Simple(ShapeKind.String);
            case SpecialType.System_Decimal: return Simple(ShapeKind.Decimal);
            case SpecialType.System_DateTime: return Simple(ShapeKind.DateTime);
            case SpecialType.System_Object: return Unsupported("'object' has no fixed shape to read back; use a concrete type");
        }

        switch (type)
        {
            case IErrorTypeSymbol:
                return Unsupported("");
            case IArrayTypeSymbol array:
                if (array.Rank != 1)
                {
                    return Unsupported("multi-dimensional arrays are not supported; use an array of arrays or a list");
                }

                return array.ElementType.SpecialType == SpecialType.System_Byte
                    ? Simple(ShapeKind.Bytes)
                    : Composite(ShapeKind.Array, Of(array.ElementType, home));
            case IDynamicTypeSymbol:
                return Unsupported("'dynamic' has no fixed shape to read back; use a concrete type");
            case ITypeParameterSymbol:
                return Unsupported("a type parameter has no fixed shape; the generator writes formatters for closed types only");
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return Unsupported("pointers cannot be serialized");
            case not INamedTypeSymbol:
                return Unsupported($"'{Display(type)}' cannot be serialized");
        }

        var named = (INamedTypeSymbol)type;
        if (named.TypeKind == TypeKind.Delegate)
        {
            return Unsupported("delegates cannot be serialized");
        }

        switch (WellKnownName(named.OriginalDefinition))
        {
            case "System.Guid": return Simple(ShapeKind.Guid);
            case "System.DateTimeOffset": return Simple(ShapeKind.DateTimeOffset);
            case "System.TimeSpan": return Simple(ShapeKind.TimeSpan);
            case "System.Nullable<T>": return Composite(ShapeKind.Nullable, Of(named.TypeArguments[0], home));
            case "System.Collections.Generic.List<T>": return Composite(ShapeKind.List, Of(named.TypeArguments[0], home));
            case "System.Collections.Generic.IEnumerable<T>":
            case "System.Collections.Generic.IReadOnlyList<T>":
            case "System.Collections.Generic.IList<T>":
            case "System.Collections.Generic.ICollection<T>":
            case "System.Collections.Generic.IReadOnlyCollection<T>":
                return Composite(ShapeKind.Sequence, Of(named.TypeArguments[0], home));
            case "System.Collections.Generic.HashSet<T>":
            case "System.Collections.Generic.ISet<T>":
            case "System.Collections.Generic.IReadOnlySet<T>":
                var element = Of(named.TypeArguments[0], home);
                return IsHashable(element)
                    ? Composite(ShapeKind.Set, element)
                    : new TypeShape(ShapeKind.Unsupported, type, ImmutableArray.Create(element), null, $"set elements must be {HashableTypes}, so that reading untrusted data cannot be slowed down by crafted hash collisions");
            case "System.Collections.Generic.Dictionary<TKey, TValue>":
            case "System.Collections.Generic.IDictionary<TKey, TValue>":
            case "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>":
                var key = Of(named.TypeArguments[0], home);
                var value = Of(named.TypeArguments[1], home);
                return IsHashable(key)
                    ? Composite(ShapeKind.Dictionary, key, value)
                    : new TypeShape(ShapeKind.Unsupported, type, ImmutableArray.Create(key, value), null, $"dictionary keys must be {HashableTypes}, so that other MessagePack readers can use them and reading untrusted data cannot be slowed down by crafted hash collisions");
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return Accessible(named, home) is { } hidden ? Unsupported(hidden) : Simple(ShapeKind.Enum);
        }

        if (named.TypeKind is TypeKind.Interface)
        {
            return Unsupported("an interface has no single shape to read back; use a concrete type");
        }

        if (IsSystemOrMicrosoftNamespace(named.ContainingNamespace))
        {
            return Unsupported($"'{Display(named)}' is not a type FlowSdk serializes (see docs/serialization.md for the supported types)");
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return Unsupported($"'{Display(named)}' cannot be serialized");
        }

        if (named.IsAbstract || named.IsStatic)
        {
            return Unsupported("an abstract class has no single shape to read back (FlowSdk writes no type tags); use a concrete type");
        }

        for (var t = named; t is not null; t = t.ContainingType)
        {
            if (t.IsGenericType)
            {
                return Unsupported("generic types are not supported; declare a non-generic type");
            }
        }

        return Accessible(named, home) is { } inaccessible ? Unsupported(inaccessible) : Simple(ShapeKind.Object);
    }

    /// <summary>
    /// The display string (<c>System.Collections.Generic.List&lt;T&gt;</c>) of an original definition that
    /// <see cref="Of"/> gives a shape by name, or <see langword="null"/> for any other type: the same answer as
    /// <c>ToDisplayString()</c> for those, from names alone, without writing a display string per member type.
    /// </summary>
    private static string? WellKnownName(INamedTypeSymbol definition)
    {
        if (definition.ContainingType is not null || definition.ContainingNamespace is not { } ns || ns.IsGlobalNamespace)
        {
            return null;
        }

        var parent = ns.ContainingNamespace;
        if (ns.Name == "System" && parent is { IsGlobalNamespace: true })
        {
            return definition.Name switch
            {
                "Guid" or "DateTimeOffset" or "TimeSpan" when definition.Arity == 0 => "System." + definition.Name,
                "Nullable" when HasTypeParameters(definition, "T") => "System.Nullable<T>",
                _ => null,
            };
        }

        if (ns.Name != "Generic" || parent is not { Name: "Collections" } || parent.ContainingNamespace is not { Name: "System" } system
            || system.ContainingNamespace is not { IsGlobalNamespace: true })
        {
            return null;
        }

        return definition.Name switch
        {
            "List" or "IEnumerable" or "IReadOnlyList" or "IList" or "ICollection" or "IReadOnlyCollection" or "HashSet" or "ISet" or "IReadOnlySet"
                when HasTypeParameters(definition, "T") => "System.Collections.Generic." + definition.Name + "<T>",
            "Dictionary" or "IDictionary" or "IReadOnlyDictionary"
                when HasTypeParameters(definition, "TKey", "TValue") => "System.Collections.Generic." + definition.Name + "<TKey, TValue>",
            _ => null,
        };

        static bool HasTypeParameters(INamedTypeSymbol type, params string[] names)
        {
            var parameters = type.TypeParameters;
            if (parameters.Length != names.Length)
            {
                return false;
            }

            for (var i = 0; i < names.Length; i++)
            {
                if (parameters[i].Name != names[i])
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Whether the namespace is <c>System</c> or within it, or within <c>Microsoft</c> (not <c>Microsoft</c> itself).</summary>
    private static bool IsSystemOrMicrosoftNamespace(INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return false;
        }

        var depth = 1;
        while (ns.ContainingNamespace is { IsGlobalNamespace: false } parent)
        {
            ns = parent;
            depth++;
        }

        return ns.Name == "System" || (ns.Name == "Microsoft" && depth > 1);
    }

    internal static string Display(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString();

    private const string HashableTypes = "string, an integer type, char, bool, an enum or Guid";

    /// <summary>Whether values of the shape may be dictionary keys or set elements: types whose equality is plain and whose hashing FlowSdk randomizes.</summary>
    private static bool IsHashable(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.String or ShapeKind.Enum or ShapeKind.Guid => true,
        ShapeKind.Primitive => shape.Keyword is not ("float" or "double"),
        _ => false,
    };

    /// <summary>Why generated code in <paramref name="home"/> cannot name <paramref name="type"/>, or <see langword="null"/>.</summary>
    private static string? Accessible(INamedTypeSymbol type, IAssemblySymbol home)
    {
        var sameAssembly = SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, home);
        for (var t = type; t is not null; t = t.ContainingType)
        {
            var ok = t.DeclaredAccessibility switch
            {
                Accessibility.Public => true,
                Accessibility.Internal or Accessibility.ProtectedOrInternal => sameAssembly,
                _ => false,
            };
            if (!ok)
            {
                return $"'{Display(t)}' is not accessible to the generated formatter; make it public or internal";
            }
        }

        return null;
    }
}

/// <summary>How a serialized member gets its value when an instance is read.</summary>
internal enum MemberAssignment
{
    /// <summary>Passed to the constructor the formatter calls.</summary>
    Constructor,

    /// <summary>An <c>init</c> accessor, set in the object initializer.</summary>
    Init,

    /// <summary>A <c>set</c> accessor or a field, assigned after construction when the data has it.</summary>
    Set,

    /// <summary>A <c>required</c> member, set in the object initializer; data without it is an error.</summary>
    Required,
}

/// <summary>A member a generated formatter reads and writes: a public property or field.</summary>
internal sealed class SerializedMember
{
    public SerializedMember(ISymbol symbol, ITypeSymbol type, string key, AttributeData? keyAttribute, string? keyProblem, TypeShape shape, MemberAssignment assignment, IParameterSymbol? parameter)
    {
        Symbol = symbol;
        Type = type;
        Key = key;
        KeyAttribute = keyAttribute;
        KeyProblem = keyProblem;
        Shape = shape;
        Assignment = assignment;
        Parameter = parameter;
    }

    /// <summary>The property or field.</summary>
    public ISymbol Symbol { get; }

    public string Name => Symbol.Name;

    public ITypeSymbol Type { get; }

    /// <summary>The key on the wire: the member's name, or its <c>[Key("...")]</c>.</summary>
    public string Key { get; }

    /// <summary>The member's <c>[Key]</c> attribute, if any.</summary>
    public AttributeData? KeyAttribute { get; }

    /// <summary>Why the key is invalid (FLOW0102), or <see langword="null"/>.</summary>
    public string? KeyProblem { get; }

    public TypeShape Shape { get; }

    public MemberAssignment Assignment { get; }

    /// <summary>The constructor parameter the member is bound to, for <see cref="MemberAssignment.Constructor"/>.</summary>
    public IParameterSymbol? Parameter { get; }

    /// <summary>Whether nil is a valid value: a nullable reference (or one without nullable annotations) or a <c>Nullable&lt;T&gt;</c>.</summary>
    public bool IsNullable => SerializationModel.IsNullable(Type);
}

/// <summary>A member of an enum as it is written.</summary>
internal sealed class SerializedEnumMember
{
    public SerializedEnumMember(IFieldSymbol field, object value, bool isFirstWithValue)
    {
        Field = field;
        Value = value;
        IsFirstWithValue = isFirstWithValue;
    }

    public IFieldSymbol Field { get; }

    public string Name => Field.Name;

    public object Value { get; }

    /// <summary>Whether it is the first member with its value: the one a value is written as.</summary>
    public bool IsFirstWithValue { get; }
}

/// <summary>A class, record, struct or enum as generated formatters read and write it.</summary>
internal sealed class SerializedType
{
    public SerializedType(INamedTypeSymbol type, ImmutableArray<SerializedMember> members, ImmutableArray<SerializedEnumMember> enumMembers, IMethodSymbol? constructor, string? problem)
    {
        Type = type;
        Members = members;
        EnumMembers = enumMembers;
        Constructor = constructor;
        Problem = problem;
    }

    public INamedTypeSymbol Type { get; }

    public bool IsEnum => Type.TypeKind == TypeKind.Enum;

    /// <summary>The serialized members in wire order (the type's own, then its base types'); empty for an enum.</summary>
    public ImmutableArray<SerializedMember> Members { get; }

    /// <summary>For an enum, its members in declaration order.</summary>
    public ImmutableArray<SerializedEnumMember> EnumMembers { get; }

    /// <summary>The constructor a formatter calls.</summary>
    public IMethodSymbol? Constructor { get; }

    /// <summary>Why no formatter can create the type (no usable constructor...), or <see langword="null"/>.</summary>
    public string? Problem { get; }
}

/// <summary>
/// What FlowSdk serializes and how: the members of a type, the shapes of their types, the types a flow
/// state or message reaches. The generator writes formatters from it and the analyzers check it, so the
/// two never disagree about what is serialized.
/// </summary>
internal static class SerializationModel
{
    public const string KeyAttributeName = "MessagePack.KeyAttribute";
    public const string IgnoreMemberAttributeName = "MessagePack.IgnoreMemberAttribute";
    public const string IgnoreDataMemberAttributeName = "System.Runtime.Serialization.IgnoreDataMemberAttribute";

    /// <summary>The key FlowSdk keeps an execution's bookkeeping under in a state map; keys starting with '$' are reserved.</summary>
    public const string ExecutionKey = "$execution";

    public static bool IsNullable(ITypeSymbol type) =>
        type.NullableAnnotation == NullableAnnotation.Annotated
        || (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.None)
        || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

    /// <summary>Reads how <paramref name="type"/> is serialized.</summary>
    /// <param name="type">A class, struct, record or enum.</param>
    /// <param name="isFlowState">A flow state: the runtime creates it with its public parameterless constructor.</param>
    /// <param name="home">The assembly the formatter is generated in (for accessibility).</param>
    public static SerializedType Describe(INamedTypeSymbol type, bool isFlowState, IAssemblySymbol home)
    {
        if (type.TypeKind == TypeKind.Enum)
        {
            return new SerializedType(type, ImmutableArray<SerializedMember>.Empty, EnumMembers(type), null, null);
        }

        var candidates = Candidates(type).ToList();
        var constructor = ChooseConstructor(type, candidates, isFlowState);
        string? problem = null;
        if (type.IsAbstract || type.IsStatic)
        {
            problem = "is abstract";
        }
        else if (constructor is null)
        {
            problem = isFlowState
                ? "has no public parameterless constructor"
                : "has no public constructor whose parameters each match a public property by name and type, nor a public parameterless one";
        }

        var members = ImmutableArray.CreateBuilder<SerializedMember>(candidates.Count);

        // The public model hands out a new array of parameters on every call: read them once.
        var parameters = constructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        foreach (var (symbol, memberType, ignored) in candidates)
        {
            if (ignored)
            {
                continue;
            }

            var parameter = ParameterNamed(parameters, symbol.Name);
            MemberAssignment assignment;
            if (parameter is not null)
            {
                assignment = MemberAssignment.Constructor;
            }
            else if (symbol is IPropertySymbol property)
            {
                if (property.SetMethod is not { DeclaredAccessibility: Accessibility.Public } setter)
                {
                    // Get-only: computed, or set by the constructor from other data. Not serialized.
                    continue;
                }

                assignment = property.IsRequired ? MemberAssignment.Required : setter.IsInitOnly ? MemberAssignment.Init : MemberAssignment.Set;
            }
            else
            {
                var field = (IFieldSymbol)symbol;
                if (field.IsReadOnly)
                {
                    continue;
                }

                assignment = field.IsRequired ? MemberAssignment.Required : MemberAssignment.Set;
            }

            var (key, keyAttribute, keyProblem) = Key(symbol);
            if (keyProblem is null && KeyIsTaken(members, key))
            {
                keyProblem = $"the key '{key}' is already used by another member of '{type.Name}'";
            }

            members.Add(new SerializedMember(symbol, memberType, key, keyAttribute, keyProblem, TypeShape.Of(memberType, home), assignment, parameter));
        }

        if (problem is null)
        {
            // The object initializer must set every required member, or the generated code does not compile.
            var unset = candidates.FirstOrDefault(c => IsRequired(c.Symbol) && !members.Any(m => SymbolEqualityComparer.Default.Equals(m.Symbol, c.Symbol)));
            if (unset.Symbol is not null)
            {
                problem = $"has the required member '{unset.Symbol.Name}', which the formatter cannot set";
            }
        }

        return new SerializedType(type, members.Count == members.Capacity ? members.MoveToImmutable() : members.ToImmutable(), ImmutableArray<SerializedEnumMember>.Empty, constructor, problem);
    }

    /// <summary>
    /// Whether a member already read uses <paramref name="key"/> as its key: a scan of the few members of a
    /// type instead of a set of their keys built for each type. A member left out for its key's problem
    /// (<see cref="SerializedMember.KeyProblem"/>) did not take its key, as it was never added to the set.
    /// </summary>
    private static bool KeyIsTaken(ImmutableArray<SerializedMember>.Builder members, string key)
    {
        for (var i = 0; i < members.Count; i++)
        {
            if (members[i].KeyProblem is null && string.Equals(members[i].Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The types a root (a flow state or a message) reaches through its serialized members, the root first,
    /// each once, in breadth-first order. Types that cannot be described further (unsupported ones) are left out.
    /// </summary>
    public static ImmutableArray<SerializedType> Closure(INamedTypeSymbol root, bool rootIsFlowState) =>
        Closure(root, rootIsFlowState, (type, isFlowState) => Describe(type, isFlowState, root.ContainingAssembly));

    /// <summary>
    /// <see cref="Closure(INamedTypeSymbol, bool)"/> with the types described by <paramref name="describe"/>
    /// (<see cref="Describe"/>, or a cache of its answers); a type is described in <paramref name="root"/>'s assembly.
    /// </summary>
    public static ImmutableArray<SerializedType> Closure(INamedTypeSymbol root, bool rootIsFlowState, Func<INamedTypeSymbol, bool, SerializedType> describe)
    {
        var result = ImmutableArray.CreateBuilder<SerializedType>();
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default) { root };
        var pending = new Queue<SerializedType>();
        pending.Enqueue(describe(root, rootIsFlowState));
        while (pending.Count > 0)
        {
            var type = pending.Dequeue();
            result.Add(type);
            foreach (var member in type.Members)
            {
                if (!member.Shape.HasNamedTypes)
                {
                    continue;
                }

                foreach (var named in member.Shape.NamedTypes())
                {
                    if (seen.Add(named))
                    {
                        pending.Enqueue(describe(named, false));
                    }
                }
            }
        }

        return result.ToImmutable();
    }

    /// <summary>
    /// Why <paramref name="member"/> cannot be serialized, or <see langword="null"/>: its type's shape is
    /// unsupported, or a type it holds cannot be created by a formatter; for types from other assemblies
    /// (whose members no diagnostic can point at), any problem deeper in them counts too.
    /// </summary>
    public static string? MemberProblem(SerializedMember member, IAssemblySymbol home)
    {
        if (member.Shape.FirstProblem() is { } problem)
        {
            return problem;
        }

        if (member.Shape.Kind != ShapeKind.Object && member.Shape.Arguments.IsEmpty)
        {
            // No named type but an enum, which has no problem of its own (TypeProblem): nothing to walk.
            return null;
        }

        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var named in member.Shape.NamedTypes())
        {
            if (TypeProblem(named, home, seen) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static string? TypeProblem(INamedTypeSymbol type, IAssemblySymbol home, HashSet<INamedTypeSymbol> seen)
    {
        if (type.TypeKind == TypeKind.Enum || !seen.Add(type) || Formatter.Existing(type, home) is not null)
        {
            return null;
        }

        var described = Describe(type, false, home);
        if (described.Problem is { } problem)
        {
            return $"'{TypeShape.Display(type)}' {problem}";
        }

        if (type.Locations.Any(l => l.IsInSource) && SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, home))
        {
            // Declared here: its own members carry their diagnostics.
            return null;
        }

        foreach (var member in described.Members)
        {
            if (member.Shape.FirstProblem() is { Length: > 0 } memberProblem)
            {
                return $"its member '{type.Name}.{member.Name}' cannot be serialized: {memberProblem}";
            }

            foreach (var named in member.Shape.NamedTypes())
            {
                if (TypeProblem(named, home, seen) is { } inner)
                {
                    return inner;
                }
            }
        }

        return null;
    }

    /// <summary>The schema file's entry of a serialized type: its kind and its keys (an enum's member names) with their types.</summary>
    /// <param name="type">The type.</param>
    /// <param name="isFlowState">Whether it is the flow state whose closure is walked (a state reached from a message is an object).</param>
    /// <param name="symbols">FlowSdk's symbols, which tell a message type.</param>
    public static SchemaType SchemaEntry(SerializedType type, bool isFlowState, FlowSymbols symbols)
    {
        var kind = isFlowState ? "state" : symbols.IsMessage(type.Type) ? "message" : type.IsEnum ? "enum" : "object";
        var members = type.IsEnum
            ? type.EnumMembers.Select(m => new SchemaKey(m.Name, ""))
            : type.Members.Select(m => new SchemaKey(m.Key, SchemaType(m)));
        return new SchemaType(TypeName(type.Type), kind, members.ToList());
    }

    /// <summary>
    /// The schema of every type the given roots reach, each once, ordered by name; a type that is a flow
    /// state is recorded as one even when a message reaches it too.
    /// </summary>
    public static IReadOnlyList<SchemaType> Schema(IEnumerable<(INamedTypeSymbol Root, bool IsFlowState)> roots, FlowSymbols symbols)
    {
        var entries = new Dictionary<string, SchemaType>(StringComparer.Ordinal);
        foreach (var (root, isFlowState) in roots)
        {
            foreach (var type in Closure(root, isFlowState))
            {
                var entry = SchemaEntry(type, isFlowState && SymbolEqualityComparer.Default.Equals(type.Type, root), symbols);
                if (!entries.TryGetValue(entry.Name, out var known) || known.Kind == "object")
                {
                    entries[entry.Name] = entry;
                }
            }
        }

        return entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList();
    }

    /// <summary>A member's type as the schema file names it; '?' marks a member that may be nil.</summary>
    public static string SchemaType(SerializedMember member) => SchemaType(member.Shape, member.IsNullable && member.Type.IsReferenceType);

    /// <summary>The type as the schema file names it: the wire form, not the C# one (<c>List&lt;int&gt;</c> and <c>int[]</c> are both <c>array&lt;int&gt;</c>).</summary>
    public static string SchemaType(TypeShape shape, bool nullable)
    {
        var name = shape.Kind switch
        {
            ShapeKind.Primitive => shape.Keyword!,
            ShapeKind.String => "string",
            ShapeKind.Bytes => "bytes",
            ShapeKind.Guid => "Guid",
            ShapeKind.Decimal => "decimal",
            ShapeKind.DateTime => "DateTime",
            ShapeKind.DateTimeOffset => "DateTimeOffset",
            ShapeKind.TimeSpan => "TimeSpan",
            ShapeKind.Enum or ShapeKind.Object => TypeName((INamedTypeSymbol)shape.Type),
            ShapeKind.Nullable => SchemaType(shape.Arguments[0], false) + "?",
            ShapeKind.Array or ShapeKind.List or ShapeKind.Sequence or ShapeKind.Set => "array<" + SchemaType(shape.Arguments[0], false) + ">",
            ShapeKind.Dictionary => "map<" + SchemaType(shape.Arguments[0], false) + ", " + SchemaType(shape.Arguments[1], false) + ">",
            _ => shape.Type.ToDisplayString(),
        };
        return nullable ? name + "?" : name;
    }

    /// <summary>A type's name in the schema file: namespace-qualified, nested types joined with '.'.</summary>
    public static string TypeName(INamedTypeSymbol type) => type.ToDisplayString(TypeNameFormat);

    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.CSharpErrorMessageFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None)
        .WithGenericsOptions(SymbolDisplayGenericsOptions.IncludeTypeParameters);

    /// <summary>A C# identifier as it can be written in code: keywords get an '@'.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static bool IsRequired(ISymbol symbol) => symbol switch
    {
        IPropertySymbol p => p.IsRequired,
        IFieldSymbol f => f.IsRequired,
        _ => false,
    };

    private static (string Key, AttributeData? Attribute, string? Problem) Key(ISymbol member)
    {
        // Only an attribute class named KeyAttribute is displayed, to compare its full name.
        var attribute = member.GetAttributes().FirstOrDefault(static a => a.AttributeClass is { Name: "KeyAttribute" } c && c.ToDisplayString() == KeyAttributeName);
        if (attribute is null)
        {
            return (member.Name, null, null);
        }

        var argument = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0] : default;
        if (argument.Value is not string key)
        {
            return (member.Name, attribute, argument.Value is int
                ? "FlowSdk writes maps keyed by name, so an integer key has no place on the wire; give the key as a string, [Key(\"name\")], or leave the attribute out"
                : "the key must be a string");
        }

        if (key.Length == 0)
        {
            return (member.Name, attribute, "the key must not be empty");
        }

        if (key[0] == '$')
        {
            return (member.Name, attribute, $"keys starting with '$' are reserved for FlowSdk (the state's '{ExecutionKey}')");
        }

        return (key, attribute, null);
    }

    /// <summary>
    /// The public instance properties (with a public getter) and fields of the type, its own first, then
    /// its base types'; a member hidden by one of the same name is left out. Ignored members are listed
    /// (a constructor may still take them) and flagged.
    /// </summary>
    private static IEnumerable<(ISymbol Symbol, ITypeSymbol Type, bool Ignored)> Candidates(INamedTypeSymbol type)
    {
        // Names repeat only across a type and its base types: a type without one needs no set.
        var seen = type.BaseType is null or { SpecialType: SpecialType.System_Object or SpecialType.System_ValueType } ? null : new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                ITypeSymbol memberType;
                switch (member)
                {
                    case IPropertySymbol property when !property.IsStatic && !property.IsIndexer && property.DeclaredAccessibility == Accessibility.Public
                        && property.GetMethod is { DeclaredAccessibility: Accessibility.Public } && !property.IsImplicitlyDeclared:
                        memberType = property.Type;
                        break;
                    case IFieldSymbol field when !field.IsStatic && !field.IsConst && field.DeclaredAccessibility == Accessibility.Public && !field.IsImplicitlyDeclared:
                        memberType = field.Type;
                        break;
                    default:
                        continue;
                }

                if (seen is not null && !seen.Add(member.Name))
                {
                    continue;
                }

                // Only an attribute class of one of those names is displayed, to compare its full name.
                var ignored = member.GetAttributes().Any(static a => a.AttributeClass is { Name: "IgnoreMemberAttribute" or "IgnoreDataMemberAttribute" } c
                    && c.ToDisplayString() is IgnoreMemberAttributeName or IgnoreDataMemberAttributeName);
                yield return (member, memberType, ignored);
            }
        }
    }

    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<(ISymbol Symbol, ITypeSymbol Type, bool Ignored)> candidates, bool preferParameterless)
    {
        IMethodSymbol? best = null;
        var bestCount = 0;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            // The public model hands out a new array of parameters on every call: read them once.
            var parameters = constructor.Parameters;

            // A record's copy constructor is not a way to build one from its members.
            if (parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(parameters[0].Type, type))
            {
                continue;
            }

            if (preferParameterless && parameters.Length == 0)
            {
                return constructor;
            }

            if (IsBindable(parameters, candidates) && (best is null || parameters.Length > bestCount))
            {
                best = constructor;
                bestCount = parameters.Length;
            }
        }

        return preferParameterless ? null : best;
    }

    /// <summary>Whether each parameter is a plain one that matches a candidate member by name (ignoring case) and type (ignoring nullability).</summary>
    private static bool IsBindable(ImmutableArray<IParameterSymbol> parameters, List<(ISymbol Symbol, ITypeSymbol Type, bool Ignored)> candidates)
    {
        foreach (var p in parameters)
        {
            if (p.RefKind != RefKind.None)
            {
                return false;
            }

            var parameterType = p.Type.WithNullableAnnotation(NullableAnnotation.None);
            var found = false;
            foreach (var c in candidates)
            {
                if (string.Equals(c.Symbol.Name, p.Name, StringComparison.OrdinalIgnoreCase)
                    && SymbolEqualityComparer.Default.Equals(c.Type.WithNullableAnnotation(NullableAnnotation.None), parameterType))
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first parameter named <paramref name="name"/> (ignoring case), or <see langword="null"/>.</summary>
    private static IParameterSymbol? ParameterNamed(ImmutableArray<IParameterSymbol> parameters, string name)
    {
        foreach (var p in parameters)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }

        return null;
    }

    private static ImmutableArray<SerializedEnumMember> EnumMembers(INamedTypeSymbol type)
    {
        var result = ImmutableArray.CreateBuilder<SerializedEnumMember>();
        var values = new HashSet<object>();
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.HasConstantValue && field.ConstantValue is { } value)
            {
                result.Add(new SerializedEnumMember(field, value, values.Add(value)));
            }
        }

        return result.ToImmutable();
    }
}

/// <summary>Where the formatter of a class, record, struct or enum is, or will be generated.</summary>
internal static class Formatter
{
    /// <summary>
    /// The name of the formatter generated for a type of this compilation: <c>&lt;Type&gt;Formatter</c> in the
    /// type's namespace, nested types' names joined (<c>OuterInnerFormatter</c>).
    /// </summary>
    public static string Name(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            names.Insert(0, t.Name);
        }

        return string.Concat(names) + "Formatter";
    }

    /// <summary>
    /// A formatter that already exists for <paramref name="type"/>: a class named <see cref="Name"/> in the
    /// type's namespace and assembly that implements <c>IMessagePackFormatter&lt;T&gt;</c> and has a static
    /// <c>Instance</c>, accessible from <paramref name="home"/>. That is the formatter FlowSdk generated in the
    /// type's own assembly, or one written by hand. <see langword="null"/> when there is none.
    /// </summary>
    public static INamedTypeSymbol? Existing(INamedTypeSymbol type, IAssemblySymbol home)
    {
        if (type.ContainingNamespace is null)
        {
            return null;
        }

        foreach (var candidate in type.ContainingNamespace.GetTypeMembers(Name(type)))
        {
            if (!SymbolEqualityComparer.Default.Equals(candidate.ContainingAssembly, type.ContainingAssembly)
                || candidate.IsGenericType
                || !(candidate.DeclaredAccessibility == Accessibility.Public
                    || (candidate.DeclaredAccessibility == Accessibility.Internal && SymbolEqualityComparer.Default.Equals(candidate.ContainingAssembly, home)))
                || !candidate.GetMembers("Instance").Any(m => m.IsStatic && m.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal))
            {
                continue;
            }

            foreach (var implemented in candidate.AllInterfaces)
            {
                if (implemented.OriginalDefinition.ToDisplayString() == "MessagePack.Formatters.IMessagePackFormatter<T>"
                    && SymbolEqualityComparer.Default.Equals(implemented.TypeArguments[0].WithNullableAnnotation(NullableAnnotation.None), type.WithNullableAnnotation(NullableAnnotation.None)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The namespace of the assembly's generated resolver and of the formatters it generates for types of
    /// other assemblies: <c>FlowSdk.Generated.&lt;assembly name&gt;</c>, unique per assembly so that two
    /// assemblies' generated types never clash, even when one sees the other's internals.
    /// </summary>
    public static string GeneratedNamespace(IAssemblySymbol home) => "FlowSdk.Generated." + Identifier(home.Name);

    /// <summary>The name of a formatter generated in <see cref="GeneratedNamespace"/> for a type of another assembly: its full name, mangled.</summary>
    public static string ForeignName(INamedTypeSymbol type) => Identifier(SerializationModel.TypeName(type)).Replace('.', '_') + "Formatter";

    /// <summary>A dotted name turned into identifiers: anything but letters, digits and '.' becomes '_'.</summary>
    private static string Identifier(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_').ToArray();
        var parts = new string(chars).Split('.').Select(p => p.Length == 0 || char.IsDigit(p[0]) ? "_" + p : p);
        return string.Join(".", parts);
    }
}
