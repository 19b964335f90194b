using System.Globalization;
using System.Security;

namespace FlowSdk.Packaging.Tests.Infrastructure;

/// <summary>The test classes that share one pack of the three packages and one package folder.</summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "packages";
}

/// <summary>
/// Packs FlowSdk, FlowSdk.Hosting and FlowSdk.Nats once for the end-to-end tests (build/pack.sh), with
/// a version of their own, into a temporary folder feed, and gives the tests fresh projects outside
/// the repository that consume them: their own NUGET_PACKAGES folder (NuGet caches a package version
/// forever, and the tests share its restores) and a nuget.config with the feed and the machine's sources.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    /// <summary>The docs address the packages are packed with: diagnostics' help links must use it.</summary>
    public const string DocsUrl = "https://docs.example.test/flowsdk/";

    /// <summary>The repository address the packages are packed with: SourceLink and the nuspec must use it.</summary>
    public const string RepositoryUrl = "https://github.com/example/flowsdk";

    private readonly TempDirectory _root = new("flowsdk-package-tests");

    public PackageFixture()
    {
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..6];
        Feed = Directory.CreateDirectory(_root.Combine("feed")).FullName;
        Packages = Directory.CreateDirectory(_root.Combine("packages")).FullName;
        Projects = Directory.CreateDirectory(_root.Combine("projects")).FullName;

        // Built in a folder of its own (--artifacts-path): nothing is written to the repository's bin/ and obj/.
        Pack = DotNet.Start(
            "bash",
            DotNet.RepositoryRoot,
            Environment,
            TimeSpan.FromMinutes(12),
            "build/pack.sh", "--version", Version, "--output", Feed, "--docs-url", DocsUrl, "--repository-url", RepositoryUrl, "--", "--artifacts-path", _root.Combine("artifacts"));
        PackagePath = Path.Combine(Feed, $"FlowSdk.{Version}.nupkg");

        // The sources this machine restores from (a mirror here, nuget.org elsewhere), after the test feed.
        var sources = DotNet.Run(Projects, Environment, TimeSpan.FromMinutes(1), "nuget", "list", "source", "--format", "short").ShouldSucceed()
            .Output.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal))
            .Select(l => l[2..].Trim())
            .ToList();
        var entries = new[] { Feed }.Concat(sources).Select((s, i) => $"    <add key=\"source{i}\" value=\"{SecurityElement.Escape(s)}\" />\n");
        File.WriteAllText(
            Path.Combine(Projects, "nuget.config"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n" + string.Concat(entries) + "  </packageSources>\n</configuration>\n");
    }

    public string Version { get; }

    public string Feed { get; }

    /// <summary>The FlowSdk package.</summary>
    public string PackagePath { get; }

    /// <summary>The path of package <paramref name="id"/> (FlowSdk, FlowSdk.Hosting, FlowSdk.Nats, FlowSdk.Templates, ...), or its symbols package.</summary>
    public string PathOf(string id, bool symbols = false) => Path.Combine(Feed, $"{id}.{Version}.{(symbols ? "snupkg" : "nupkg")}");

    /// <summary>The pack command's result; tests that need the package assert it succeeded.</summary>
    public DotNet.Result Pack { get; }

    /// <summary>NUGET_PACKAGES of every command the tests run.</summary>
    public string Packages { get; }

    /// <summary>Where the tests create their projects; holds the nuget.config.</summary>
    public string Projects { get; }

    internal IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Packages };

    /// <summary>Runs dotnet in <paramref name="directory"/> with the fixture's package folder.</summary>
    public DotNet.Result Run(string directory, params string[] arguments) => DotNet.Run(directory, Environment, TimeSpan.FromMinutes(3), arguments);

    /// <summary>
    /// A new project from a <c>dotnet new</c> template that references the packed <paramref name="packages"/>
    /// (FlowSdk when none are named). The mirror
    /// lacks MessagePack's exact minimum of Microsoft.NET.StringTools, so restores warn NU1603 here
    /// (as in the repository's Directory.Build.props): the project says so, and every other warning counts.
    /// </summary>
    public string CreateProject(string name, string template = "console", params string[] packages)
    {
        Assert.True(Pack.ExitCode == 0, "Packing failed:\n" + Pack.Output);
        var directory = Path.Combine(Projects, name);
        Run(Projects, "new", template, "--output", directory, "--name", name, "--no-restore").ShouldSucceed();
        foreach (var generated in new[] { "Class1.cs" })
        {
            File.Delete(Path.Combine(directory, generated));
        }

        var project = Path.Combine(directory, name + ".csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            "</Project>",
            "  <PropertyGroup>\n    <NoWarn>$(NoWarn);NU1603</NoWarn>\n  </PropertyGroup>\n</Project>",
            StringComparison.Ordinal));
        foreach (var id in packages.Length == 0 ? ["FlowSdk"] : packages)
        {
            Run(directory, "add", "package", id, "--version", Version).ShouldSucceed();
        }

        return directory;
    }

    public void Dispose() => _root.Dispose();
}
