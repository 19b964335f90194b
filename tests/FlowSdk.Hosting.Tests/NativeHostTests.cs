using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// samples/Orders published with Native AOT, as docs/hosting.md says
/// (<c>dotnet publish samples/Orders -c Release -p:NativeHost=true</c>): the publish reports no trim or
/// AOT warning (FlowSdk, FlowSdk.Hosting, FlowSdk.Nats, the NATS client, the generic host), and the
/// native executable runs <c>send</c> in memory and on NATS. About three minutes on two cores; set
/// FLOWSDK_SKIP_AOT_TESTS=1 to leave it out of a quick local run.
/// </summary>
public sealed partial class NativeHostTests
{
    [Fact]
    public async Task The_orders_host_publishes_with_Native_AOT_without_warnings_and_runs()
    {
        if (Environment.GetEnvironmentVariable("FLOWSDK_SKIP_AOT_TESTS") == "1")
        {
            return;
        }

        Assert.True(OnPath("gcc") || OnPath("clang"), "Native AOT links with gcc or clang; neither is on PATH (apt-get install -y gcc).");
        var output = Directory.CreateTempSubdirectory("flowsdk-native-host-");
        try
        {
            // Its own artifacts folder: the publish never touches the repository's bin/ and obj/, which
            // other test assemblies are running from. Every warning is reported, not one per assembly.
            var native = Path.Combine(output.FullName, "native");
            var publish = await RunAsync(
                "dotnet",
                ["publish", Path.Combine(OrdersHost.RepositoryRoot, "samples", "Orders"), "-c", "Release", "-p:NativeHost=true", "-p:TrimmerSingleWarn=false",
                 "--artifacts-path", Path.Combine(output.FullName, "artifacts"), "-o", native, "-nologo"],
                TimeSpan.FromMinutes(8));

            Assert.True(publish.Code == 0, $"dotnet publish exited with {publish.Code}:{Environment.NewLine}{publish.Output}");
            var warnings = TrimOrAotWarning().Matches(publish.Output).Select(m => m.Value).Distinct().ToList();
            Assert.True(warnings.Count == 0, $"The publish reported trim or AOT warnings:{Environment.NewLine}{string.Join(Environment.NewLine, warnings)}");
            Assert.Contains("Generating native code", publish.Output, StringComparison.Ordinal);

            var executable = Path.Combine(native, "Orders");
            var sent = await RunAsync(executable, ["send", "orders.placed", """{"OrderId": "o-1", "Total": 42.5}"""], TimeSpan.FromMinutes(1));
            Assert.Equal(0, sent.Code);
            Assert.Equal(
                """
                Sent OrderPlaced on orders.placed.
                Messages: orders.placed
                order/o-1: Running in phase Placed, iteration 1
                  #1 Place: New -> Placed (Mutate, MessageAndState on orders.placed)

                """,
                sent.Output);

            var bad = await RunAsync(executable, ["send", "orders.paid", """{"OrderId": "o-1", "Amount": "lots"}"""], TimeSpan.FromMinutes(1));
            Assert.Equal(FlowCli.UsageError, bad.Code);
            Assert.Contains("error: Field 'Amount' of OrderPaid cannot be the string \"lots\"", bad.Output);

            await RunsOnNatsAsync(executable);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>The native host on a real nats-server: run, send, inspect (the NATS client's JSON and the state's JSON without reflection).</summary>
    private static async Task RunsOnNatsAsync(string executable)
    {
        await using var server = await NatsServer.StartAsync();
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "run", "--nats", server.Url })
        {
            start.ArgumentList.Add(argument);
        }

        await using var host = new HostProcess(start);
        await host.WaitForAsync("Running 1 flow(s) (order) on NATS.", TimeSpan.FromSeconds(30));
        var sent = await RunAsync(executable, ["send", "orders.placed", """{"OrderId": "o-n", "Total": 7}""", "--nats", server.Url], TimeSpan.FromMinutes(1));
        Assert.True(sent.Code == 0, sent.Output);

        await StoredExecutions.WhenStoredAsync(server.Url, "order.o-n", _ => true, "the native host stored order o-n", host, TimeSpan.FromMinutes(1));
        var inspected = await RunAsync(executable, ["inspect", "o-n", "--nats", server.Url], TimeSpan.FromMinutes(1));

        Assert.True(inspected.Code == 0, $"inspect: {inspected.Output}{Environment.NewLine}The host printed:{Environment.NewLine}{host.Output}");
        Assert.Contains("""state: {"Total":"7","Paid":"0","$execution":{"Id":"o-n","Flow":"order","Phase":"Placed","Status":"Running",""", inspected.Output);
        Assert.Equal(0, await host.InterruptAsync());
    }

    private static async Task<(int Code, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        // A folder of its own: commands without --nats keep executions in ./flowsdk.db.
        start.WorkingDirectory = Directory.CreateTempSubdirectory("flowsdk-native-run-").FullName;
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.Append(e.Data is null ? "" : e.Data + "\n"); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.Append(e.Data is null ? "" : e.Data + "\n"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in {timeout}:{Environment.NewLine}{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, tool)));

    [GeneratedRegex(@"(warning|error) IL[23]\d{3}[^\r\n]*")]
    private static partial Regex TrimOrAotWarning();
}
