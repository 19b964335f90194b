using System.Diagnostics;
using System.Text;

namespace FlowSdk.Build.Tests.Infrastructure;

/// <summary>Runs the dotnet CLI as a user would, isolated from the test host's MSBuild environment.</summary>
public static class DotNet
{
    /// <summary>The dotnet executable that runs the tests (the SDK sets DOTNET_HOST_PATH for test hosts).</summary>
    private static string Executable => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The repository root: the folder with FlowSdk.sln above the test assembly.</summary>
    internal static string RepositoryRoot { get; } = FindRepositoryRoot();

    internal static Result Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments) =>
        Start(Executable, workingDirectory, environment, timeout, arguments);

    internal static Result Start(string fileName, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The test host runs inside `dotnet test`: its MSBuild variables would steer the child's MSBuild.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // No MSBuild node outlives the command: none holds the test's package folder or task assembly.
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish in {timeout}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new Result($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)}", process.ExitCode, output.ToString(), watch.Elapsed);
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FlowSdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FlowSdk.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>What a command did.</summary>
    public sealed record Result(string Command, int ExitCode, string Output, TimeSpan Duration)
    {
        public Result ShouldSucceed()
        {
            Assert.True(ExitCode == 0, $"'{Command}' failed with exit code {ExitCode}:\n{Output}");
            return this;
        }

        public Result ShouldFail()
        {
            Assert.True(ExitCode != 0, $"'{Command}' should have failed:\n{Output}");
            return this;
        }
    }
}
