using FlowSdk.Serialization.Tests.Infrastructure;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// The schema file as a user meets it, with <c>dotnet build</c>: <c>-p:FlowSdk_UpdateSchema=true</c> writes
/// flowsdk.schema.json, a build checks the code against it, a breaking change fails the build, and an update
/// records it (retiring the removed key). The project uses the runtime and the Roslyn components this build
/// made, and build/FlowSdk.Serialization.targets from the repository, so the test builds no shared project.
/// </summary>
public sealed class SchemaBuildTests
{
    private const string Code = """
        using FlowSdk;

        namespace Shop;

        public enum Phase { Open, [TerminalPhase] Done }

        [Message("shop.done", External = true)]
        public sealed record Finished([property: CorrelationKey] string Id);

        public sealed record Line(string Sku, decimal Price);

        [Flow<Phase>("shop")]
        public partial class Basket
        {
            public List<Line> Lines { get; set; } = [];
            public string? Note { get; set; }
        }

        [Rules<Basket>]
        public static partial class BasketRules
        {
            [Rule(From = Phase.Open, To = Phase.Done)]
            public static void Finish(Basket basket, Finished finished) { }
        }
        """;

    [Fact]
    public async Task Update_writes_the_schema_a_breaking_change_fails_the_build_and_an_update_records_it()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-schema-");
        try
        {
            await WriteProjectAsync(folder.FullName);
            var schema = Path.Combine(folder.FullName, "flowsdk.schema.json");

            (await BuildAsync(folder.FullName, update: true)).AssertSucceeded("the update build");
            var written = await File.ReadAllTextAsync(schema);
            Assert.Contains("\"Shop.Basket\": {", written, StringComparison.Ordinal);
            Assert.Contains("\"Lines\": \"array<Shop.Line>\"", written, StringComparison.Ordinal);
            Assert.Contains("\"Note\": \"string?\"", written, StringComparison.Ordinal);

            var clean = (await BuildAsync(folder.FullName, update: false)).AssertSucceeded("a build against the schema");
            Assert.DoesNotContain("FLOW01", clean.Output, StringComparison.Ordinal);

            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "Shop.cs"), Code.Replace("    public string? Note { get; set; }\n", "", StringComparison.Ordinal));
            var broken = await BuildAsync(folder.FullName, update: false);
            Assert.NotEqual(0, broken.ExitCode);
            Assert.Contains("error FLOW0104: 'Shop.Basket' no longer has the key 'Note'", broken.Output, StringComparison.Ordinal);

            (await BuildAsync(folder.FullName, update: true)).AssertSucceeded("the second update build");
            var updated = await File.ReadAllTextAsync(schema);
            Assert.Contains("\"retired\": {\n        \"Note\": \"string?\"\n      }", updated, StringComparison.Ordinal);
            (await BuildAsync(folder.FullName, update: false)).AssertSucceeded("a build against the updated schema");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Task<Processes.Result> BuildAsync(string folder, bool update) =>
        Processes.RunAsync("dotnet", ["build", "-nologo", "-clp:NoSummary", .. update ? ["-p:FlowSdk_UpdateSchema=true"] : Array.Empty<string>()], folder, TimeSpan.FromMinutes(4));

    private static async Task WriteProjectAsync(string folder)
    {
        var bin = AppContext.BaseDirectory;
        string Component(string area, string name) => Path.Combine(Processes.RepositoryRoot, area, name, "bin", Processes.Configuration, "netstandard2.0", name + ".dll");
        var references = string.Concat(new[] { "FlowSdk", "MessagePack", "MessagePack.Annotations", "System.Reactive", "Microsoft.Extensions.Logging.Abstractions" }
            .Select(name => $"""    <Reference Include="{name}" HintPath="{Path.Combine(bin, name + ".dll")}" />{"\n"}"""));
        await File.WriteAllTextAsync(Path.Combine(folder, "Shop.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>$(NoWarn);CS1701;CS1702</NoWarn>
              </PropertyGroup>
              <ItemGroup>
            {references}    <Analyzer Include="{Component("generators", "FlowSdk.Generators")}" />
                <Analyzer Include="{Component("analyzers", "FlowSdk.Analyzers")}" />
              </ItemGroup>
              <Import Project="{Path.Combine(Processes.RepositoryRoot, "build", "FlowSdk.Serialization.targets")}" />
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "Shop.cs"), Code);
    }
}
