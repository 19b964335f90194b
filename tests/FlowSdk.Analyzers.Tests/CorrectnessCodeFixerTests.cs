using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The fixes of the diagnostics for mistakes that compile (FLOW0026, FLOW0030, FLOW0033, FLOW0036):
/// each writes what the user meant, or offers nothing where only the author can say.
/// </summary>
public sealed class CorrectnessCodeFixerTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public int Rounds { get; set; } }
        """;

    private static Task FixAsync<TFixer>(string source, string fixedSource, string? key = null)
        where TFixer : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        var test = new FlowCodeFixTest<TFixer>(wholeFlowChecks: false) { TestCode = source, FixedCode = fixedSource };
        if (key is not null)
        {
            test.CodeActionEquivalenceKey = key;
        }

        return test.RunAsync();
    }

    // FLOW0026: a duration without seconds, written in full.

    [Theory]
    [InlineData("00:05", "00:05:00")]
    [InlineData("10", "10.00:00:00")]
    [InlineData("1:30", "01:30:00")]
    public Task Ambiguous_duration_is_written_in_full_as_it_reads(string text, string full) =>
        FixAsync<WriteDurationInFullCodeFixer>(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = {|FLOW0026:"{{text}}"|}, MaxIterations = 3)]
            public partial class PlanReview { }
            """,
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = "{{full}}", MaxIterations = 3)]
            public partial class PlanReview { }
            """,
            WriteDurationInFullCodeFixer.KeepMeaningKey);

    [Theory]
    [InlineData("00:05", "00:00:05")]
    [InlineData("10", "00:00:10")]
    public Task Ambiguous_cooldown_is_written_in_full_as_the_other_reading(string text, string other) =>
        FixAsync<WriteDurationInFullCodeFixer>(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, Cooldown = {|FLOW0026:"{{text}}"|})]
                public static void Remind(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview,
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, Cooldown = "{{other}}")]
                public static void Remind(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview,
            WriteDurationInFullCodeFixer.OtherReadingKey);

    [Fact]
    public Task Duration_that_is_not_valid_gets_no_fix()
    {
        const string Source = """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = {|FLOW0026:"10 minutes"|})]
            public partial class PlanReview { }
            """;
        return FixAsync<WriteDurationInFullCodeFixer>(Source, Source);
    }

    // FLOW0030: a state member the formatter cannot set back.

    [Theory]
    [InlineData("public List<string> {|FLOW0030:Tags|} { get; } = [];", "public List<string> Tags { get; set; } = [];")]
    [InlineData("public int {|FLOW0030:Rounds|} { get; private set; }", "public int Rounds { get; set; }")]
    [InlineData("public List<string> {|FLOW0030:Tags|} { get; internal init; } = [];", "public List<string> Tags { get; init; } = [];")]
    [InlineData("public readonly List<string> {|FLOW0030:Log|} = [];", "public List<string> Log = [];")]
    public Task State_member_gets_a_public_setter(string member, string fixedMember) =>
        FixAsync<MakeStateMemberSettableCodeFixer>(
            $$"""
            using System.Collections.Generic;
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                {{member}}
            }
            """,
            $$"""
            using System.Collections.Generic;
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                {{fixedMember}}
            }
            """);

    [Fact]
    public Task State_member_that_is_not_public_gets_no_fix()
    {
        const string Source = """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                private string {|FLOW0030:_draft|} = "";
            }
            """;
        return FixAsync<MakeStateMemberSettableCodeFixer>(Source, Source);
    }

    // FLOW0033: a message-only rule that sets what needs an execution.

    [Theory]
    [InlineData("[Rule(From = {|FLOW0033:PlanPhase.InReview|})]", "[Rule]")]
    [InlineData("[Rule(Cooldown = {|FLOW0033:\"00:05:00\"|}, Conditions = ConditionMode.All)]", "[Rule(Conditions = ConditionMode.All)]")]
    [InlineData("[Rule(Conditions = ConditionMode.All, MaxFirings = {|FLOW0033:2|})]", "[Rule(Conditions = ConditionMode.All)]")]
    public Task Argument_a_message_only_rule_cannot_use_is_removed(string attribute, string fixedAttribute) =>
        FixAsync<RemoveAttributeArgumentCodeFixer>(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                {{attribute}}
                public static void Note(ReviewCompleted review) { }
            }
            """ + PlanReview,
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                {{fixedAttribute}}
                public static void Note(ReviewCompleted review) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Message_only_rule_with_phases_takes_the_state() =>
        FixAsync<TakeStateCodeFixer>(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = {|FLOW0033:PlanPhase.InReview|}, To = {|FLOW0033:PlanPhase.Approved|})]
                public static void Approve(ReviewCompleted review, RuleContext context) { }
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview planReview, ReviewCompleted review, RuleContext context) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Message_only_rule_that_fails_the_execution_takes_the_state_and_has_nothing_to_remove()
    {
        const string Source = """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void Note(ReviewCompleted review, RuleContext context) => {|FLOW0033:context.Fail("rejected")|};
            }
            """ + PlanReview;
        return Task.WhenAll(
            FixAsync<RemoveAttributeArgumentCodeFixer>(Source, Source),
            FixAsync<TakeStateCodeFixer>(
                Source,
                Source.Replace("{|FLOW0033:context.Fail(\"rejected\")|}", "context.Fail(\"rejected\")", StringComparison.Ordinal)
                    .Replace("Note(ReviewCompleted", "Note(PlanReview planReview, ReviewCompleted", StringComparison.Ordinal)));
    }

    // FLOW0036: a limit of 0 or less.

    [Theory]
    [InlineData("MaxFirings = {|FLOW0036:0|}")]
    [InlineData("MaxFirings = {|FLOW0036:-1|}")]
    public Task Limit_of_zero_or_less_is_removed(string argument) =>
        FixAsync<RemoveAttributeArgumentCodeFixer>(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, {{argument}}, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted submitted) { }
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted submitted) { }
            }
            """ + PlanReview);
}
