using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// A deliberately broken project built with <c>dotnet build</c>: FlowSdk's diagnostics come out
/// as the compiler's do, <c>File.cs(line,col): error FLOWxxxx</c>, and fail the build. The project
/// references the runtime and the analyzers this test project was built with (from its own output
/// folder), so the test builds no shared project.
/// </summary>
public sealed partial class BuildTests
{
    private const string Broken = """
        using FlowSdk;

        namespace Broken;

        public enum OrderPhase { Placed, Shipped, [TerminalPhase] Delivered }
        public enum ParcelPhase { Packed }

        [Message("orders placed")]
        public sealed record OrderPlaced([property: CorrelationKey] string OrderId);

        [Message("orders.shipped", External = true)]
        public sealed record OrderShipped(string OrderId);

        [Flow<OrderPhase>("order", MaxIterations = 3)]
        public partial class Order { }

        [Rules<Order>]
        public static partial class OrderRules
        {
            [Rule(From = OrderPhase.Placed, To = ParcelPhase.Packed)]
            public static void Place(Order order, OrderPlaced placed) { }

            [Rule(From = OrderPhase.Delivered, To = OrderPhase.Shipped)]
            public static void Ship(Order order, OrderShipped shipped) { }
        }
        """;

    [Fact]
    public async Task Broken_project_fails_the_build_with_FLOW_errors_at_file_line_and_column()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-broken-");
        try
        {
            var bin = AppContext.BaseDirectory;
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "Broken.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="FlowSdk" HintPath="{Path.Combine(bin, "FlowSdk.dll")}" />
                    <Analyzer Include="{Path.Combine(bin, "FlowSdk.Analyzers.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "Broken.cs"), Broken);

            var (exitCode, output) = await RunAsync("dotnet", ["build", "--nologo", "--disable-build-servers", "-p:UseSharedCompilation=false"], folder.FullName);

            Assert.NotEqual(0, exitCode);
            var errors = FlowError().Matches(output).Select(m => $"{m.Groups["file"].Value}({m.Groups["line"].Value},{m.Groups["col"].Value}): {m.Groups["severity"].Value} {m.Groups["id"].Value}").Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.True(
                errors.SequenceEqual(
                [
                    "Broken.cs(15,22): error FLOW0012",   // the flow: no rule can start it
                    "Broken.cs(20,42): error FLOW0008",   // To = ParcelPhase.Packed
                    "Broken.cs(21,55): warning FLOW0023", // OrderPlaced placed: nothing produces it
                    "Broken.cs(23,18): error FLOW0009",   // From = OrderPhase.Delivered
                    "Broken.cs(24,55): error FLOW0017",   // OrderShipped shipped: no correlation key
                    "Broken.cs(5,26): warning FLOW0011",  // Placed: no way out
                    "Broken.cs(5,34): warning FLOW0010",  // Shipped: unreachable
                    "Broken.cs(5,59): warning FLOW0010",  // Delivered: unreachable
                    "Broken.cs(8,10): error FLOW0015",    // "orders placed"
                ]),
                "FLOW diagnostics of the build:" + Environment.NewLine + string.Join(Environment.NewLine, errors) + Environment.NewLine + output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"(?<file>[\w.]+\.cs)\((?<line>\d+),(?<col>\d+)\): (?<severity>error|warning) (?<id>FLOW\d{4}):")]
    private static partial Regex FlowError();

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No MSBuild node or compiler server outlives the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
