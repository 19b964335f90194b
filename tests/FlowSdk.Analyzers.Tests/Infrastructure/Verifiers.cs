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
    public FlowAnalyzerTest(bool withFlowSdk = true, bool wholeFlowChecks = true)
    {
        ReferenceAssemblies = FlowTestReferences.ReferenceAssemblies;
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        FlowTestReferences.AddTo(TestState, withFlowSdk);
        if (withFlowSdk)
        {
            TestState.Sources.Add(SharedSource.File);
        }

        if (!wholeFlowChecks)
        {
            DisabledDiagnostics.AddRange(FlowTestReferences.WholeFlowIds);
        }
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowTestReferences.AllAnalyzers();
}

/// <summary>Every FlowSdk analyzer, and the code fix <typeparamref name="TFixer"/>.</summary>
internal sealed class FlowCodeFixTest<TFixer> : CSharpCodeFixTest<FlowStateAnalyzer, TFixer, DefaultVerifier>
    where TFixer : CodeFixProvider, new()
{
    public FlowCodeFixTest(bool wholeFlowChecks = true)
    {
        ReferenceAssemblies = FlowTestReferences.ReferenceAssemblies;

        // Markup such as {|FLOW0004:...|} names an ID with several descriptors (one per reason).
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        FlowTestReferences.AddTo(TestState);
        FlowTestReferences.AddTo(FixedState);
        TestState.Sources.Add(SharedSource.File);
        FixedState.Sources.Add(SharedSource.File);
        if (!wholeFlowChecks)
        {
            DisabledDiagnostics.AddRange(FlowTestReferences.WholeFlowIds);
        }
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowTestReferences.AllAnalyzers();
}

/// <summary>Every FlowSdk analyzer, and <see cref="MakePartialCodeFixer"/>; the flows of its tests are fragments.</summary>
internal sealed class MakePartialFixTest : CSharpCodeFixTest<FlowStateAnalyzer, MakePartialCodeFixer, DefaultVerifier>
{
    public MakePartialFixTest()
    {
        ReferenceAssemblies = FlowTestReferences.ReferenceAssemblies;
        FlowTestReferences.AddTo(TestState);
        FlowTestReferences.AddTo(FixedState);
        TestState.Sources.Add(SharedSource.File);
        FixedState.Sources.Add(SharedSource.File);
        DisabledDiagnostics.AddRange(FlowTestReferences.WholeFlowIds);
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowTestReferences.AllAnalyzers();
}

/// <summary>
/// The phases and messages the test flows use, in a file of their own so each test shows only
/// the declarations it is about. It declares no flow, rules class or rule. Its messages are
/// external ports (fed and consumed outside the test assembly), so port checks stay quiet about
/// them; tests of the port checks declare their own messages.
/// </summary>
internal static class SharedSource
{
    public const string Code = """
        using FlowSdk;

        public enum PlanPhase { Draft, InReview, [TerminalPhase] Approved }

        [Message("plans.submitted", External = true)]
        public sealed record PlanSubmitted([property: CorrelationKey] string PlanId, string Content);

        [Message("plans.reviewed", External = true)]
        public sealed record ReviewCompleted([property: CorrelationKey] string PlanId, bool Approved);
        """;

    public static (string FileName, string Content) File => ("Shared.cs", Code);
}

internal static class Verify
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Error);

    /// <summary>
    /// Every FlowSdk diagnostic: <paramref name="source"/> must produce exactly <paramref name="expected"/>,
    /// and the code the generator writes from it must compile when <paramref name="source"/> does.
    /// </summary>
    public static async Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new FlowAnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
        GeneratedCode.AssertCompiles(source);
    }

    /// <summary>
    /// For a flow fragment: every FlowSdk diagnostic except the checks of a whole flow
    /// (<see cref="FlowTestReferences.WholeFlowIds"/>: reachability, start rule, loops, ports, the
    /// assembly's flows), which a fragment would trip by design.
    /// </summary>
    public static async Task FragmentAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new FlowAnalyzerTest(wholeFlowChecks: false) { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
        GeneratedCode.AssertCompiles(source);
    }

    public static Task CodeFixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new MakePartialFixTest { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task CodeFixAsync<TFixer>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TFixer : CodeFixProvider, new()
    {
        var test = new FlowCodeFixTest<TFixer> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary><see cref="CodeFixAsync{TFixer}"/> for a flow fragment: without the checks of a whole flow (<see cref="FlowTestReferences.WholeFlowIds"/>).</summary>
    public static Task FragmentCodeFixAsync<TFixer>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TFixer : CodeFixProvider, new()
    {
        var test = new FlowCodeFixTest<TFixer>(wholeFlowChecks: false) { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
