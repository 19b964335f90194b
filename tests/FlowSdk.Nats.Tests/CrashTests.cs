using System.Diagnostics;
using System.Text.Json;
using FlowSdk.Testing.Nats;
using Xunit.Abstractions;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// Crash tests against real nats-server processes and real host processes (tests/FlowSdk.CrashHost,
/// a phase-gated flow: step N applies only in phase N-1, each step publishes an output through the
/// outbox). A host or a server is killed with SIGKILL mid-run; the outcome must be exactly that of
/// an undisturbed run: 0 lost steps, 0 double-applied, 0 duplicate outputs, 0 dead letters, every
/// execution completed, within the bound each test states. The hosts run with AckWait 2 s, except in the host-kill test,
/// which runs them with the default (5 s).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Executions = 200;

    /// <summary>How long after the failed component is back every execution must have completed (1,000 steps on a shared 2-core machine).</summary>
    private static readonly TimeSpan CompletionBound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// From the failed component being back (new host ready, server restarted) to the last of the
    /// 200 executions completed, verifying process start included: AckWait 2 s brings back what a
    /// killed host held, 4 s pull expiries replace pull requests a restarted server lost. Measured
    /// 0.3 to 1.4 s on an idle machine; the bound leaves room for a CPU shared with builds.
    /// </summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_host_killed_mid_run_loses_nothing_and_a_new_host_finishes_every_execution()
    {
        await using var server = await NatsServer.StartAsync();

        // 1,000 steps published over at least 3 s while the first host handles them: it fetches what
        // is there and is handling it, mostly unacknowledged, when it is killed outright. Paced,
        // because a host handles a backlog of 1,000 steps faster than the test can kill it.
        // With the default AckWait (5 s): what the killed host held comes back in seconds, not 30.
        var publish = CrashHost.RunAsync("publish", server.Url, Executions.ToString(), "x", "0", "3");
        var first = await CrashHost.StartAsync(server.Url, ackWait: "default");
        await first.WhenFiredAsync(50);
        first.Kill(output);
        Assert.True(first.Fired < Executions * 5, $"the host had finished all {first.Fired} steps before it was killed");

        await using var second = await CrashHost.StartAsync(server.Url, ackWait: "default");
        var back = Stopwatch.StartNew();
        await publish;
        var result = await VerifyAsync(server.Url, back);
        AssertNothingLost(result);
        await second.StopAsync(output);
    }

    [Fact]
    public async Task A_server_killed_mid_run_and_restarted_loses_nothing()
    {
        var server = await NatsServer.StartAsync();
        try
        {
            await using var host = await CrashHost.StartAsync(server.Url);

            // Paced over 3 s, as above: unpaced, a host can handle all 1,000 steps before the kill lands.
            var publish = CrashHost.RunAsync("publish", server.Url, Executions.ToString(), "x", "0", "3");
            await host.WhenFiredAsync(50);
            Assert.True(host.Fired < Executions * 5, $"the host had finished all {host.Fired} steps before the server was killed");
            server = await server.KillAndRestartAsync(TimeSpan.FromSeconds(1));
            var back = Stopwatch.StartNew();
            await publish;

            var result = await VerifyAsync(server.Url, back);
            AssertNothingLost(result);
            await host.StopAsync(output);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_hosts_racing_one_killed_mid_run_lose_nothing()
    {
        await using var server = await NatsServer.StartAsync();
        var doomed = await CrashHost.StartAsync(server.Url);
        await using var survivor = await CrashHost.StartAsync(server.Url);

        // Paced over 3 s, as above, so the kill lands while the doomed host still has steps to handle.
        var publish = CrashHost.RunAsync("publish", server.Url, Executions.ToString(), "x", "0", "3");
        await doomed.WhenFiredAsync(25);
        doomed.Kill(output);
        Assert.True(doomed.Fired < Executions * 5, $"the doomed host had finished all {doomed.Fired} steps before it was killed");
        var back = Stopwatch.StartNew();
        await publish;

        var result = await VerifyAsync(server.Url, back);
        AssertNothingLost(result);
        await survivor.StopAsync(output);
    }

    private Task<Dictionary<string, long>> VerifyAsync(string url, Stopwatch back) =>
        CrashHost.VerifyAsync(output, url, Executions, CompletionBound, back);

    private static void AssertNothingLost(Dictionary<string, long> result) =>
        CrashHost.AssertNothingLost(result, Executions, RecoveryBound);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashCollection
{
    public const string Name = "crash";
}

/// <summary>A tests/FlowSdk.CrashHost process: built once per test run, started with <c>dotnet</c>.</summary>
internal sealed class CrashHost : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> Dll = new(BuildAsync);
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long AtLeast, TaskCompletionSource Reached)> _progressWaiters = [];
    private long _fired;

    private CrashHost(Process process) => _process = process;

    /// <summary>Starts a host with AckWait <paramref name="ackWait"/> seconds (<c>default</c>: the transport's default) and waits until it consumes.</summary>
    public static async Task<CrashHost> StartAsync(string url, IReadOnlyDictionary<string, string>? environment = null, string ackWait = "2")
    {
        var process = Start(await Dll.Value, environment, "host", url, ackWait);
        var host = new CrashHost(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                host._ready.TrySetException(new InvalidOperationException("The host exited before it was ready:\n" + string.Join('\n', host._lines)));
                return;
            }

            lock (host._lines)
            {
                host._lines.Add(e.Data);
            }

            if (e.Data.StartsWith("server ", StringComparison.Ordinal))
            {
                host.Server = e.Data["server ".Length..];
            }
            else if (e.Data == "ready")
            {
                host._ready.TrySetResult();
            }
            else if (e.Data.StartsWith("fired ", StringComparison.Ordinal))
            {
                host.OnFired(long.Parse(e.Data["fired ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (host._lines)
                {
                    host._lines.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await host._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    /// <summary>
    /// Waits (at most <paramref name="completionBound"/>) for <paramref name="executions"/> executions
    /// to complete and returns the outcome; <c>recoveryMs</c> is the time from the failed component
    /// being back (<paramref name="back"/> started) until the last execution completed, an upper bound
    /// (it includes starting the verifying process).
    /// </summary>
    public static async Task<Dictionary<string, long>> VerifyAsync(ITestOutputHelper output, string url, int executions, TimeSpan completionBound, Stopwatch back, IReadOnlyDictionary<string, string>? environment = null)
    {
        var before = back.ElapsedMilliseconds;
        var lines = await RunAsync(environment, "verify", url, executions.ToString(System.Globalization.CultureInfo.InvariantCulture), completionBound.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var line = lines.Single(l => l.StartsWith("result ", StringComparison.Ordinal));
        var result = JsonSerializer.Deserialize<Dictionary<string, long>>(line["result ".Length..])!;
        result["recoveryMs"] = before + result["completedAfterMs"];
        output.WriteLine(line);
        output.WriteLine($"recovery: every execution completed {result["recoveryMs"]} ms after the failed component was back");
        return result;
    }

    /// <summary>The outcome of an undisturbed run: every execution completed, nothing lost, doubled, reordered, missing or dead-lettered, within <paramref name="recoveryBound"/>.</summary>
    public static void AssertNothingLost(Dictionary<string, long> result, int executions, TimeSpan recoveryBound)
    {
        Assert.Equal(executions, result["completed"]);
        Assert.Equal(0, result["stuck"]);
        Assert.Equal(0, result["lostSteps"]);
        Assert.Equal(0, result["doubleApplied"]);
        Assert.Equal(0, result["outOfOrder"]);
        Assert.Equal(0, result["duplicateOutputs"]);
        Assert.Equal(0, result["missingOutputs"]);
        Assert.Equal(0, result["deadLetters"]);
        Assert.True(result["recoveryMs"] < recoveryBound.TotalMilliseconds, $"every execution completed only {result["recoveryMs"]} ms after the failed component was back (bound {recoveryBound.TotalMilliseconds} ms)");
    }

    /// <summary>Runs a one-shot command (publish, verify) and returns what it printed.</summary>
    public static Task<List<string>> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    /// <summary>Runs a one-shot command with extra environment variables (<c>CRASH_REPLICAS</c>).</summary>
    public static async Task<List<string>> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Start(await Dll.Value, environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"crash host {arguments[0]} exited with {process.ExitCode}:\n{text}\n{await stderr}");
        }

        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private string? _server;

    /// <summary>The name of the server the host last reported it is connected to.</summary>
    public string? Server
    {
        get => Volatile.Read(ref _server);
        private set => Volatile.Write(ref _server, value);
    }

    /// <summary>The rule firings the host last reported (it reports every 25).</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Completes when the host has reported at least <paramref name="atLeast"/> rule firings.</summary>
    public Task WhenFiredAsync(long atLeast)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_progressWaiters)
        {
            if (Fired >= atLeast)
            {
                return Task.CompletedTask;
            }

            _progressWaiters.Add((atLeast, reached));
        }

        return reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private void OnFired(long total)
    {
        lock (_progressWaiters)
        {
            Interlocked.Exchange(ref _fired, Math.Max(Fired, total));
            foreach (var waiter in _progressWaiters.Where(w => w.AtLeast <= total).ToList())
            {
                waiter.Reached.TrySetResult();
                _progressWaiters.Remove(waiter);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown, nothing flushed, nothing acknowledged.</summary>
    public void Kill(ITestOutputHelper output)
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        output.WriteLine("killed a host");
        WriteLog(output);
    }

    /// <summary>Writes what the host logged to the test output.</summary>
    public void WriteLog(ITestOutputHelper output)
    {
        lock (_lines)
        {
            foreach (var line in _lines)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>SIGTERM, then waits for the counters the host prints and writes them to the test output.</summary>
    public async Task StopAsync(ITestOutputHelper output)
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(timeout.Token);
        }

        WriteLog(output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static Process Start(string dll, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static async Task<string> BuildAsync()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FlowSdk.sln")))
        {
            root = root.Parent;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var project = Path.Combine(root!.FullName, "tests", "FlowSdk.CrashHost", "FlowSdk.CrashHost.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["build", project, "-c", configuration, "-v", "q", "-nologo"])
        {
            start.ArgumentList.Add(argument);
        }

        using var build = Process.Start(start)!;
        var text = await build.StandardOutput.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("Building the crash host failed:\n" + text);
        }

        return Path.Combine(root.FullName, "tests", "FlowSdk.CrashHost", "bin", configuration, "net10.0", "FlowSdk.CrashHost.dll");
    }
}
