using FlowSdk.Packaging.Tests.Infrastructure;

namespace FlowSdk.Packaging.Tests;

/// <summary>
/// build/pack.sh's <c>--only</c>: the clean-build benchmark packs only the FlowSdk package. These tests pack on their
/// own (not the shared fixture's pack of every package), into a temporary folder, with a version of their own.
/// </summary>
public sealed class PackScriptTests
{
    [Fact]
    public void Only_packs_the_named_package_and_nothing_else()
    {
        using var root = new TempDirectory("flowsdk-pack-only");
        var version = "0.1.0-only." + Guid.NewGuid().ToString("N")[..8];
        var feed = root.Combine("feed");
        var pack = DotNet.Start(
            "bash",
            DotNet.RepositoryRoot,
            new Dictionary<string, string?>(),
            TimeSpan.FromMinutes(10),
            "build/pack.sh", "--version", version, "--output", feed, "--only", "FlowSdk", "--", "--artifacts-path", root.Combine("artifacts"));

        Assert.True(pack.ExitCode == 0, pack.Output);
        var packages = Directory.GetFiles(feed, "*.nupkg").Select(static p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new List<string> { $"FlowSdk.{version}.nupkg" }, packages);
        Assert.Contains(Path.Combine(feed, $"FlowSdk.{version}.nupkg"), pack.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FlowSdk.Nope")]
    [InlineData("FlowSdk,FlowSdk.Nope")]
    public void Only_refuses_a_name_that_is_no_package(string only)
    {
        using var root = new TempDirectory("flowsdk-pack-only");
        var pack = DotNet.Start(
            "bash",
            DotNet.RepositoryRoot,
            new Dictionary<string, string?>(),
            TimeSpan.FromMinutes(2),
            "build/pack.sh", "--version", "0.1.0-none", "--output", root.Combine("feed"), "--only", only);

        Assert.Equal(2, pack.ExitCode);
        Assert.Contains("--only names 'FlowSdk.Nope', which is none of", pack.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(root.Combine("feed")));
    }
}
