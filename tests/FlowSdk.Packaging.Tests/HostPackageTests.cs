using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using FlowSdk.Packaging.Tests.Infrastructure;

namespace FlowSdk.Packaging.Tests;

/// <summary>
/// FlowSdk.Hosting and FlowSdk.Nats from the feed: an Exe with nothing but the README's annotated
/// classes gets the generated command line, and with FlowSdk.Nats it runs, sends and inspects on a
/// real nats-server, each command in a process of its own.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class HostPackageTests(PackageFixture package)
{
    /// <summary>
    /// The README's Order flow, its messages external: a host's messages come from outside (FLOW0023
    /// otherwise). Shipping publishes ShipmentRequested, which no flow consumes (an output).
    /// </summary>
    private const string Orders = """
        using FlowSdk;

        [Message("orders.placed", External = true)] public record OrderPlaced([property: CorrelationKey] string OrderId, decimal Total);
        [Message("orders.shipped", External = true)] public record OrderShipped([property: CorrelationKey] string OrderId);
        [Message("warehouse.ship", External = true)] public record ShipmentRequested(string OrderId, decimal Total);
        public enum OrderPhase { New, Placed, [TerminalPhase] Shipped }

        [Flow<OrderPhase>("order")] public partial class Order { public decimal Total { get; set; } }

        [Rules<Order>] public static partial class OrderRules
        {
            [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
            public static void Place(Order order, OrderPlaced placed) => order.Total = placed.Total;

            [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
            public static ShipmentRequested Ship(Order order, OrderShipped shipped) => new(order.Id, order.Total);
        }
        """;

    [Fact]
    public void Three_packages_with_one_version_readmes_license_symbols_and_dependencies()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.Output);
        foreach (var id in new[] { "FlowSdk", "FlowSdk.Hosting", "FlowSdk.Nats" })
        {
            Assert.Contains(package.PathOf(id), package.Pack.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(package.PathOf(id, symbols: true)), $"no symbols package for {id}");
            using var zip = ZipFile.OpenRead(package.PathOf(id));
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
            var nuspec = Read(zip, $"{id}.nuspec");
            Assert.Contains($"<version>{package.Version}</version>", nuspec, StringComparison.Ordinal);
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
            var repository = System.Text.RegularExpressions.Regex.Match(nuspec, "<repository [^>]*>").Value;
            Assert.Contains("type=\"git\"", repository, StringComparison.Ordinal);
            Assert.Contains($"url=\"{PackageFixture.RepositoryUrl}\"", repository, StringComparison.Ordinal);
            Assert.Matches("commit=\"[0-9a-f]{40}\"", repository);
            if (id != "FlowSdk")
            {
                // The whole FlowSdk package (generator, analyzers, build files), at the same version.
                var dependency = System.Text.RegularExpressions.Regex.Match(nuspec, "<dependency id=\"FlowSdk\"[^>]*>").Value;
                Assert.Contains($"version=\"{package.Version}\"", dependency, StringComparison.Ordinal);
                Assert.DoesNotContain("exclude", dependency, StringComparison.Ordinal);
            }
        }

        using var nats = ZipFile.OpenRead(package.PathOf("FlowSdk.Nats"));
        Assert.Contains("<dependency id=\"NATS.Client.KeyValueStore\" version=\"3.3.2\"", Read(nats, "FlowSdk.Nats.nuspec"), StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnostics_help_links_use_the_docs_address_given_at_pack_time_and_the_pages_ship_in_the_package()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.Output);
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var link = Encoding.Unicode.GetBytes(PackageFixture.DocsUrl);
        foreach (var component in new[] { "analyzers/dotnet/cs/FlowSdk.Analyzers.dll", "tasks/net10.0/FlowSdk.Build.dll" })
        {
            using var stream = new MemoryStream();
            using (var entry = zip.GetEntry(component)!.Open())
            {
                entry.CopyTo(stream);
            }

            Assert.True(stream.ToArray().AsSpan().IndexOf(link) >= 0, $"{component} does not carry the docs address {PackageFixture.DocsUrl}");
        }

        foreach (var page in new[] { "docs/diagnostics/FLOW0001.md", "docs/diagnostics/FLOW0203.md", "docs/hosting.md", "docs/nats.md" })
        {
            Assert.NotNull(zip.GetEntry(page));
        }
    }

    [Fact]
    public void An_Exe_with_only_annotated_classes_and_FlowSdk_Hosting_gets_the_generated_command_line()
    {
        var app = HostProject("ShopHost", "FlowSdk.Hosting");

        var help = package.Run(app, "run", "--no-build", "--", "--help").ShouldSucceed();
        foreach (var command in new[] { "run", "send <port> <json>", "executions", "inspect <id>", "graph", "validate" })
        {
            Assert.Contains(command, help.Output, StringComparison.Ordinal);
        }

        var sent = package.Run(app, "run", "--no-build", "--", "send", "orders.placed", """{"OrderId": "o-1", "Total": 42.5}""").ShouldSucceed();
        Assert.Contains("order/o-1: Running in phase Placed, iteration 1", sent.Output, StringComparison.Ordinal);

        // The execution outlives the process: the next command, a process of its own, finds it in
        // ./flowsdk.db (the embedded default), moves it on, and a third one reads it back.
        Assert.True(File.Exists(Path.Combine(app, "flowsdk.db")), "send left no flowsdk.db beside the project");
        var shipped = package.Run(app, "run", "--no-build", "--", "send", "orders.shipped", """{"OrderId": "o-1"}""").ShouldSucceed();
        Assert.Contains("order/o-1: Completed in phase Shipped, iteration 1", shipped.Output, StringComparison.Ordinal);
        var listed = package.Run(app, "run", "--no-build", "--", "executions", "--status", "Completed").ShouldSucceed();
        Assert.Contains("1 execution(s).", listed.Output, StringComparison.Ordinal);
        var inspected = package.Run(app, "run", "--no-build", "--", "inspect", "o-1").ShouldSucceed();
        Assert.Contains("#1 Place: New -> Placed (Mutate, MessageAndState on orders.placed)", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("""state: {"Total":"42.5",""", inspected.Output, StringComparison.Ordinal);

        var graph = package.Run(app, "run", "--no-build", "--", "graph").ShouldSucceed();
        Assert.Contains("flowchart", graph.Output, StringComparison.Ordinal);
        Assert.Contains("flow_order__New -->|\"Place\"| flow_order__Placed", graph.Output, StringComparison.Ordinal);

        // Without FlowSdk.Nats, --nats says what to add.
        var nats = package.Run(app, "run", "--no-build", "--", "executions", "--nats", "nats://127.0.0.1:1").ShouldFail();
        Assert.Contains("needs FlowSdk.Nats", nats.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Also the JavaScript client of docs/nats.md (tests/Interop/js: nats.js and @msgpack/msgpack, installed
    /// with <c>npm ci</c> from its lock file) against the same host: it publishes the inputs, reads the
    /// execution from the bucket and the output from the stream, which keeps warehouse.ship because the
    /// host's command line adds it to the stream's subjects (FlowSdk:Nats:StreamSubjects).
    /// </summary>
    [Fact]
    public async Task With_FlowSdk_Nats_the_generated_host_runs_sends_and_inspects_on_a_real_nats_server()
    {
        var app = HostProject("ShopNatsHost", "FlowSdk.Hosting", "FlowSdk.Nats");
        var interop = InstallInteropScript();
        await using var server = await NatsServer.StartAsync();
        var dll = Path.Combine(app, "bin", "Debug", "net10.0", "ShopNatsHost.dll");

        using var host = HostProcess.Start(app, package.Environment, dll, "run", "--nats", server.Url, "--FlowSdk:Nats:StreamSubjects:0=warehouse.>");
        try
        {
            await host.WaitForAsync("Running 1 flow(s) (order) on NATS.", TimeSpan.FromSeconds(90));

            var placed = package.Run(app, "run", "--no-build", "--", "send", "orders.placed", """{"OrderId": "o-7", "Total": 12.5}""", "--nats", server.Url).ShouldSucceed();
            Assert.Contains("Sent OrderPlaced on orders.placed.", placed.Output, StringComparison.Ordinal);
            var shipped = package.Run(app, "run", "--no-build", "--", "send", "orders.shipped", """{"OrderId": "o-7"}""", "--nats", server.Url).ShouldSucceed();
            Assert.Contains("Sent OrderShipped on orders.shipped.", shipped.Output, StringComparison.Ordinal);

            // The running host handles both messages; inspect, from a process of its own, reads the stored execution.
            var deadline = Stopwatch.StartNew();
            DotNet.Result inspected;
            do
            {
                inspected = package.Run(app, "run", "--no-build", "--", "inspect", "o-7", "--nats", server.Url);
            }
            while (!inspected.Output.Contains("status:    Completed", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(60));

            Assert.True(inspected.Output.Contains("status:    Completed", StringComparison.Ordinal), inspected.Output + "\nhost:\n" + host.Output);
            Assert.Contains("Execution o-7 of flow order (revision ", inspected.Output, StringComparison.Ordinal);
            Assert.Contains("#1 Place: New -> Placed (Mutate, MessageAndState on orders.placed)", inspected.Output, StringComparison.Ordinal);
            Assert.Contains("""state: {"Total":"12.5",""", inspected.Output, StringComparison.Ordinal);

            var js = DotNet.Start("node", interop, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2), "orders.js", server.Url, "o-js");
            Assert.True(js.ExitCode == 0, js.Output + "\nhost:\n" + host.Output);
            var state = js.Output.Split('\n').Single(l => l.StartsWith("state: ", StringComparison.Ordinal));
            Assert.Contains("""{"Total":"12.5","$execution":{"Id":"o-js","Flow":"order","Phase":"Shipped","Status":"Completed",""", state, StringComparison.Ordinal);
            Assert.Contains("\"Rule\":\"Place\",\"Trigger\":\"MessageAndState\",\"Source\":\"orders.placed\",\"Action\":\"Mutate\",\"PhaseBefore\":\"New\",\"PhaseAfter\":\"Placed\",", state, StringComparison.Ordinal);
            Assert.Contains("\"Outbox\":[]", state, StringComparison.Ordinal);
            Assert.Contains("""output warehouse.ship: {"OrderId":"o-js","Total":"12.5"}""", js.Output, StringComparison.Ordinal);
        }
        finally
        {
            host.Stop();
        }
    }

    /// <summary>tests/Interop/js copied beside the test projects, its packages installed exactly as locked.</summary>
    private string InstallInteropScript()
    {
        var source = Path.Combine(DotNet.RepositoryRoot, "tests", "Interop", "js");
        var target = Directory.CreateDirectory(Path.Combine(package.Projects, "interop-js")).FullName;
        foreach (var file in new[] { "package.json", "package-lock.json", "orders.js" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(target, file), overwrite: true);
        }

        var install = DotNet.Start("npm", target, new Dictionary<string, string?>(), TimeSpan.FromMinutes(3), "ci", "--no-audit", "--no-fund", "--loglevel=error");
        Assert.True(install.ExitCode == 0, "npm ci failed (node and npm are needed: apt-get install -y nodejs npm):\n" + install.Output);
        return target;
    }

    /// <summary>A console project whose Program.cs is replaced by the README's annotated classes, built.</summary>
    private string HostProject(string name, params string[] packages)
    {
        var app = package.CreateProject(name, "console", packages);
        File.Delete(Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "Orders.cs"), Orders);
        var build = package.Run(app, "build", "-v:n").ShouldSucceed();
        Assert.True(build.Output.Contains("0 Warning(s)", StringComparison.Ordinal), build.Output);
        return app;
    }

    private static string Read(ZipArchive zip, string entry)
    {
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }
}
