using System.Diagnostics;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// samples/Orders holds nothing but annotated classes; these tests run its generated entry point as
/// a process, the way <c>dotnet run</c> does.
/// </summary>
public sealed class GeneratedHostTests
{
    [Fact]
    public async Task The_generated_entry_point_sends_a_message_and_reports()
    {
        var (code, output, error) = await RunOrdersAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 42.5}""");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("order/o-1: Running in phase Placed, iteration 1", output);
    }

    [Fact]
    public async Task The_generated_entry_point_explains_each_command()
    {
        var (code, output, _) = await RunOrdersAsync("--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "run", "send <port> <json>", "executions", "inspect <id>", "graph", "validate" })
        {
            Assert.Contains(command, output);
        }

        Assert.Contains("Example: dotnet run -- send orders.placed", (await RunOrdersAsync("send", "--help")).Output);
    }

    [Fact]
    public async Task Bad_json_gives_a_non_zero_exit_code_and_names_the_field()
    {
        var (code, _, error) = await RunOrdersAsync("send", "orders.paid", """{"OrderId": "o-1", "Amount": "lots"}""");

        Assert.Equal(2, code);
        Assert.Contains("Field 'Amount' of OrderPaid cannot be the string \"lots\"", error);
    }

    [Fact]
    public async Task Run_starts_the_host_and_stops_gracefully_on_interrupt()
    {
        using var process = Start("run");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, process.ExitCode);
        lock (output)
        {
            Assert.Contains("Running 1 flow(s) (order) on the embedded transport.", output.ToString());
            Assert.Contains("Stopped.", output.ToString());
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunOrdersAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }

    private static Process Start(params string[] args)
    {
        // The Orders host is built next to this test assembly's configuration: .../bin/<Configuration>/net10.0/.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var repo = here;
        while (!File.Exists(Path.Combine(repo.FullName, "FlowSdk.sln")))
        {
            repo = repo.Parent ?? throw new InvalidOperationException("The repository root (FlowSdk.sln) was not found above " + AppContext.BaseDirectory);
        }

        var dll = Path.Combine(repo.FullName, "samples", "Orders", "bin", configuration, "net10.0", "Orders.dll");
        Assert.True(File.Exists(dll), $"The Orders sample is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start)!;
    }
}
