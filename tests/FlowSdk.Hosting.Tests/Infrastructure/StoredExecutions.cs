using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Hosting.Tests.Infrastructure;

/// <summary>Waits for what a host stores in the NATS key/value bucket, by watching the key: no polling.</summary>
internal static class StoredExecutions
{
    /// <summary>
    /// Returns once the execution's entry (<c>&lt;flow&gt;.&lt;execution&gt;</c> in FlowSdk's default
    /// bucket) holds a state whose JSON satisfies <paramref name="state"/>; fails after
    /// <paramref name="patience"/> with what the host printed.
    /// </summary>
    public static async Task WhenStoredAsync(string url, string key, Func<string, bool> state, string what, HostProcess host, TimeSpan patience)
    {
        await using var client = new NatsConnection(new NatsOpts { Url = url, Name = "state-watch" });
        var bucket = await new NatsKVContext(new NatsJSContext(client)).GetStoreAsync("flowsdk-state");
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            // A watch delivers the key's current value first, then every later one.
            await foreach (var entry in bucket.WatchAsync(key, NatsRawSerializer<byte[]>.Default, cancellationToken: timeout.Token))
            {
                if (entry.Operation == NatsKVOperation.Put && entry.Value is { } value && state(JsonMessages.ToJson(value)))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }

        Assert.Fail($"Not within {patience.TotalSeconds} s: {what}. The host printed:{Environment.NewLine}{host.Output}");
    }
}
