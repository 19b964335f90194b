using System.Diagnostics;

namespace FlowSdk.Tests;

/// <summary>
/// The samples that play a scenario and say whether it ended as expected (exit code 0, one "ok" line per
/// step), run as a user runs them: their own process, the embedded runtime.
/// </summary>
public sealed class ScenarioSampleTests
{
    [Theory]
    [InlineData("Operations", 8)]
    [InlineData("Schedules", 5)]
    [InlineData("Lifecycle", 7)]
    [InlineData("Approvals", 6)]
    [InlineData("FanOut", 5)]
    public async Task The_sample_plays_its_scenario_to_the_expected_end(string sample, int steps)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "FlowSdk.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("FlowSdk.sln was not found above " + AppContext.BaseDirectory);
        }

        var dll = Path.Combine(root.FullName, "samples", sample, "bin", configuration, "net10.0", sample + ".dll");
        Assert.True(File.Exists(dll), $"The {sample} sample is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Directory.CreateTempSubdirectory("flowsdk-sample-").FullName };
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var printed = await output + await error;
        Assert.True(process.ExitCode == 0, $"{sample} exited with {process.ExitCode}:\n{printed}");
        Assert.Equal(steps, printed.Split('\n').Count(l => l.StartsWith("ok  ", StringComparison.Ordinal)));
        Assert.DoesNotContain("FAIL", printed, StringComparison.Ordinal);
        Assert.Contains("Every step ended as expected.", printed, StringComparison.Ordinal);
    }
}
