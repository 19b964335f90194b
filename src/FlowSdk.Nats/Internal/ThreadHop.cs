using System.Runtime.CompilerServices;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// User code must never run on a NATS connection's reading loop: a caller that blocks there (a rule
/// waiting on a lock, say) would stall every message of the connection. Replies to requests (key/value
/// reads and writes, JetStream publishes, double-ack confirmations) need nothing: NATS.Net completes
/// them with continuations that run asynchronously, so code awaiting them resumes on the thread pool
/// (<c>NatsStateStoreTests.Code_after_a_store_call_never_runs_on_the_connection_reading_loop</c>
/// blocks after each call and needs another reply meanwhile). Operations whose completion is not a
/// reply (setup, listings, a core publish that waited for room in the buffer) return to their caller
/// through this hop.
/// </summary>
internal static class ThreadHop
{
    public static ConfiguredTaskAwaitable ToThreadPool() => Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
}
