using System.Collections.Immutable;
using System.Reflection;
using FlowSdk.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Tests;

/// <summary>
/// The pipeline's model is plain values: no Roslyn object (symbol, syntax, location, compilation...)
/// may be reachable from it, or caching breaks and compilations are kept alive.
/// </summary>
public sealed class ModelTests
{
    private static readonly Type[] ModelTypes = [.. typeof(FlowSpec).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(FlowSpec).Namespace && !t.IsAbstract && !t.Name.StartsWith('<'))
        .Where(t => !(t.IsSealed && t.IsAbstract))];

    [Fact]
    public void The_model_holds_no_Roslyn_objects()
    {
        Assert.Contains(typeof(FlowSpec), ModelTypes);
        Assert.Contains(typeof(RuleSpec), ModelTypes);
        Assert.Contains(typeof(MessageTypeSpec), ModelTypes);

        var problems = ModelTypes.SelectMany(t => Problems(t, IsModelType)).Distinct().ToList();

        Assert.True(problems.Count == 0, "The model reaches types it must not hold:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("At:DateTimeOffset", "Id:string")]
    [InlineData("Größe:int", "名前:string", "Value:int")]
    [InlineData("😀:string")]
    public void The_schema_fingerprint_is_FNV1a_over_the_members_UTF8_lines(params string[] members)
    {
        // The reference: 64-bit FNV-1a over the UTF-8 bytes of the members, each followed by a line feed.
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(string.Concat(members.Select(m => m + "\n"))))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        Assert.Equal(hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), FlowGenerator.ManifestParser.Fingerprint(members));
    }

    [Fact]
    public void Model_records_are_sealed_and_value_equal()
    {
        var records = ModelTypes.Where(t => t.IsClass && t.GetMethod("<Clone>$") is not null).ToList();

        Assert.Contains(typeof(FlowStateSpec), records);
        Assert.All(records, t =>
        {
            Assert.True(t.IsSealed, $"{t.Name} is not sealed.");
            Assert.True(typeof(IEquatable<>).MakeGenericType(t).IsAssignableFrom(t), $"{t.Name} is not IEquatable<{t.Name}>.");
        });
    }

    [Fact]
    public void The_walk_finds_Roslyn_objects_deep_in_a_model()
    {
        // The check above must not pass vacuously: a symbol inside an EquatableArray inside a record is found.
        var problems = Problems(typeof(BadOuter), t => t == typeof(BadOuter) || t == typeof(BadInner) || t.Namespace == typeof(FlowSpec).Namespace);

        Assert.Contains(problems, p => p.Contains("BadInner", StringComparison.Ordinal) && p.Contains(nameof(ISymbol), StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BadInner", StringComparison.Ordinal) && p.Contains(nameof(Location), StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BadOuter", StringComparison.Ordinal) && p.Contains(nameof(SyntaxTree), StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BadOuter", StringComparison.Ordinal) && p.Contains("ImmutableArray", StringComparison.Ordinal));
    }

    private static bool IsModelType(Type type) => type.Assembly == typeof(FlowSpec).Assembly && type.Namespace == typeof(FlowSpec).Namespace;

    /// <summary>
    /// Walks every instance field (records' properties are backed by fields), through arrays,
    /// <see cref="Nullable{T}"/> and generic model types such as <see cref="EquatableArray{T}"/>.
    /// Allowed leaves: primitives, strings and enums; anything else must itself be a model type.
    /// </summary>
    private static List<string> Problems(Type root, Func<Type, bool> isModelType)
    {
        var problems = new List<string>();
        var seen = new HashSet<Type>();
        var pending = new Stack<(Type Type, string Path)>();
        pending.Push((root, root.Name));
        while (pending.Count > 0)
        {
            var (type, path) = pending.Pop();
            if (!seen.Add(type))
            {
                continue;
            }

            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var fieldPath = $"{path}.{MemberName(field)}";
                foreach (var leaf in Leaves(field.FieldType))
                {
                    if (ForbiddenRoslynType(leaf) is { } forbidden)
                    {
                        problems.Add($"{fieldPath}: {Describe(leaf)} is a {forbidden}");
                    }
                    else if (leaf.IsPrimitive || leaf.IsEnum || leaf == typeof(string))
                    {
                    }
                    else if (isModelType(leaf.IsGenericType ? leaf.GetGenericTypeDefinition() : leaf))
                    {
                        pending.Push((leaf, $"{fieldPath}<{Describe(leaf)}>"));
                    }
                    else
                    {
                        problems.Add($"{fieldPath}: {Describe(leaf)} is neither a value the model may hold nor a model type");
                    }
                }
            }
        }

        return problems;
    }

    private static IEnumerable<Type> Leaves(Type type)
    {
        if (type.IsArray)
        {
            return Leaves(type.GetElementType()!);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Leaves(underlying);
        }

        return [type];
    }

    private static string? ForbiddenRoslynType(Type type)
    {
        Type[] forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SyntaxReference), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(AttributeData)];
        if (forbidden.FirstOrDefault(f => f.IsAssignableFrom(type)) is { } match)
        {
            return match.Name;
        }

        return type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true ? "Roslyn type" : null;
    }

    private static string MemberName(FieldInfo field) =>
        field.Name.StartsWith('<') ? field.Name[1..field.Name.IndexOf('>', StringComparison.Ordinal)] : field.Name;

    private static string Describe(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>" : type.Name;

    private sealed record BadOuter(string Name, EquatableArray<BadInner> Inners, SyntaxTree Tree, ImmutableArray<string> Names);

    private sealed record BadInner(ISymbol Symbol, Location Where, int Count);
}
