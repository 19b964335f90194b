using System.Reflection;
using FlowSdk.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowSdk.Generators.Tests;

/// <summary>
/// The pipeline caches: a run over a compilation whose flows did not change reuses every step and
/// writes nothing; a change that matters regenerates what it touches and nothing else.
/// </summary>
public sealed class IncrementalTests
{
    /// <summary>Every tracking name of the pipeline, read from <see cref="TrackingNames"/> so a new step is covered at once.</summary>
    private static readonly string[] AllSteps = [.. typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)];

    [Fact]
    public void Every_step_is_tracked()
    {
        var result = GeneratorRunner.Run(Cases.PlanReview()).AssertClean().Result;

        Assert.Subset(AllSteps.ToHashSet(), new HashSet<string> { "FlowStates", "RulesClasses", "MessageTypes", "Flows" });
        Assert.All(AllSteps, name => Assert.True(result.TrackedSteps.ContainsKey(name), $"No step is tracked as '{name}'."));
        Assert.All(AllSteps, name => Assert.All(result.TrackedSteps[name], step => Assert.All(step.Outputs, o => Assert.Equal(IncrementalStepRunReason.New, o.Reason))));
    }

    [Fact]
    public void Running_again_on_the_same_compilation_is_cached()
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();

        var second = GeneratorRunner.Run(first.Driver, first.Input).AssertClean();

        AssertCached(second.Result);
        AssertSameSources(first, second);
    }

    [Fact]
    public void Identical_sources_parsed_again_are_cached()
    {
        // New syntax trees and symbols for the same text: only value equality of the model keeps this cached.
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var reparsed = first.Input.SyntaxTrees.Aggregate(
            first.Input,
            (c, tree) => c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(tree.GetText(), TestCompilation.ParseOptions, tree.FilePath)));

        var second = GeneratorRunner.Run(first.Driver, reparsed).AssertClean();

        AssertCached(second.Result);
        AssertSameSources(first, second);
    }

    [Fact]
    public void Adding_an_unrelated_file_is_cached()
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = first.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            """
            namespace PlanReviewSample;

            /// <summary>Nothing to do with flows.</summary>
            public static class Unrelated
            {
                /// <summary>Adds.</summary>
                public static int Add(int a, int b) => a + b;
            }
            """,
            TestCompilation.ParseOptions,
            "Unrelated.cs"));

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        AssertCached(second.Result);
        AssertSameSources(first, second);
    }

    [Fact]
    public void A_cached_run_reads_the_rules_per_rules_class_not_per_rule_method()
    {
        // Every transform of ForAttributeWithMetadataName runs again for a new compilation, whatever changed:
        // the manifest's rule sources are read with their rules class, so no transform runs per [Rule] method.
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = first.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace PlanReviewSample; public static class Unrelated { }", TestCompilation.ParseOptions, "Unrelated.cs"));

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.True(second.Result.TrackedSteps.TryGetValue("result_ForAttributeWithMetadataName", out var transforms), "Tracked: " + string.Join(", ", second.Result.TrackedSteps.Keys));
        var values = transforms.SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(values);
        Assert.DoesNotContain(values, v => v is Model.RuleSourceSpec);
        Assert.Contains(values, v => v.GetType().Name == "RulesClassInput");
        Assert.NotEmpty(Reasons(second.Result, TrackingNames.ManifestRuleSources));
        AssertCached(second.Result);
    }

    [Fact]
    public void A_rules_source_in_the_manifest_is_its_classs_first_rule_method_of_that_name()
    {
        // Read with the rules class now, as by the pipeline over [Rule] methods before: a method of the
        // same name that is not a rule, declared first, is not the rule's source.
        const string Source = """
            using FlowSdk;

            namespace Overloads;

            public enum Step { Open, [TerminalPhase] Done }

            [Flow<Step>("overloads")]
            public partial class Counter { public int N { get; set; } }

            [Message("overloads.added")]
            public sealed record Added([property: CorrelationKey] string Id, int By);

            [Rules<Counter>]
            public static partial class CounterRules
            {
                public static void Add(Counter counter, int by) => counter.N += by;

                [Rule(To = Step.Done)]
                public static void Add(Counter counter, Added added) => Add(counter, added.By);
            }
            """;
        var output = GeneratorRunner.Run(TestCompilation.Create([new SourceFile("Overloads.cs", Source)], "Overloads")).AssertClean();

        var manifest = output.Source(ManifestFile).Replace("\\\"", "\"", StringComparison.Ordinal);
        var rule = manifest[manifest.IndexOf("\"rules\":[{\"name\":\"Add\"", StringComparison.Ordinal)..];
        Assert.Contains("\"file\":\"Overloads.cs\",\"line\":19,", rule[..rule.IndexOf('}', rule.IndexOf("\"file\"", StringComparison.Ordinal))], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_stage_value_of_the_pipeline_is_a_class()
    {
        // Roslyn's pipeline nodes (NodeStateTable<T>, TransformNode, CombineNode, ...) are generic over the stage
        // value: over a reference type they share the canonical code that every generator of a build uses, while
        // each value type (a struct, a bool, an enum, a Combine's tuple holding one) makes a new compiler process
        // JIT-compile about a hundred methods of its own (docs/benchmarks.md, "The generator's share of a clean build").
        var result = GeneratorRunner.Run(Cases.PlanReview()).AssertClean().Result;

        var steps = new HashSet<IncrementalGeneratorRunStep>();
        var pending = new Stack<IncrementalGeneratorRunStep>(result.TrackedOutputSteps.SelectMany(p => p.Value));
        while (pending.TryPop(out var step))
        {
            if (steps.Add(step))
            {
                foreach (var (source, _) in step.Inputs)
                {
                    pending.Push(source);
                }
            }
        }

        var values = steps.SelectMany(s => s.Outputs).Where(o => o.Value is not null).Select(o => o.Value.GetType()).Distinct().ToList();
        Assert.Contains(values, t => t.Name == "RulesClassInput");
        Assert.Contains(values, t => t == typeof(Model.FlowSpec));

        var valueTypes = values.Where(t => !Shared(t)).Select(t => t.ToString()).ToList();
        Assert.True(valueTypes.Count == 0, "Stage values of value types:" + Environment.NewLine + string.Join(Environment.NewLine, valueTypes));
    }

    /// <summary>
    /// Whether the pipeline's nodes over <paramref name="type"/> share the canonical code of reference types: a
    /// class, Roslyn's own input values, or the array of a <c>Collect()</c> or the tuple of a <c>Combine</c> over such.
    /// </summary>
    private static bool Shared(Type type) =>
        !type.IsValueType
        || type.Namespace == typeof(Compilation).Namespace
        || (type.IsGenericType
            && (type.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>) || type.GetGenericTypeDefinition() == typeof(ValueTuple<,>))
            && type.GetGenericArguments().All(Shared));

    [Theory]
    [InlineData("samples/PlanReview/PlanReview.cs", "return new RevisionRequested(review.PlanId, plan.Content, review.Notes);", "var notes = review.Notes.Trim();\n        return new RevisionRequested(review.PlanId, plan.Content, notes);")]
    [InlineData("samples/PlanReview/PlanReview.cs", "public static partial class PlanReviewRules\n{", "public static partial class PlanReviewRules\n{\n    // A comment moves every declaration below it.\n")]
    [InlineData("samples/PlanReview/ReviewDesk.cs", "using FlowSdk;", "using FlowSdk;\n\n// A comment at the top moves every declaration of the file.")]
    public void Editing_code_that_is_not_part_of_a_flow_is_cached(string path, string find, string replace)
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = Edit(first.Input, path, find, replace);

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.Empty(TestCompilation.BuildDiagnostics(second.Output));
        // The edit moves declarations: only the manifest, which records their lines, is written again.
        AssertCached(second.Result, allowManifest: true);
        AssertSameSources(first, second, exceptManifest: true);
        Assert.NotEqual(first.Source(ManifestFile), second.Source(ManifestFile));
    }

    [Fact]
    public void Changing_a_rule_regenerates_its_flow_only()
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = Edit(
            first.Input,
            "samples/PlanReview/PlanReview.cs",
            "[Rule(From = PlanPhase.Revising, To = PlanPhase.InReview)]",
            "[Rule(From = PlanPhase.Revising, To = PlanPhase.Drafted)]");

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.RulesClasses));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.Flows));
        Assert.All(Reasons(second.Result, TrackingNames.FlowStates), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(second.Result, TrackingNames.MessageTypes), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.Single(OutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);
        Assert.Single(ManifestOutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);

        Assert.Contains("\"Resubmit\", \"PlanReviewSample.PlanReviewRules\", global::FlowSdk.TriggerKind.MessageAndState, \"plans.revised\", \"Revising\", \"Drafted\"", second.Source("PlanReviewSample.PlanReview.Flow.g.cs"), StringComparison.Ordinal);
        Assert.NotEqual(first.Source("PlanReviewSample.PlanReview.Flow.g.cs"), second.Source("PlanReviewSample.PlanReview.Flow.g.cs"));
        Assert.Equal(first.Source("PlanReviewSample.ReviewDesk.Flow.g.cs"), second.Source("PlanReviewSample.ReviewDesk.Flow.g.cs"));
    }

    [Fact]
    public void Changing_a_subject_regenerates_the_message_and_the_flows_that_use_it()
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = Edit(first.Input, "samples/PlanReview/Messages.cs", "[Message(\"plans.revised\")]", "[Message(\"plans.revised.v2\")]");

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.Single(Reasons(second.Result, TrackingNames.MessageTypes), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.RulesClasses));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.Flows));
        Assert.Equal(2, OutputReasons(second.Result).Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Single(ManifestOutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);

        Assert.Contains("(subject <c>plans.revised.v2</c>)", second.Source("PlanReviewSample.PlanRevisedFormatter.g.cs"), StringComparison.Ordinal);
        Assert.Contains("new global::FlowSdk.MessagePort<global::PlanReviewSample.PlanRevised>(\"plans.revised.v2\"", second.Source("PlanReviewSample.PlanReview.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("PlanReviewSample.ReviewDesk.Flow.g.cs"), second.Source("PlanReviewSample.ReviewDesk.Flow.g.cs"));
        Assert.Equal(first.Source("PlanReviewSample.PlanSubmittedFormatter.g.cs"), second.Source("PlanReviewSample.PlanSubmittedFormatter.g.cs"));
    }

    [Fact]
    public void Changing_the_state_class_regenerates_its_flow()
    {
        var first = GeneratorRunner.Run(Cases.PlanReview()).AssertClean();
        var edited = Edit(first.Input, "samples/PlanReview/ReviewDesk.cs", "public int Rounds { get; set; }", "public int Rounds { get; set; }\n\n    /// <summary>Who reviewed.</summary>\n    public string? Reviewer { get; set; }");

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.FlowStates));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.Flows));
        Assert.Single(OutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);
        Assert.Single(ManifestOutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains("\"Reviewer\", \"$execution\" }", second.Source("PlanReviewSample.ReviewDesk.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("PlanReviewSample.PlanReview.Flow.g.cs"), second.Source("PlanReviewSample.PlanReview.Flow.g.cs"));
    }

    [Fact]
    public void A_flow_with_fan_outs_run_again_is_cached()
    {
        var first = GeneratorRunner.Run(Cases.FanOut()).AssertClean();

        var second = GeneratorRunner.Run(first.Driver, first.Input).AssertClean();

        AssertCached(second.Result);
        AssertSameSources(first, second);
    }

    [Fact]
    public void Changing_a_fan_out_regenerates_its_flow_only()
    {
        var first = GeneratorRunner.Run(Cases.FanOut()).AssertClean();
        var edited = Edit(first.Input, "samples/FanOut/Quotes.cs", "Mode = FanOutMode.AnyError, Timeout = \"00:01:00\"", "Mode = FanOutMode.All, Timeout = \"00:02:00\"");

        var second = GeneratorRunner.Run(first.Driver, edited).AssertClean();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.Result, TrackingNames.FlowStates));
        Assert.All(Reasons(second.Result, TrackingNames.MessageTypes), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.Single(OutputReasons(second.Result), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains("(global::FlowSdk.FanOutMode)0, global::System.TimeSpan.FromTicks(1200000000));", second.Source("FanOutSample.Quote.Flow.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("FanOutSample.PriceLookup.Flow.g.cs"), second.Source("FanOutSample.PriceLookup.Flow.g.cs"));
    }

    private static Compilation Edit(Compilation compilation, string path, string find, string replace)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        var text = tree.GetText().ToString().ReplaceLineEndings("\n");
        Assert.Contains(find, text, StringComparison.Ordinal);
        var edited = text.Replace(find, replace, StringComparison.Ordinal);
        return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, TestCompilation.ParseOptions, path));
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    /// <summary>The outputs of flows, formatters and the catalog; the manifest's is left out: it changes whenever a declaration moves.</summary>
    private static IEnumerable<IncrementalStepRunReason> OutputReasons(GeneratorRunResult result) =>
        result.TrackedOutputSteps.SelectMany(p => p.Value).Where(s => !IsManifestOutput(s)).SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static IEnumerable<IncrementalStepRunReason> ManifestOutputReasons(GeneratorRunResult result) =>
        result.TrackedOutputSteps.SelectMany(p => p.Value).Where(IsManifestOutput).SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static bool IsManifestOutput(IncrementalGeneratorRunStep step) => step.Inputs.Any(i => i.Source.Name == TrackingNames.Manifest);

    private const string ManifestFile = "FlowSdk.Manifest.g.cs";

    /// <summary>The steps that read source positions: the manifest's.</summary>
    private static readonly string[] ManifestSteps =
        [TrackingNames.ManifestFlowSources, TrackingNames.ManifestRuleSources, TrackingNames.ManifestMessages, TrackingNames.Manifest];

    private static void AssertCached(GeneratorRunResult result, bool allowManifest = false)
    {
        var problems = new List<string>();
        foreach (var name in AllSteps.Where(n => !allowManifest || !ManifestSteps.Contains(n)))
        {
            if (!result.TrackedSteps.TryGetValue(name, out var steps))
            {
                problems.Add($"{name}: not tracked");
                continue;
            }

            problems.AddRange(steps.SelectMany(s => s.Outputs)
                .Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                .Select(o => $"{name}: {o.Reason} {o.Value}"));
        }

        Assert.NotEmpty(result.TrackedOutputSteps);
        problems.AddRange(result.TrackedOutputSteps
            .SelectMany(p => p.Value.Where(s => !allowManifest || !IsManifestOutput(s)).SelectMany(s => s.Outputs).Select(o => (p.Key, o.Reason)))
            .Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .Select(o => $"output {o.Key}: {o.Reason}"));
        Assert.True(problems.Count == 0, "Steps that ran again:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static void AssertSameSources(GeneratorOutput first, GeneratorOutput second, bool exceptManifest = false) =>
        Assert.Equal(
            first.Sources.Where(s => !exceptManifest || s.HintName != ManifestFile).Select(s => (s.HintName, s.SourceText.ToString())),
            second.Sources.Where(s => !exceptManifest || s.HintName != ManifestFile).Select(s => (s.HintName, s.SourceText.ToString())));
}
