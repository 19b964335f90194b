namespace FlowSdk.Transport;

/// <summary>The message headers the runtime and every FlowSdk transport agree on.</summary>
public static class MessageHeaders
{
    /// <summary>
    /// A message's identity, the same on every publish of it: the runtime sets it on what it publishes
    /// from an execution's outbox (<c>&lt;flow&gt;.&lt;execution&gt;.&lt;entry&gt;.&lt;n&gt;</c>), on schedule
    /// ticks and on dead letters, and each transport drops a second publish with an id it has seen
    /// within its duplicate window (in memory and SQLite themselves, NATS through JetStream). Its name is
    /// JetStream's own de-duplication header, so a NATS stream de-duplicates it natively and any NATS
    /// client can set it.
    /// </summary>
    public const string MessageId = "Nats-Msg-Id";
}
