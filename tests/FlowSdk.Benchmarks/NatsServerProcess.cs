using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace FlowSdk.Benchmarks;

/// <summary>
/// A nats-server process for the NATS benchmarks: JetStream on (<c>-js</c>), a free loopback port and
/// a temporary store directory (<c>-sd</c>). It is killed and its directory deleted on dispose, and
/// also when the benchmark process exits or is interrupted (process exit, Ctrl+C, SIGTERM, SIGHUP).
/// Its process id is written to <c>nats-server.pid</c> in the artifacts folder, so that
/// build/bench.sh can kill it even if the benchmark process itself is killed.
/// </summary>
internal sealed class NatsServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _pidFile;
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _disposed;

    private NatsServerProcess(Process process, int port, DirectoryInfo store, string? pidFile)
    {
        _process = process;
        Port = port;
        StoreDirectory = store;
        _pidFile = pidFile;
    }

    public int Port { get; }

    /// <summary>The CPU time the server used so far (user + system, from /proc; zero where there is no /proc).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                // /proc/<pid>/stat: fields 14 and 15 (after the parenthesized name) are utime and stime in clock ticks.
                var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                return TimeSpan.FromSeconds(ticks / 100.0);
            }
            catch (IOException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public string Url => $"nats://127.0.0.1:{Port}";

    public DirectoryInfo StoreDirectory { get; }

    /// <summary>Where nats-server is: <c>NATS_SERVER</c>, the PATH, /usr/bin or /usr/sbin; null when it is not installed.</summary>
    public static string? FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nats-server"))
            .Concat(["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"]);
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } configured)
        {
            candidates = candidates.Prepend(configured);
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Starts a server and waits until it accepts clients with JetStream on.</summary>
    public static async Task<NatsServerProcess> StartAsync(string executable, string? pidFile)
    {
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = FreePort();
            var store = Directory.CreateTempSubdirectory("flowsdk-bench-nats-");
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", store.FullName })
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            var server = new NatsServerProcess(process, port, store, pidFile);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.Start();
            server.KillOnExit();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await server.WaitUntilReadyAsync();
                return server;
            }
            catch (Exception ex) when (attempt < 3)
            {
                last = ex;
                server.Dispose();
            }
            catch (Exception ex)
            {
                server.Dispose();
                throw new InvalidOperationException($"nats-server did not start: {ex.Message}\n{server.Output}", ex);
            }
        }

        throw new InvalidOperationException("nats-server did not start.", last);
    }

    /// <summary>What the server printed, for error messages.</summary>
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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Console.CancelKeyPress -= OnCancel;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Not started or already gone.
        }
        finally
        {
            _process.Dispose();
        }

        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }

        for (var attempt = 0; attempt < 5 && Directory.Exists(StoreDirectory.FullName); attempt++)
        {
            try
            {
                StoreDirectory.Delete(recursive: true);
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(100);
            }
        }
    }

    private void KillOnExit()
    {
        if (_pidFile is not null)
        {
            File.WriteAllText(_pidFile, _process.Id.ToString(CultureInfo.InvariantCulture));
        }

        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Console.CancelKeyPress += OnCancel;
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            // The default handling (the process ends) goes on after the server is killed.
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Dispose()));
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => Dispose();

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(2));
                if (line?.StartsWith("INFO ", StringComparison.Ordinal) == true && line.Contains("\"jetstream\":true", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nats-server did not accept clients on port {Port} within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(20);
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
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
