using FlowSdk.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0001: a class marked [Flow&lt;TPhase&gt;] must be partial.</summary>
public sealed class FlowStateAnalyzerTests
{
    [Fact]
    public Task Flow_state_class_that_is_not_partial_is_reported_at_its_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public class {|#0:PlanReview|}
            {
                public string Content { get; set; } = "";
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotPartial)
                .WithLocation(0)
                .WithMessage("Flow state class 'PlanReview' must be partial: the generator adds the execution bookkeeping to it. Add the 'partial' modifier."));

    [Fact]
    public Task Partial_flow_state_class_is_not_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", MaxIterations = 3)]
            public partial class PlanReview
            {
                public string Content { get; set; } = "";
            }
            """);

    [Fact]
    public Task Class_without_the_flow_attribute_need_not_be_partial() =>
        Verify.FragmentAsync(
            """
            using System;
            using FlowSdk;

            [Obsolete("not a flow")]
            public class PlanArchive { }

            [Message("plans.archived")]
            public sealed class PlanArchived { public string PlanId { get; set; } = ""; }
            """);

    [Fact]
    public Task Attribute_of_the_same_name_in_another_namespace_is_not_the_flow_attribute() =>
        Verify.FragmentAsync(
            """
            using System;

            namespace Elsewhere
            {
                [AttributeUsage(AttributeTargets.Class)]
                public sealed class FlowAttribute<T> : Attribute
                {
                    public FlowAttribute(string id) { }
                }

                [Flow<PlanPhase>("plan-review")]
                public class PlanReview { }
            }
            """);

    [Fact]
    public Task Project_without_FlowSdk_is_not_analyzed()
    {
        // The analyzer looks the attribute up by metadata name; with no FlowSdk reference and a
        // look-alike in the global namespace nothing is reported.
        var test = new FlowAnalyzerTest(withFlowSdk: false)
        {
            TestCode = """
                using System;

                public enum PlanPhase { Draft }

                public sealed class FlowAttribute<T> : Attribute
                {
                    public FlowAttribute(string id) { }
                }

                [Flow<PlanPhase>("plan-review")]
                public class PlanReview { }
                """,
        };
        return test.RunAsync();
    }

    [Fact]
    public Task Record_flow_state_that_is_not_partial_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public record {|FLOW0001:PlanReview|}
            {
                public string Content { get; set; } = "";
            }
            """);

    [Fact]
    public Task Nested_flow_state_class_is_reported_at_its_own_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public partial class Plans
            {
                [Flow<PlanPhase>("plan-review")]
                public sealed class {|#0:PlanReview|} { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotPartial).WithLocation(0).WithArguments("PlanReview"),
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotUsable).WithLocation(0)
                .WithArguments("PlanReview", "plan-review", "is nested in 'Plans'", "Declare it at the top level of a namespace"));

    [Fact]
    public Task Each_part_of_a_partial_type_that_lacks_partial_is_reported()
    {
        // The compiler also reports CS0260 for the part without 'partial'; FLOW0001 points at the same part.
        return Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                public string Content { get; set; } = "";
            }

            public class {|#0:PlanReview|}
            {
                public string Reviewer { get; set; } = "";
            }
            """,
            DiagnosticResult.CompilerError("CS0260").WithLocation(0).WithArguments("PlanReview"),
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotPartial).WithLocation(0).WithArguments("PlanReview"));
    }

    [Fact]
    public Task Generated_code_is_not_analyzed()
    {
        var test = new FlowAnalyzerTest();
        test.TestState.Sources.Add(("PlanReview.g.cs", """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public class PlanReview { }
            """));
        test.TestState.Sources.Add(("Archive.cs", """
            // <auto-generated/>
            using FlowSdk;

            [Flow<PlanPhase>("plan-archive")]
            public class PlanArchive { }
            """));
        return test.RunAsync();
    }
}
