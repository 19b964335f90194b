using System.Reflection;
using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// Every diagnostic the analyzers ship has its severity, a help link to its page under
/// docs/diagnostics, a line in the index there and in the release tracking file.
/// </summary>
public sealed class DiagnosticDescriptorsTests
{
    private static readonly DiagnosticDescriptor[] Shipped = FlowTestReferences.AllAnalyzers()
        .SelectMany(analyzer => analyzer.SupportedDiagnostics)
        .ToArray();

    private static readonly string[] ShippedIds = Shipped.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Ids() => new(ShippedIds);

    /// <summary>The diagnostics that warn; every other one is an error.</summary>
    private static readonly string[] Warnings =
    [
        "FLOW0010", "FLOW0011", "FLOW0014", "FLOW0021", "FLOW0022", "FLOW0023", "FLOW0024", "FLOW0025",
        "FLOW0031", "FLOW0053", "FLOW0058", "FLOW0059", "FLOW0103",
    ];

    /// <summary>The diagnostics reported once the whole compilation is known.</summary>
    private static readonly string[] CompilationEnd =
    [
        "FLOW0010", "FLOW0011", "FLOW0012", "FLOW0016", "FLOW0018", "FLOW0020", "FLOW0022", "FLOW0023", "FLOW0024", "FLOW0028",
        "FLOW0034", "FLOW0035", "FLOW0038", "FLOW0052", "FLOW0053", "FLOW0056", "FLOW0057", "FLOW0058", "FLOW0059", "FLOW0103", "FLOW0104", "FLOW0105", "FLOW0106", "FLOW0107",
    ];

    [Fact]
    public void The_analyzers_ship_the_documented_ids() =>
        Assert.Equal(Enumerable.Range(1, 38).Concat(Enumerable.Range(50, 10)).Concat(Enumerable.Range(101, 7)).Select(n => $"FLOW{n:D4}"), ShippedIds);

    [Fact]
    public void Each_id_has_one_severity_and_one_analysis_scope()
    {
        Assert.All(Shipped.GroupBy(d => d.Id), group =>
        {
            Assert.Single(group.Select(d => d.DefaultSeverity).Distinct());
            Assert.Single(group.Select(d => d.CustomTags.Contains(WellKnownDiagnosticTags.CompilationEnd)).Distinct());
        });
    }

    [Fact]
    public void Every_descriptor_in_DiagnosticDescriptors_is_reported_by_an_analyzer()
    {
        var declared = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!);
        Assert.All(declared, descriptor => Assert.Contains(descriptor, Shipped));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptors_carry_category_severity_and_help_link(string id)
    {
        Assert.All(Shipped.Where(d => d.Id == id), descriptor =>
        {
            Assert.Equal(DiagnosticDescriptors.Category, descriptor.Category);
            Assert.Equal(Warnings.Contains(id) ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            Assert.Equal(CompilationEnd.Contains(id), descriptor.CustomTags.Contains(WellKnownDiagnosticTags.CompilationEnd));
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Equal(DiagnosticDescriptors.HelpLink(id), descriptor.HelpLinkUri);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()));
        });
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_id_has_a_documentation_page(string id)
    {
        var page = Path.Combine(RepositoryRoot(), "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        Assert.StartsWith($"# {id}:", File.ReadAllText(page));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_id_is_in_a_release_tracking_file_with_its_severity(string id)
    {
        var folder = Path.Combine(RepositoryRoot(), "analyzers", "FlowSdk.Analyzers");
        var lines = File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Shipped.md"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Unshipped.md")));
        var severity = Warnings.Contains(id) ? "Warning" : "Error";
        Assert.Contains(lines, line => line.StartsWith($"{id} | {DiagnosticDescriptors.Category} | {severity} |", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_id_is_in_the_documentation_index(string id)
    {
        var index = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics", "README.md"));
        Assert.Contains($"[{id}]({id}.md)", index, StringComparison.Ordinal);
    }

    [Fact]
    public void The_code_fixers_fix_the_documented_ids()
    {
        Assert.Equal(["FLOW0001", "FLOW0002"], new MakePartialCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0014"], new AddMaxIterationsCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0022", "FLOW0023"], new DeclareExternalPortCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0008"], new UsePhaseCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0004"], new SwapRuleParametersCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["CS0592"], new AddPropertyTargetCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0026"], new WriteDurationInFullCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0030"], new MakeStateMemberSettableCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0033", "FLOW0036"], new RemoveAttributeArgumentCodeFixer().FixableDiagnosticIds.ToArray());
        Assert.Equal(["FLOW0033"], new TakeStateCodeFixer().FixableDiagnosticIds.ToArray());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_documentation_says_whether_an_id_has_a_code_fix(string id)
    {
        var fixedIds = typeof(MakePartialCodeFixer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(t))
            .SelectMany(t => ((Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds)
            .ToHashSet(StringComparer.Ordinal);
        var page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics", id + ".md"));
        var row = page.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("| Code fix |", StringComparison.Ordinal));
        Assert.NotNull(row);
        Assert.Equal(fixedIds.Contains(id), !row.StartsWith("| Code fix | No", StringComparison.Ordinal));
        var index = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics", "README.md"))
            .Split('\n').Single(l => l.StartsWith($"| [{id}]({id}.md)", StringComparison.Ordinal)).TrimEnd();
        if (index.Count(c => c == '|') == 5)
        {
            Assert.Equal(fixedIds.Contains(id), !index.EndsWith("| No |", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_code_fixer_is_exported_with_the_batch_fixer()
    {
        var fixers = typeof(MakePartialCodeFixer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(t))
            .ToList();
        Assert.Equal(10, fixers.Count);
        Assert.All(fixers, type =>
        {
            Assert.NotNull(type.GetCustomAttribute<Microsoft.CodeAnalysis.CodeFixes.ExportCodeFixProviderAttribute>());
            var fixer = (Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider)Activator.CreateInstance(type)!;
            Assert.Same(Microsoft.CodeAnalysis.CodeFixes.WellKnownFixAllProviders.BatchFixer, fixer.GetFixAllProvider());
        });
    }

    private static string RepositoryRoot() => Repository.Root;
}
