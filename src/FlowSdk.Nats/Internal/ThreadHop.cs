using System.Runtime.CompilerServices;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// The NATS client completes replies (key/value reads and writes, publish and double-ack
/// confirmations) on its connection's reading loop. Code awaiting them would go on running there,
/// and a caller that then blocks (a rule waiting on a lock, say) would stall every message of the
/// connection. Every public operation therefore returns to its caller from the thread pool.
/// </summary>
internal static class ThreadHop
{
    public static ConfiguredTaskAwaitable ToThreadPool() => Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
}
