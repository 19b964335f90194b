using NATS.Client.Core;

namespace FlowSdk.Nats.Tests.Infrastructure;

/// <summary>Plain NATS.Net connections, as any other NATS client would use the server.</summary>
public static class Connections
{
    public static async Task<NatsConnection> OpenAsync(string url)
    {
        var connection = new NatsConnection(new NatsOpts { Url = url, Name = "plain-client" });
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Deletes a test's stream and bucket when disposed, so the next test on the server can capture the same subjects.</summary>
public sealed class StreamCleanup(string url, NatsFlowOptions options) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await using var connection = await Connections.OpenAsync(url);
        var js = new NATS.Client.JetStream.NatsJSContext(connection);
        try
        {
            await js.DeleteStreamAsync(options.StreamName);
        }
        catch (NATS.Client.JetStream.NatsJSApiException)
        {
        }

        try
        {
            await new NATS.Client.KeyValueStore.NatsKVContext(js).DeleteStoreAsync(options.StateBucket);
        }
        catch (NATS.Client.JetStream.NatsJSApiException)
        {
        }
    }
}
