using System.Diagnostics;
using System.Text;

namespace FlowSdk.Packaging.Tests.Infrastructure;

/// <summary>A generated host running in the background (<c>dotnet app.dll run ...</c>), killed on <see cref="Stop"/>.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Signalled on every line the host prints and when its output ends: waiters look again.</summary>
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _streamsEnded;

    private HostProcess(Process process) => _process = process;

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

    public static HostProcess Start(string directory, IReadOnlyDictionary<string, string?> environment, string dll, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var host = new HostProcess(new Process { StartInfo = info });
        host._process.OutputDataReceived += (_, e) => host.Append(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits until the host printed <paramref name="text"/>; fails at once if it exits first.</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_output)
            {
                if (_output.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                changed = _changed.Task;
            }

            if (changed.IsCompleted)
            {
                _process.WaitForExit();
                throw new TimeoutException($"The host did not print '{text}' (it exited with {_process.ExitCode}):\n{Output}");
            }

            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The host did not print '{text}' within {timeout}:\n{Output}");
            }
        }
    }

    public void Stop()
    {
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
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        TaskCompletionSource changed;
        lock (_output)
        {
            if (line is not null)
            {
                _output.AppendLine(line);
            }

            // A null line ends a stream; once both have ended the signal stays completed, so a waiter
            // sees an exited host instead of waiting out its timeout.
            if (line is null)
            {
                _streamsEnded++;
            }

            changed = _changed;
            if (_streamsEnded < 2)
            {
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        changed.TrySetResult();
    }
}
