using System.IO.Compression;
using FlowSdk.Packaging.Tests.Infrastructure;

namespace FlowSdk.Packaging.Tests;

/// <summary>
/// FlowSdk.Templates from the fixture's pack: installed into a template hive of its own (nothing
/// installed on the machine), <c>dotnet new flowsdk</c> makes a host project that restores FlowSdk and
/// FlowSdk.Hosting at the packed version from the temporary feed, builds, and runs its generated command line.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class TemplatePackageTests(PackageFixture package)
{
    [Fact]
    public void Dotnet_new_flowsdk_makes_a_host_project_whose_generated_command_line_runs_the_flow()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.Output);
        var template = package.PathOf("FlowSdk.Templates");
        Assert.Contains(template, package.Pack.Output, StringComparison.Ordinal);
        using (var zip = ZipFile.OpenRead(template))
        {
            using var nuspec = new StreamReader(zip.GetEntry("FlowSdk.Templates.nuspec")!.Open());
            var text = nuspec.ReadToEnd();
            Assert.Contains("<packageType name=\"Template\" />", text, StringComparison.Ordinal);
            Assert.Contains($"<version>{package.Version}</version>", text, StringComparison.Ordinal);
            Assert.NotNull(zip.GetEntry("content/flowsdk/.template.config/template.json"));
        }

        var hive = Path.Combine(package.Projects, "template-hive");
        var installed = package.Run(package.Projects, "new", "install", template, "--debug:custom-hive", hive).ShouldSucceed();
        Assert.Contains("flowsdk", installed.Output, StringComparison.Ordinal);

        // Below the fixture's folder, so its nuget.config (the temporary feed, then the machine's sources) applies.
        var app = Path.Combine(package.Projects, "TemplateShop");
        var created = package.Run(package.Projects, "new", "flowsdk", "-n", "TemplateShop", "-o", app, "--no-restore", "--debug:custom-hive", hive).ShouldSucceed();
        Assert.Contains("was created successfully", created.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(app, "Program.cs")), "the template made a Program.cs");
        var project = File.ReadAllText(Path.Combine(app, "TemplateShop.csproj"));
        Assert.Contains($"<PackageReference Include=\"FlowSdk.Hosting\" Version=\"{package.Version}\" />", project, StringComparison.Ordinal);
        Assert.DoesNotContain("FlowSdk.Nats", project, StringComparison.Ordinal);
        Assert.Contains("namespace TemplateShop;", File.ReadAllText(Path.Combine(app, "Orders.cs")), StringComparison.Ordinal);

        // The mirror lacks MessagePack's exact minimum of Microsoft.NET.StringTools (NU1603, see the
        // fixture); any other warning fails.
        var build = package.Run(app, "build", "-v:n").ShouldSucceed();
        var warnings = build.Output.Split('\n').Where(l => l.Contains(": warning ", StringComparison.Ordinal) && !l.Contains("NU1603", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, string.Join('\n', warnings));

        var sent = package.Run(app, "run", "--no-build", "--", "send", "orders.placed", """{"OrderId": "t-1", "Total": 9.5}""").ShouldSucceed();
        Assert.Contains("order/t-1: Running in phase Placed, iteration 1", sent.Output, StringComparison.Ordinal);
        var shipped = package.Run(app, "run", "--no-build", "--", "send", "orders.shipped", """{"OrderId": "t-1"}""").ShouldSucceed();
        Assert.Contains("order/t-1: Completed in phase Shipped, iteration 1", shipped.Output, StringComparison.Ordinal);
    }
}
