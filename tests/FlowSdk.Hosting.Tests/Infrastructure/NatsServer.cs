using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FlowSdk.Hosting.Tests.Infrastructure;

/// <summary>
/// A real nats-server process with JetStream (<c>-js</c>) on a free loopback port and a temporary
/// store directory (<c>-sd</c>); killed, and its directory deleted, on dispose. nats-server must be on
/// the PATH or in /usr/sbin (build/test.sh installs it), or NATS_SERVER must name it.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private NatsServer(Process process, StringBuilder output, int port, DirectoryInfo storeDirectory)
    {
        _process = process;
        _output = output;
        Port = port;
        StoreDirectory = storeDirectory;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public DirectoryInfo StoreDirectory { get; }

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

    public static async Task<NatsServer> StartAsync()
    {
        var executable = FindExecutable();
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = FreePort();
            var directory = Directory.CreateTempSubdirectory("flowsdk-hosting-nats-");
            var output = new StringBuilder();
            var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", directory.FullName })
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            var server = new NatsServer(process, output, port, directory);
            try
            {
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                await server.WaitUntilAcceptingAsync();
                return server;
            }
            catch (Exception ex)
            {
                last = new InvalidOperationException($"nats-server did not start on port {port}: {ex.Message}\n{server.Output}", ex);
                await server.DisposeAsync();
            }
        }

        throw last!;
    }

    /// <summary>A loopback port nothing listens on (for the moment).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
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
            // Never started.
        }
        finally
        {
            _process.Dispose();
        }

        for (var attempt = 0; attempt < 5 && StoreDirectory.Exists; attempt++)
        {
            try
            {
                StoreDirectory.Delete(recursive: true);
            }
            catch (IOException) when (attempt < 4)
            {
                await Task.Delay(100);
            }

            StoreDirectory.Refresh();
        }
    }

    private async Task WaitUntilAcceptingAsync()
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
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nats-server did not accept connections within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(20);
        }
    }

    private static string FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nats-server"))
            .Concat(["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]);
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } configured)
        {
            candidates = candidates.Prepend(configured);
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server was not found on the PATH or in /usr/sbin. Install it (apt-get install -y nats-server; build/test.sh does) or set NATS_SERVER to its path.");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
