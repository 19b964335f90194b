using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// Which NATS failures are the infrastructure's, not the message's: the server did not answer,
/// nobody answered, the connection is down, or JetStream is electing a leader. The runtime retries
/// events that fail with them in process (<see cref="FlowSdk.Transport.ITransientErrorClassifier"/>).
/// </summary>
internal static class TransientErrors
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NatsNoRespondersException => true,
        NatsConnectionFailedException => true,
        TimeoutException => true,

        // 503: JetStream not available / no quorum (leader election); 408: request timed out; 500: not ready.
        NatsJSApiException api => api.Error.Code is 503 or 408 or 500 || api.Error.ErrCode is 10008 or 10023,

        // During a failover a KV create can report a missing key (the write reached a follower behind).
        NatsKVKeyNotFoundException => true,
        NatsJSException js => js.Message.Contains("No response", StringComparison.OrdinalIgnoreCase) || js.Message.Contains("no responders", StringComparison.OrdinalIgnoreCase),
        // NatsNoReplyException ("No reply received": the request's reply never came, a server went away).
        NatsException nats => nats.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase) || nats.Message.Contains("No response", StringComparison.OrdinalIgnoreCase)
            || nats.Message.Contains("No reply", StringComparison.OrdinalIgnoreCase) || nats.Message.Contains("connection", StringComparison.OrdinalIgnoreCase),
        OperationCanceledException => true,
        _ => false,
    };
}
