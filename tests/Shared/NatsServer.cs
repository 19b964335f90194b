using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FlowSdk.Testing.Nats;

/// <summary>
/// A real nats-server process on a free loopback port with a temporary store directory (<c>-sd</c>),
/// with JetStream (<c>-js</c>) unless asked otherwise. It is killed and its directory deleted on
/// dispose; a server never disposed is killed when the process exits. nats-server must be on the PATH
/// or in /usr/sbin, /usr/bin or /usr/local/bin, or <c>NATS_SERVER</c> must name it.
/// </summary>
public sealed class NatsServer : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Servers not disposed yet: killed and cleaned up when the process exits, even if nothing disposed them.</summary>
    private static readonly ConcurrentDictionary<NatsServer, byte> Running = new();

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Completed when the server logs that it is ready; failed when it exits first.</summary>
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _pidFile;
    private bool _jetStream = true;
    private string[] _arguments = [];
    private int _disposed;

    static NatsServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Running.Keys)
            {
                server.Kill();
                server.Dispose();
            }
        };
    }

    private NatsServer(Process process, int port, DirectoryInfo storeDirectory, string? pidFile)
    {
        _process = process;
        _pidFile = pidFile;
        Port = port;
        StoreDirectory = storeDirectory;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public DirectoryInfo StoreDirectory { get; }

    /// <summary>The id of the nats-server process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>What the server printed so far, for failure messages.</summary>
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

    /// <summary>Starts a server with JetStream; <paramref name="extraArguments"/> are appended (for example <c>--user</c> and <c>--pass</c>).</summary>
    public static Task<NatsServer> StartAsync(params string[] extraArguments) => StartAsync(jetStream: true, extraArguments);

    /// <summary>Starts a server, with or without JetStream; <paramref name="extraArguments"/> are appended.</summary>
    public static Task<NatsServer> StartAsync(bool jetStream, params string[] extraArguments) => StartAsync(jetStream, pidFile: null, extraArguments);

    /// <summary>
    /// Starts a server and waits until it accepts clients (with JetStream on, if asked for). When
    /// <paramref name="pidFile"/> is given, the server's process id is written to it as soon as the
    /// process runs, for a script that must kill the server should this process be killed outright;
    /// the file is deleted on dispose.
    /// </summary>
    public static async Task<NatsServer> StartAsync(bool jetStream, string? pidFile, IReadOnlyList<string> extraArguments)
    {
        ArgumentNullException.ThrowIfNull(extraArguments);
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("nats-server was not found on the PATH, in /usr/sbin, /usr/bin or /usr/local/bin. Install it (apt-get install -y nats-server; build/test.sh and build/bench.sh do) or set NATS_SERVER to its path.");
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = FreePort();
            var directory = Directory.CreateTempSubdirectory("flowsdk-nats-");
            try
            {
                return await StartOnAsync(executable, port, directory, jetStream, pidFile, extraArguments);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
            }
        }

        throw last!;
    }

    /// <summary>
    /// Kills the server with SIGKILL (no shutdown, as a crash), keeps its store directory, waits
    /// <paramref name="downtime"/>, and starts a new server on the same port and directory with the
    /// same arguments: JetStream recovers its streams and consumers from disk.
    /// </summary>
    public async Task<NatsServer> KillAndRestartAsync(TimeSpan downtime)
    {
        KillHard();
        await Task.Delay(downtime);
        return await StartOnAsync(FindExecutable()!, Port, StoreDirectory, _jetStream, _pidFile, _arguments);
    }

    /// <summary>Kills the server with SIGKILL and waits for it to exit, keeping its store directory (for <see cref="StartOnAsync"/> or a restart).</summary>
    public void KillHard()
    {
        if (!BeginDispose())
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
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

    /// <summary>Starts a server on <paramref name="port"/> with <paramref name="directory"/> as its store (one attempt).</summary>
    public static async Task<NatsServer> StartOnAsync(string executable, int port, DirectoryInfo directory, bool jetStream, string? pidFile, IReadOnlyList<string> extraArguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (jetStream)
        {
            start.ArgumentList.Add("-js");
        }

        foreach (var argument in (string[])["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", directory.FullName, .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new NatsServer(process, port, directory, pidFile) { _jetStream = jetStream, _arguments = [.. extraArguments] };
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Exited += (_, _) => server._ready.TrySetException(new InvalidOperationException($"nats-server exited with code {process.ExitCode}."));
        try
        {
            process.Start();
            Running[server] = 0;
            if (pidFile is not null)
            {
                await File.WriteAllTextAsync(pidFile, process.Id.ToString(CultureInfo.InvariantCulture));
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch (Exception ex)
        {
            var error = new InvalidOperationException($"nats-server did not start on port {port}: {ex.Message}\n{server.Output}", ex);
            await server.DisposeAsync();
            throw error;
        }
    }

    /// <summary>Where nats-server is: <c>NATS_SERVER</c>, the PATH, /usr/sbin, /usr/bin or /usr/local/bin; null when it is not installed.</summary>
    public static string? FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nats-server"))
            .Concat(["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]);
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } configured)
        {
            candidates = candidates.Prepend(configured);
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port nothing listens on (for the moment).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server, waits for it to exit and deletes its store directory. Safe to call more than once and from any thread.</summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
        finally
        {
            _process.Dispose();
        }

        DeleteStore();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
        finally
        {
            _process.Dispose();
        }

        DeleteStore();
    }

    /// <summary>Kills the process, even while another thread is disposing the server.</summary>
    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
    }

    /// <summary>False when the server is already being disposed; otherwise forgets it and deletes its pid file.</summary>
    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return false;
        }

        Running.TryRemove(this, out _);
        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }

        return true;
    }

    /// <summary>Deletes the store directory of the exited server; one it cannot delete stays in the temporary folder.</summary>
    private void DeleteStore()
    {
        try
        {
            StoreDirectory.Refresh();
            if (StoreDirectory.Exists)
            {
                StoreDirectory.Delete(recursive: true);
            }
        }
        catch (IOException)
        {
            // Left in the temporary folder; nothing else uses it.
        }
    }

    /// <summary>
    /// Waits for the server's own "Server is ready" log line: it is written once the client port
    /// listens and, with <c>-js</c>, JetStream has started. A server that exits first (a port taken
    /// meanwhile, a bad option) fails the wait at once.
    /// </summary>
    private async Task WaitUntilReadyAsync()
    {
        try
        {
            await _ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"nats-server did not report that it is ready on port {Port} within {StartTimeout.TotalSeconds} s.");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Server is ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
