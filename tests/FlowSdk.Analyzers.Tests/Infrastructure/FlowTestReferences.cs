using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests.Infrastructure;

/// <summary>
/// What the test compilations reference, offline: the .NET 10 reference assemblies from
/// Basic.Reference.Assemblies (the testing library's own packs are not on the mirror) and the
/// real FlowSdk runtime assembly, so test code uses the attributes users use.
/// </summary>
internal static class FlowTestReferences
{
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    public static MetadataReference FlowSdk { get; } =
        MetadataReference.CreateFromFile(typeof(global::FlowSdk.MessageAttribute).Assembly.Location);

    /// <summary>
    /// The checks of a whole flow or assembly (compilation-end diagnostics about its completeness):
    /// a test of a fragment turns them off, a test of a complete flow keeps them.
    /// </summary>
    public static readonly string[] WholeFlowIds =
    [
        DiagnosticDescriptors.UnreachablePhaseId,
        DiagnosticDescriptors.PhaseWithoutExitId,
        DiagnosticDescriptors.NoStartRuleId,
        DiagnosticDescriptors.OutputPortWithoutConsumerId,
        DiagnosticDescriptors.InputPortWithoutProducerId,
        DiagnosticDescriptors.NoUsableFlowId,
        DiagnosticDescriptors.AwaitReplyWithoutReplyRuleId,
        DiagnosticDescriptors.ScheduleTickWithoutRuleId,
    ];

    public static void AddTo(SolutionState state, bool withFlowSdk = true)
    {
        state.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        if (withFlowSdk)
        {
            state.AdditionalReferences.Add(FlowSdk);
        }
    }

    /// <summary>Every analyzer the analyzers assembly ships, as the FlowSdk package loads them.</summary>
    public static IEnumerable<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer> AllAnalyzers() =>
        typeof(DiagnosticDescriptors).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer).IsAssignableFrom(type))
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .Select(type => (Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)Activator.CreateInstance(type)!);
}
