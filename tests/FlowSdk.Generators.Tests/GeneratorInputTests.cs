using FlowSdk.Generators.Tests.Infrastructure;

namespace FlowSdk.Generators.Tests;

/// <summary>Inputs beyond the snapshot cases: how the generator names, orders and tells flows apart.</summary>
public sealed class GeneratorInputTests
{
    private const string Header = """
        using FlowSdk;
        #pragma warning disable CS1591 // Test input: the generated code's documentation is what is checked.

        """;

    [Fact]
    public void Flows_named_alike_in_different_namespaces_both_generate()
    {
        var compilation = TestCompilation.Create(
        [
            new SourceFile("Sales.cs", Header + OrderFlow("Sales", "sales-order")),
            new SourceFile("Returns.cs", Header + OrderFlow("Returns", "return-order")),
        ]);

        var output = GeneratorRunner.Run(compilation).AssertClean();

        Assert.Contains("id: \"sales-order\",", output.Source("Sales.Order.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Contains("id: \"return-order\",", output.Source("Returns.Order.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
    }

    [Fact]
    public void A_flow_in_the_global_namespace_generates()
    {
        var source = Header + OrderFlow(null, "order");

        var output = GeneratorRunner.Run(TestCompilation.Create([new SourceFile("Order.cs", source)])).AssertClean();

        Assert.Contains("public static partial class OrderFlow", output.Source("Order.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rules_classes_keep_their_order_in_the_source(bool swapped)
    {
        // Two rules classes in one file, then one in a file whose path sorts after it.
        string[] classes = [RulesClass("First"), RulesClass("Second")];
        if (swapped)
        {
            Array.Reverse(classes);
        }

        var compilation = TestCompilation.Create(
        [
            new SourceFile("a/Rules.cs", Header + "namespace Shop;\n" + string.Join("\n", classes)),
            new SourceFile("a/Order.cs", Header + OrderFlow("Shop", "order")),
            new SourceFile("b/More.cs", Header + "namespace Shop;\n" + RulesClass("Third")),
        ]);

        var flow = GeneratorRunner.Run(compilation).AssertClean().Source("Shop.Order.Flow.g.cs");

        var order = new[] { "FirstRules", "SecondRules", "ThirdRules" }
            .OrderBy(name => flow.IndexOf($"global::Shop.{name}.FlowSdkRules.GoRule,", StringComparison.Ordinal))
            .ToArray();
        Assert.All(order, name => Assert.Contains($"global::Shop.{name}.FlowSdkRules.GoRule,", flow, StringComparison.Ordinal));
        Assert.Equal(swapped ? ["SecondRules", "FirstRules", "ThirdRules"] : ["FirstRules", "SecondRules", "ThirdRules"], order);
    }

    [Fact]
    public void A_rule_that_writes_out_null_phases_generates_like_one_that_leaves_them_out()
    {
        var source = Header + OrderFlow("Shop", "order").Replace("[Rule(To = OrderPhase.Done)]", "[Rule(From = null, To = OrderPhase.Done)]", StringComparison.Ordinal);

        var flow = GeneratorRunner.Run(TestCompilation.Create([new SourceFile("Order.cs", source)])).AssertClean().Source("Shop.Order.Flow.g.cs");

        Assert.Contains("CloseRule", flow, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptions_with_any_kind_of_line_break_stay_inside_their_string()
    {
        var source = Header + OrderFlow("Shop", "order")
            .Replace("[Rule(To = OrderPhase.Done)]", "[Rule(To = OrderPhase.Done)]\n[When(nameof(Always), Description = \"one\\u2028two\\u2029three\\u0085four\\nfive\")]", StringComparison.Ordinal)
            .Replace("public static void Close(Order order, OrderPlaced placed) { }", "public static void Close(Order order, OrderPlaced placed) { }\nprivate static bool Always(OrderPlaced placed) => true;", StringComparison.Ordinal);

        var output = GeneratorRunner.Run(TestCompilation.Create([new SourceFile("Order.cs", source)])).AssertClean();

        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output));
        Assert.Contains("one\\u2028two\\u2029three\\u0085four\\nfive", output.Source("Shop.Order.Flow.g.cs"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public partial class Order { }", "public abstract partial class Order { }")]
    [InlineData("public static void Close(Order order, OrderPlaced placed) { }", "public static void Close(Order order, ref OrderPlaced placed) { }")]
    public void Input_the_analyzers_reject_generates_nothing_that_would_not_compile(string valid, string invalid)
    {
        var source = Header + OrderFlow("Shop", "order").Replace(valid, invalid, StringComparison.Ordinal);

        var output = GeneratorRunner.Run(TestCompilation.Create([new SourceFile("Order.cs", source)])).AssertClean();

        // No error comes from generated code: the analyzers report the real mistake at its line.
        Assert.DoesNotContain(TestCompilation.BuildDiagnostics(output.Output), d => d.Location.SourceTree?.FilePath.Contains(".g.cs", StringComparison.Ordinal) == true && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    private static string OrderFlow(string? ns, string id) => (ns is null ? "" : $"namespace {ns};\n") + $$"""
        public enum OrderPhase { Open, [TerminalPhase] Done }

        [Message("{{id}}.placed")]
        public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

        [Flow<OrderPhase>("{{id}}")]
        public partial class Order { }

        [Rules<Order>]
        public static partial class OrderRules
        {
            [Rule(To = OrderPhase.Done)]
            public static void Close(Order order, OrderPlaced placed) { }
        }

        """;

    private static string RulesClass(string name) => $$"""
        [Rules<Order>]
        public static partial class {{name}}Rules
        {
            [Rule]
            public static void Go(Order order, OrderPlaced placed) { }
        }

        """;
}
