using FlowSdk.Serialization.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// FLOW0101-FLOW0107 (docs/diagnostics): what cannot be serialized is a build error at the member, the
/// generator then skips it quietly, and the schema file catches changes that break data written before.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Flow = """
        using FlowSdk;
        using MessagePack;

        namespace Shop;

        public enum Phase { Open, [TerminalPhase] Done }

        [Message("shop.done", External = true)]
        public sealed record Finished([property: CorrelationKey] string Id);

        [Flow<Phase>("shop")]
        public partial class Basket
        {
            STATE
        }

        [Rules<Basket>]
        public static partial class BasketRules
        {
            [Rule(From = Phase.Open, To = Phase.Done)]
            public static void Finish(Basket basket, Finished finished) { }
        }

        TYPES
        """;

    private static string Source(string state, string types = "") => Flow.Replace("STATE", state, StringComparison.Ordinal).Replace("TYPES", types, StringComparison.Ordinal);

    [Theory]
    [InlineData("public object Anything { get; set; } = new();", "'object' has no fixed shape")]
    [InlineData("public IComparable? Shape { get; set; }", "an interface has no single shape")]
    [InlineData("public Wrapper<int>? Wrapped { get; set; }", "generic types are not supported")]
    [InlineData("public Dictionary<double, int> ByWeight { get; set; } = [];", "dictionary keys must be string, an integer type, char, bool, an enum or Guid")]
    [InlineData("public HashSet<Line> Lines { get; set; } = [];", "set elements must be string")]
    [InlineData("public NoConstructor? Odd { get; set; }", "has no public constructor whose parameters each match a public property")]
    [InlineData("public Animal? Pet { get; set; }", "an abstract class has no single shape")]
    [InlineData("public Uri? Link { get; set; }", "'System.Uri' is not a type FlowSdk serializes")]
    [InlineData("public int[,] Grid { get; set; } = new int[1, 1];", "multi-dimensional arrays are not supported")]
    [InlineData("public List<Func<int>> Callbacks { get; set; } = [];", "delegates cannot be serialized")]
    public async Task A_member_whose_type_cannot_be_serialized_is_an_error_at_the_member(string member, string reason)
    {
        var result = await TestCompiler.CompileAsync(Source(member, """
            public sealed class Wrapper<T> { public T? Value { get; set; } }
            public sealed record Line(string Sku);
            public sealed class NoConstructor { public NoConstructor(int other) { } public int Value { get; set; } }
            public abstract class Animal { public string Name { get; set; } = ""; }
            """));

        var error = Assert.Single(result.Flow("FLOW0101"));
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains(reason, error.GetMessage(), StringComparison.Ordinal);
        var name = System.Text.RegularExpressions.Regex.Match(member, @"(\w+) \{").Groups[1].Value;
        Assert.Equal(name, result.Output.SyntaxTrees.First().GetText().GetSubText(error.Location.SourceSpan).ToString());

        // The generator skipped the member quietly: the generated code compiles, FLOW0101 is the only error.
        Assert.Equal(["FLOW0101"], result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct());
        Assert.Contains("NotSerializable(\"Basket\"", result.Source("Shop.Basket.Flow.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_type_deep_in_a_nested_type_is_reported_at_that_type_s_member()
    {
        var result = await TestCompiler.CompileAsync(Source("public Outer? Outer { get; set; }", """
            public sealed class Outer { public Inner? Inner { get; set; } }
            public sealed class Inner { public object? Bad { get; set; } }
            """));

        var error = Assert.Single(result.Flow("FLOW0101"));
        Assert.Contains("Member 'Bad' of 'Inner'", error.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Key(3)] public string A { get; set; } = \"\";", "an integer key has no place on the wire")]
    [InlineData("[Key(\"\")] public string A { get; set; } = \"\";", "the key must not be empty")]
    [InlineData("[Key(\"$execution\")] public string A { get; set; } = \"\";", "keys starting with '$' are reserved")]
    [InlineData("public string A { get; set; } = \"\"; [Key(\"A\")] public string B { get; set; } = \"\";", "the key 'A' is already used")]
    public async Task An_invalid_key_is_an_error(string members, string reason)
    {
        var result = await TestCompiler.CompileAsync(Source(members));

        var error = Assert.Single(result.Flow("FLOW0102"));
        Assert.Contains(reason, error.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public async Task Supported_members_raise_nothing_and_without_a_schema_file_nothing_is_checked()
    {
        var result = await TestCompiler.CompileAsync(Source("public List<Line> Lines { get; set; } = []; public Dictionary<Guid, Line?> ById { get; set; } = [];", "public sealed record Line(string Sku, decimal Price);"));

        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("FLOW01", StringComparison.Ordinal)));
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id is not ("CS1701" or "CS1702")));
    }

    private const string State = "public int Count { get; set; } public string? Note { get; set; } public Line? Last { get; set; }";
    private const string Types = "public sealed record Line(string Sku, decimal Price); public enum Size { Small, Large }";

    private const string Recorded = """
        {
          "types": {
            "Shop.Basket": { "kind": "state", "members": { "Count": "int", "Note": "string?", "Last": "Shop.Line?" }, "retired": { "Old": "string" } },
            "Shop.Finished": { "kind": "message", "members": { "Id": "string" } },
            "Shop.Line": { "kind": "object", "members": { "Sku": "string", "Price": "decimal" } }
          }
        }
        """;

    [Fact]
    public async Task A_schema_file_that_records_the_code_raises_nothing()
    {
        var result = await TestCompiler.CompileAsync(Source(State, Types), Recorded);

        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("FLOW01", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_new_type_or_key_or_a_key_that_became_nullable_is_a_warning_that_says_how_to_update()
    {
        var result = await TestCompiler.CompileAsync(Source("public int? Count { get; set; } public string? Note { get; set; } public Line? Last { get; set; } public Size Size { get; set; }", Types), Recorded);

        var warnings = result.Flow("FLOW0103").Select(d => d.GetMessage()).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, m => m.Contains("the key 'Count' of 'Shop.Basket' is now int? (it records int", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.Contains("the key 'Size' (Shop.Size) of 'Shop.Basket'", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.Contains("the serialized type 'Shop.Size'", StringComparison.Ordinal));
        Assert.All(result.Flow("FLOW0103"), d => Assert.Contains("-p:FlowSdk_UpdateSchema=true", d.GetMessage(), StringComparison.Ordinal));
        Assert.All(result.Flow("FLOW0103"), d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
    }

    [Fact]
    public async Task A_removed_key_is_an_error_that_points_at_the_schema_file_too()
    {
        var result = await TestCompiler.CompileAsync(Source("public int Count { get; set; } public Line? Last { get; set; }", Types), Recorded);

        var error = Assert.Single(result.Flow("FLOW0104"));
        Assert.Contains("'Shop.Basket' no longer has the key 'Note' (string?)", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("/project/flowsdk.schema.json", error.AdditionalLocations.Single().GetLineSpan().Path);
        Assert.Equal(2, error.AdditionalLocations.Single().GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public async Task A_key_whose_type_changed_is_an_error_at_the_member()
    {
        var result = await TestCompiler.CompileAsync(Source("public long Count { get; set; } public string? Note { get; set; } public Line? Last { get; set; }", Types), Recorded);

        var error = Assert.Single(result.Flow("FLOW0105"));
        Assert.Contains("The key 'Count' of 'Shop.Basket' changed type from int to long", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }

    [Fact]
    public async Task A_nullable_key_that_became_non_nullable_is_an_error()
    {
        var result = await TestCompiler.CompileAsync(Source("public int Count { get; set; } public string Note { get; set; } = \"\"; public Line? Last { get; set; }", Types), Recorded);

        Assert.Contains("from string? to string", Assert.Single(result.Flow("FLOW0105")).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retired_key_used_again_is_an_error()
    {
        var result = await TestCompiler.CompileAsync(Source(State + " public int Old { get; set; }", Types), Recorded);

        Assert.Contains("The key 'Old' of 'Shop.Basket' was retired (it held string)", Assert.Single(result.Flow("FLOW0106")).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_file_that_is_not_valid_JSON_is_an_error_at_the_fault()
    {
        var result = await TestCompiler.CompileAsync(Source(State, Types), "{ \"types\": { \"Shop.Basket\": [1, 2 }");

        var error = Assert.Single(result.Flow("FLOW0107"));
        Assert.Contains("expected ','", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("/project/flowsdk.schema.json", error.Location.GetLineSpan().Path);
    }

    [Fact]
    public async Task Updating_the_schema_reports_nothing_and_writes_the_code_s_schema_with_removed_keys_retired()
    {
        var result = await TestCompiler.CompileAsync(Source("public int Count { get; set; } public Line? Last { get; set; } public Size Size { get; set; }", Types), Recorded, updateSchema: true);

        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("FLOW01", StringComparison.Ordinal)));
        var source = result.Source("FlowSdk.Schema.g.cs")!;
        var json = source[(source.IndexOf("#if FLOWSDK_SCHEMA_JSON\n", StringComparison.Ordinal) + 24)..source.LastIndexOf("#endif", StringComparison.Ordinal)];
        var schema = System.Text.Json.Nodes.JsonNode.Parse(json)!["types"]!;
        Assert.Equal("""{"Count":"int","Last":"Shop.Line?","Size":"Shop.Size"}""", schema["Shop.Basket"]!["members"]!.ToJsonString());
        Assert.Equal("""{"Note":"string?","Old":"string"}""", schema["Shop.Basket"]!["retired"]!.ToJsonString());
        Assert.Equal("""["Small","Large"]""", schema["Shop.Size"]!["members"]!.ToJsonString());
        Assert.Equal("state", (string?)schema["Shop.Basket"]!["kind"]);
        Assert.Equal("message", (string?)schema["Shop.Finished"]!["kind"]);

        // The written schema is what a build without the update then agrees with.
        var next = await TestCompiler.CompileAsync(Source("public int Count { get; set; } public Line? Last { get; set; } public Size Size { get; set; }", Types), json);
        Assert.Empty(next.Diagnostics.Where(d => d.Id.StartsWith("FLOW01", StringComparison.Ordinal)));
    }
}
