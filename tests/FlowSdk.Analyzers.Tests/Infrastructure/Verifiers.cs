using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs every FlowSdk analyzer over <see cref="AnalyzerTest{TVerifier}.TestCode"/>, as a build does,
/// so a test also proves that no other FlowSdk diagnostic shows up.
/// </summary>
internal sealed class FlowAnalyzerTest : CSharpAnalyzerTest<FlowStateAnalyzer, DefaultVerifier>
{
    public FlowAnalyzerTest(bool withFlowSdk = true)
    {
        ReferenceAssemblies = FlowTestReferences.ReferenceAssemblies;
        FlowTestReferences.AddTo(TestState, withFlowSdk);
        if (withFlowSdk)
        {
            TestState.Sources.Add(SharedSource.File);
        }
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowTestReferences.AllAnalyzers();
}

/// <summary>Every FlowSdk analyzer, and <see cref="MakePartialCodeFixer"/>.</summary>
internal sealed class MakePartialFixTest : CSharpCodeFixTest<FlowStateAnalyzer, MakePartialCodeFixer, DefaultVerifier>
{
    public MakePartialFixTest()
    {
        ReferenceAssemblies = FlowTestReferences.ReferenceAssemblies;
        FlowTestReferences.AddTo(TestState);
        FlowTestReferences.AddTo(FixedState);
        TestState.Sources.Add(SharedSource.File);
        FixedState.Sources.Add(SharedSource.File);
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowTestReferences.AllAnalyzers();
}

/// <summary>
/// The phases and messages the test flows use, in a file of their own so each test shows only
/// the declarations it is about. It declares no flow, rules class or rule.
/// </summary>
internal static class SharedSource
{
    public const string Code = """
        using FlowSdk;

        public enum PlanPhase { Draft, InReview, [TerminalPhase] Approved }

        [Message("plans.submitted")]
        public sealed record PlanSubmitted([property: CorrelationKey] string PlanId, string Content);

        [Message("plans.reviewed")]
        public sealed record ReviewCompleted([property: CorrelationKey] string PlanId, bool Approved);
        """;

    public static (string FileName, string Content) File => ("Shared.cs", Code);
}

internal static class Verify
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new FlowAnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task CodeFixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new MakePartialFixTest { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
