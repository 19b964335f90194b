using System.IO.Compression;
using System.Text.RegularExpressions;
using FlowSdk.Packaging.Tests.Infrastructure;

namespace FlowSdk.Packaging.Tests;

/// <summary>
/// End to end, as a user meets FlowSdk: the package packed by build/pack.sh, referenced from fresh
/// projects made by <c>dotnet new</c>, built and run with the dotnet CLI.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageTests(PackageFixture package)
{
    private const string Orders = """
        using FlowSdk;

        namespace Shop;

        [Message("orders.placed")]
        public sealed record OrderPlaced([property: CorrelationKey] string OrderId, decimal Total);

        [Message("orders.shipped")]
        public sealed record OrderShipped([property: CorrelationKey] string OrderId);

        public enum OrderPhase { New, Placed, [TerminalPhase] Shipped }

        [Flow<OrderPhase>("order")]
        public partial class Order
        {
            public decimal Total { get; set; }
        }

        [Rules<Order>]
        public static partial class OrderRules
        {
            [Rule(From = OrderPhase.New, To = OrderPhase.Placed)]
            public static void Place(Order order, OrderPlaced placed) => order.Total = placed.Total;

            [Rule(From = OrderPhase.Placed, To = OrderPhase.Shipped)]
            public static void Ship(Order order, OrderShipped shipped) { }
        }
        """;

    private const string Program = """
        using FlowSdk;
        using Shop;

        await using var runtime = await FlowRuntime.StartAsync(OrderFlow.Definition);
        var orders = new OrderClient(runtime);
        await orders.SendAsync(new OrderPlaced("o-1", 42m));
        await orders.SendAsync(new OrderShipped("o-1"));
        await runtime.WhenIdleAsync();
        var order = (await orders.GetAsync("o-1"))!;
        Console.WriteLine($"order o-1: {order.Status} in phase {order.Phase}, total {order.Total}");
        """;

    [Fact]
    public void The_package_carries_the_runtime_the_components_the_props_and_targets_and_the_task()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.Output);
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Subset(
            entries,
            new HashSet<string>(StringComparer.Ordinal)
            {
                "lib/net10.0/FlowSdk.dll",
                "analyzers/dotnet/cs/FlowSdk.Generators.dll",
                "analyzers/dotnet/cs/FlowSdk.Analyzers.dll",
                "analyzers/dotnet/cs/FlowSdk.CodeFixes.dll",
                "build/FlowSdk.props",
                "build/FlowSdk.targets",
                "buildTransitive/FlowSdk.props",
                "buildTransitive/FlowSdk.targets",
                "tasks/net10.0/FlowSdk.Build.dll",
                "README.md",
            });

        // Nothing MSBuild or Roslyn ships travels with the package, and the runtime's dependencies are package dependencies.
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.Build", StringComparison.Ordinal) || e.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        using var nuspec = new StreamReader(zip.GetEntry("FlowSdk.nuspec")!.Open());
        var text = nuspec.ReadToEnd();
        Assert.Contains($"<version>{package.Version}</version>", text, StringComparison.Ordinal);
        Assert.Contains("<dependency id=\"System.Reactive\"", text, StringComparison.Ordinal);
        Assert.Contains("<dependency id=\"MessagePack\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FlowSdk.Generators", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fresh_console_project_builds_without_warnings_runs_its_flow_and_gets_its_graphs()
    {
        var app = package.CreateProject("ShopApp");
        File.WriteAllText(Path.Combine(app, "Orders.cs"), Orders);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);

        var build = package.Run(app, "build", "-v:n").ShouldSucceed();

        Assert.Contains("0 Warning(s)", build.Output, StringComparison.Ordinal);
        Assert.Contains("FlowSdk: checked 1 flow(s) of ShopApp against 0 referenced manifest(s)", build.Output, StringComparison.Ordinal);

        var run = package.Run(app, "run", "--no-build").ShouldSucceed();
        Assert.Contains("order o-1: Completed in phase Shipped, total 42", run.Output, StringComparison.Ordinal);

        var output = Path.Combine(app, "bin", "Debug", "net10.0", "flowsdk");
        var manifest = File.ReadAllText(Path.Combine(output, "ShopApp.manifest.json"));
        Assert.Contains("\"id\": \"order\"", manifest, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(app, "Orders.cs"), manifest, StringComparison.Ordinal);
        Assert.Contains("flow_order__New -->|\"Place\"| flow_order__Placed", File.ReadAllText(Path.Combine(output, "ShopApp.flows.mmd")), StringComparison.Ordinal);
        Assert.Contains("digraph flows {", File.ReadAllText(Path.Combine(output, "ShopApp.flows.dot")), StringComparison.Ordinal);

        // A no-op build skips the task and leaves its files alone.
        var written = Directory.GetFiles(output).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = package.Run(app, "build", "--no-restore", "-v:d").ShouldSucceed();
        Assert.Contains("Skipping target \"FlowSdkCheckFlows\" because all output files are up-to-date", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("FlowSdk: checked", again.Output, StringComparison.Ordinal);
        Assert.Equal(written, Directory.GetFiles(output).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public void A_broken_flow_fails_the_build_with_its_FLOW_ids_at_file_line_and_column()
    {
        var app = package.CreateProject("BrokenShop");
        var broken = Orders.Replace("public partial class Order", "public class Order", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(app, "Orders.cs"), broken);
        File.WriteAllText(Path.Combine(app, "Program.cs"), "System.Console.WriteLine(\"no flow\");\n");

        var build = package.Run(app, "build").ShouldFail();

        var line = Flows.LineOf(broken, "public class Order");
        var column = "public class ".Length + 1;
        Assert.Matches(new Regex($@"Orders\.cs\({line},{column}\): error FLOW0001: Flow state class 'Order' must be partial"), build.Output);
    }

    [Fact]
    public void A_schema_mismatch_between_two_projects_fails_the_consumer_with_FLOW0203_at_its_declaration()
    {
        var producer = package.CreateProject("Checkout", "classlib");
        File.WriteAllText(Path.Combine(producer, "Checkout.cs"), Flows.Checkout.Replace("[Message(\"orders.placed\")]", "[Message(\"orders.placed\", External = true)]", StringComparison.Ordinal));
        var consumer = package.CreateProject("Fulfilment");
        var messages = Flows.FulfilmentWithOwnCopy("int");
        File.WriteAllText(Path.Combine(consumer, "Fulfilment.cs"), messages);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), "System.Console.WriteLine(\"fulfilment\");\n");
        package.Run(consumer, "add", "reference", producer).ShouldSucceed();

        var build = package.Run(consumer, "build").ShouldFail();

        var line = Flows.LineOf(messages, "record OrderPlaced");
        var column = Flows.ColumnOf(messages, "OrderPlaced(");
        Assert.Matches(new Regex($@"Fulfilment\.cs\({line},{column}\): error FLOW0203: Subject 'orders\.placed' carries Shop\.Fulfilment\.OrderPlaced \{{OrderId:string, Total:int\}} here, but Shop\.Checkout\.OrderPlaced"), build.Output);
        Assert.Contains("1 Error(s)", build.Output, StringComparison.Ordinal);

        // The producer alone is fine, and fixing the consumer's copy fixes the build.
        File.WriteAllText(Path.Combine(consumer, "Fulfilment.cs"), Flows.FulfilmentWithOwnCopy("decimal"));
        var fixedBuild = package.Run(consumer, "build", "--no-restore").ShouldSucceed();
        Assert.Contains("0 Warning(s)", fixedBuild.Output, StringComparison.Ordinal);
        Assert.Contains("subject_orders_placed -.->|\"Pack\"| flow_fulfilment__Waiting", File.ReadAllText(Path.Combine(consumer, "bin", "Debug", "net10.0", "flowsdk", "Fulfilment.flows.mmd")), StringComparison.Ordinal);
    }
}
