using System.Globalization;

namespace FlowSdk.Testing.Nats;

/// <summary>
/// A real JetStream cluster of nats-server processes on loopback: each node has its own client port,
/// cluster (route) port, server name (<c>n1</c>, <c>n2</c>, ...) and temporary store directory, and
/// routes to every other node. A node can be killed with SIGKILL and started again on the same ports
/// and store, as a crashed machine that comes back. Disposing kills every node and deletes the stores.
/// </summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private readonly NatsServer?[] _nodes;
    private readonly int[] _clientPorts;
    private readonly int[] _clusterPorts;
    private readonly DirectoryInfo[] _stores;
    private readonly string _name;

    private NatsCluster(int size)
    {
        _nodes = new NatsServer?[size];
        _clientPorts = [.. Enumerable.Range(0, size).Select(_ => NatsServer.FreePort())];
        _clusterPorts = [.. Enumerable.Range(0, size).Select(_ => NatsServer.FreePort())];
        _stores = [.. Enumerable.Range(0, size).Select(_ => Directory.CreateTempSubdirectory("flowsdk-natscluster-"))];
        _name = "flowsdk-" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>How many nodes the cluster has.</summary>
    public int Size => _nodes.Length;

    /// <summary>Every node's client URL, comma-separated (what a client that must fail over is given).</summary>
    public string Urls => string.Join(',', Enumerable.Range(0, Size).Select(UrlOf));

    /// <summary>The server name of node <paramref name="index"/> (<c>n1</c> for index 0).</summary>
    public static string NameOf(int index) => "n" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The index of the node named <paramref name="name"/>.</summary>
    public static int IndexOf(string name) => int.Parse(name.AsSpan(1), CultureInfo.InvariantCulture) - 1;

    /// <summary>The client URL of node <paramref name="index"/>.</summary>
    public string UrlOf(int index) => $"nats://127.0.0.1:{_clientPorts[index]}";

    /// <summary>Whether node <paramref name="index"/> runs.</summary>
    public bool IsRunning(int index) => _nodes[index] is not null;

    /// <summary>What node <paramref name="index"/> printed since it was last started.</summary>
    public string OutputOf(int index) => _nodes[index]?.Output ?? "(not running)";

    /// <summary>
    /// Starts <paramref name="size"/> nodes with JetStream, routed to each other. The nodes accept
    /// clients when this returns; the JetStream meta leader may still be in election (wait for it
    /// through the JetStream API).
    /// </summary>
    public static async Task<NatsCluster> StartAsync(int size = 3)
    {
        var executable = NatsServer.FindExecutable()
            ?? throw new InvalidOperationException("nats-server was not found on the PATH, in /usr/sbin, /usr/bin or /usr/local/bin. Install it (apt-get install -y nats-server) or set NATS_SERVER to its path.");
        var cluster = new NatsCluster(size);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, size).Select(i => cluster.StartNodeAsync(executable, i)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills node <paramref name="index"/> with SIGKILL (no shutdown, as a crash), keeping its store.</summary>
    public void Kill(int index)
    {
        var node = _nodes[index] ?? throw new InvalidOperationException($"Node {NameOf(index)} is not running.");
        node.KillHard();
        _nodes[index] = null;
    }

    /// <summary>Starts node <paramref name="index"/> again on its ports and store, after <see cref="Kill"/>.</summary>
    public Task RestartAsync(int index)
    {
        if (_nodes[index] is not null)
        {
            throw new InvalidOperationException($"Node {NameOf(index)} is running.");
        }

        return StartNodeAsync(NatsServer.FindExecutable()!, index);
    }

    /// <summary>Kills every node and deletes their stores.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Size; i++)
        {
            if (_nodes[i] is { } node)
            {
                node.KillHard();
                _nodes[i] = null;
            }
        }

        foreach (var store in _stores)
        {
            try
            {
                store.Refresh();
                if (store.Exists)
                {
                    store.Delete(recursive: true);
                }
            }
            catch (IOException)
            {
                // Left in the temporary folder; nothing else uses it.
            }
        }

        await Task.CompletedTask;
    }

    private async Task StartNodeAsync(string executable, int index)
    {
        var routes = string.Join(',', Enumerable.Range(0, Size).Where(i => i != index).Select(i => $"nats://127.0.0.1:{_clusterPorts[i]}"));
        string[] arguments =
        [
            "--server_name", NameOf(index),
            "--cluster_name", _name,
            "--cluster", $"nats://127.0.0.1:{_clusterPorts[index]}",
            "--routes", routes,
        ];
        _nodes[index] = await NatsServer.StartOnAsync(executable, _clientPorts[index], _stores[index], jetStream: true, pidFile: null, arguments);
    }
}
