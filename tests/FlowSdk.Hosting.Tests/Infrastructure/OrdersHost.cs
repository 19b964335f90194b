using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FlowSdk.Hosting.Tests.Infrastructure;

/// <summary>
/// samples/Orders, a project with nothing but annotated classes and references to FlowSdk.Hosting and
/// FlowSdk.Nats, run through its generated entry point as a process, the way <c>dotnet run</c> does.
/// </summary>
internal static class OrdersHost
{
    private static readonly Lazy<string> DllPath = new(FindDll);

    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository's root folder (the one that holds FlowSdk.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Runs one command to its end.</summary>
    public static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs one command to its end with extra environment variables.</summary>
    public static Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) => RunInAsync(null, environment, args);

    /// <summary>Runs one command to its end in <paramref name="directory"/> (where it reads appsettings.json), or a new folder.</summary>
    public static Task<(int Code, string Output, string Error)> RunInAsync(string? directory, IReadOnlyDictionary<string, string>? environment, params string[] args)
        => RunAsync(StartInfo(environment, args, directory));

    /// <summary>Runs one command of <paramref name="dll"/> (a sample built next to the tests) to its end.</summary>
    public static Task<(int Code, string Output, string Error)> RunSampleAsync(string dll, params string[] args)
        => RunAsync(StartInfo(dll, null, args, null));

    private static async Task<(int Code, string Output, string Error)> RunAsync(ProcessStartInfo start)
    {
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

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts a command that keeps running (<c>run</c>); dispose the result to kill it if it still runs.</summary>
    public static HostProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args) => new(StartInfo(environment, args, null));

    /// <summary>Starts a command that keeps running in <paramref name="directory"/> (where it reads appsettings.json).</summary>
    public static HostProcess StartIn(string directory, IReadOnlyDictionary<string, string>? environment, params string[] args) => new(StartInfo(environment, args, directory));

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, string[] args, string? directory)
        => StartInfo(DllPath.Value, environment, args, directory);

    /// <summary>How to start <paramref name="dll"/> (a sample built next to the tests) with <paramref name="args"/>, as <c>dotnet run</c> would.</summary>
    internal static ProcessStartInfo StartInfo(string dll, IReadOnlyDictionary<string, string>? environment, string[] args, string? directory)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";

        // A folder of its own, so the default database (./flowsdk.db) is never shared by accident: tests
        // that want processes to share one pass --db.
        start.WorkingDirectory = directory ?? Directory.CreateTempSubdirectory("flowsdk-orders-").FullName;

        // Only what a test sets: never a NATS URL from the environment the tests run in.
        start.Environment.Remove("FlowSdk__Nats__Url");
        start.Environment.Remove("FLOWSDK__NATS__URL");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static string FindRoot()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "FlowSdk.sln")))
        {
            repo = repo.Parent ?? throw new InvalidOperationException("The repository root (FlowSdk.sln) was not found above " + AppContext.BaseDirectory);
        }

        return repo.FullName;
    }

    private static string FindDll() => SampleDll("Orders");

    /// <summary>The assembly of samples/<paramref name="sample"/>, built next to this test assembly's configuration: .../bin/&lt;Configuration&gt;/net10.0/.</summary>
    internal static string SampleDll(string sample)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepositoryRoot, "samples", sample, "bin", configuration, "net10.0", sample + ".dll");
        Assert.True(File.Exists(dll), $"The {sample} sample is not built at {dll}.");
        return dll;
    }
}

/// <summary>A host process that keeps running: its output so far, waiting for a line, Ctrl+C.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    public HostProcess(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Standard output and standard error so far, interleaved by line.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Completes when a line containing <paramref name="text"/> was printed; fails with the output after <paramref name="timeout"/> or when the process ends first.</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _waiters.Add((text, seen));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first != seen.Task)
        {
            // Output read after the exit is flushed by WaitForExit.
            if (first == exited)
            {
                _process.WaitForExit();
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Assert.Fail($"The host did not print '{text}' {(first == exited ? $"before it exited with {_process.ExitCode}" : $"within {timeout.TotalSeconds} s")}. It printed:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Kills the process with SIGKILL (kill -9): no shutdown, no flush, as a crash would end it.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT (Ctrl+C) and waits for the process to end; returns its exit code.</summary>
    public async Task<int> InterruptAsync()
    {
        using (var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource> done = [];
        lock (_output)
        {
            _output.AppendLine(line);
            var all = _output.ToString();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (all.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    done.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        done.ForEach(d => d.TrySetResult());
    }
}
