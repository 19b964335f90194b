using System.Reflection;
using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// Every diagnostic the analyzers ship is an error with a help link to its page under
/// docs/diagnostics, and a line in the release tracking file; every ID is declared once.
/// </summary>
public sealed class DiagnosticDescriptorsTests
{
    private static readonly DiagnosticDescriptor[] Shipped = FlowTestReferences.AllAnalyzers()
        .SelectMany(analyzer => analyzer.SupportedDiagnostics)
        .ToArray();

    private static readonly string[] ShippedIds = Shipped.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Ids() => new(ShippedIds);

    [Fact]
    public void The_analyzers_ship_the_documented_ids() =>
        Assert.Equal(["FLOW0001", "FLOW0002", "FLOW0003"], ShippedIds);

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
            Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Equal($"https://github.com/flowsdk/flowsdk/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
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
    public void Every_id_is_in_a_release_tracking_file(string id)
    {
        var folder = Path.Combine(RepositoryRoot(), "analyzers", "FlowSdk.Analyzers");
        var lines = File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Shipped.md"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Unshipped.md")));
        Assert.Contains(lines, line => line.StartsWith(id + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_code_fixer_fixes_the_class_declaration_diagnostics() =>
        Assert.Equal(["FLOW0001", "FLOW0002"], new MakePartialCodeFixer().FixableDiagnosticIds.ToArray());

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FlowSdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FlowSdk.sln not found above " + AppContext.BaseDirectory);
    }
}
