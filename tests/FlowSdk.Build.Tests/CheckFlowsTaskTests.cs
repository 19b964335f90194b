using FlowSdk.Build.Tests.Infrastructure;
using Microsoft.Build.Utilities;

namespace FlowSdk.Build.Tests;

/// <summary>The MSBuild task itself: what it logs, where, and what it writes.</summary>
public sealed class CheckFlowsTaskTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private (CheckFlows Task, TestBuildEngine Engine) Task(Compiled assembly, params Compiled[] references)
    {
        var engine = new TestBuildEngine();
        var task = new CheckFlows
        {
            BuildEngine = engine,
            Assembly = new TaskItem(assembly.WriteTo(Directory.CreateDirectory(_temp.Combine("obj")).FullName)),
            References = [.. references.Select(r => new TaskItem(r.WriteTo(Directory.CreateDirectory(_temp.Combine("refs")).FullName)))],
            OutputDirectory = _temp.Combine("bin", "flowsdk"),
            StampFile = _temp.Combine("obj", "FlowSdk.CheckFlows.stamp"),
        };
        return (task, engine);
    }

    [Fact]
    public void A_clean_set_passes_and_writes_the_manifest_the_graphs_and_the_stamp()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment.cs", Flows.FulfilmentOfSharedType, checkout);
        var (task, engine) = Task(fulfilment, checkout);

        Assert.True(task.Execute());

        Assert.Empty(engine.Errors);
        Assert.Empty(engine.Warnings);
        var written = task.WrittenFiles.Select(f => Path.GetFileName(f.ItemSpec)).Order(StringComparer.Ordinal);
        Assert.Equal(["FlowSdk.CheckFlows.stamp", "Fulfilment.flows.dot", "Fulfilment.flows.mmd", "Fulfilment.manifest.json"], written);
        Assert.True(File.Exists(task.StampFile));

        var manifest = File.ReadAllText(_temp.Combine("bin", "flowsdk", "Fulfilment.manifest.json"));
        Assert.StartsWith("{\n  \"manifestVersion\": 1,\n  \"assembly\": \"Fulfilment\",", manifest, StringComparison.Ordinal);
        var mermaid = File.ReadAllText(_temp.Combine("bin", "flowsdk", "Fulfilment.flows.mmd"));
        Assert.Contains("subgraph flow_checkout[\"checkout (Checkout)\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("flow_checkout__Placed -.->|\"Place\"| subject_orders_placed", mermaid, StringComparison.Ordinal);
        Assert.Contains("subject_orders_placed -.->|\"Pack\"| flow_fulfilment__Waiting", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_mismatch_is_logged_as_an_error_at_the_declaration_with_its_code_and_help_link()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var source = Flows.FulfilmentWithOwnCopy("int");
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "/src/Fulfilment/Messages.cs", source, checkout);
        var (task, engine) = Task(fulfilment, checkout);
        File.WriteAllText(task.StampFile!, "from an earlier, clean build");

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal(("FLOW0203", "/src/Fulfilment/Messages.cs", Flows.LineOf(source, "record OrderPlaced"), Flows.ColumnOf(source, "OrderPlaced(")), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        Assert.Equal(FlowCodes.HelpLink("FLOW0203"), error.HelpLink);
        Assert.Contains("{OrderId:string, Total:int}", error.Message, StringComparison.Ordinal);

        // The next build must run the checks again: no stamp.
        Assert.False(File.Exists(task.StampFile));
    }

    [Fact]
    public void Framework_references_and_assemblies_without_a_manifest_are_skipped()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var plain = InMemoryAssembly.Compile("Plain", "Plain.cs", "namespace Plain; public static class P { }");
        var fulfilment = InMemoryAssembly.Compile("Fulfilment", "Fulfilment.cs", Flows.FulfilmentOfSharedType, checkout, plain);
        var (task, engine) = Task(fulfilment, checkout, plain);
        task.References[0].SetMetadata("FrameworkReferenceName", "Microsoft.NETCore.App");

        Assert.True(task.Execute());

        // Without the checkout's manifest nothing produces orders.placed.
        Assert.Equal("FLOW0201", Assert.Single(engine.Warnings).Code);
        Assert.Contains(engine.Messages, m => m.Message!.Contains("against 0 referenced manifest(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unreadable_referenced_manifest_is_a_warning_and_is_left_out()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var broken = InMemoryAssembly.Compile("Broken", "Broken.cs", "[assembly: System.Reflection.AssemblyMetadata(\"FlowSdk.Manifest\", \"{not json\")]");
        var (task, engine) = Task(checkout, broken);

        Assert.True(task.Execute());

        var warning = Assert.Single(engine.Warnings);
        Assert.Equal("FLOW0205", warning.Code);
        Assert.EndsWith("Broken.dll", warning.File, StringComparison.Ordinal);
    }

    [Fact]
    public void The_projects_own_manifest_unreadable_fails_the_build()
    {
        var newer = InMemoryAssembly.Compile("Newer", "Newer.cs", "[assembly: System.Reflection.AssemblyMetadata(\"FlowSdk.Manifest\", \"{\\\"manifestVersion\\\":9}\")]");
        var (task, engine) = Task(newer);

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal("FLOW0205", error.Code);
        Assert.Contains("manifest version 9 is newer", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(task.StampFile));
    }

    [Fact]
    public void An_assembly_without_a_manifest_writes_nothing_but_the_stamp()
    {
        var plain = InMemoryAssembly.Compile("Plain", "Plain.cs", "namespace Plain; public static class P { }");
        var (task, engine) = Task(plain);

        Assert.True(task.Execute());

        Assert.Empty(engine.Warnings);
        Assert.False(Directory.Exists(task.OutputDirectory));
        Assert.Equal([task.StampFile], task.WrittenFiles.Select(f => f.ItemSpec));
    }

    [Fact]
    public void Graph_formats_are_chosen_and_an_unknown_one_is_a_warning()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var (task, engine) = Task(checkout);
        task.GraphFormats = "dot; svg";

        Assert.True(task.Execute());

        Assert.True(File.Exists(_temp.Combine("bin", "flowsdk", "Checkout.flows.dot")));
        Assert.False(File.Exists(_temp.Combine("bin", "flowsdk", "Checkout.flows.mmd")));
        Assert.Contains("'svg' is not a graph format", Assert.Single(engine.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteGraphs_false_writes_the_manifest_only()
    {
        var checkout = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        var (task, _) = Task(checkout);
        task.WriteGraphs = false;

        Assert.True(task.Execute());

        Assert.Equal(["Checkout.manifest.json"], Directory.GetFiles(task.OutputDirectory).Select(Path.GetFileName));
    }
}
