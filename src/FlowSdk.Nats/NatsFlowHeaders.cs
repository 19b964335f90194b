using System.Text;

namespace FlowSdk.Nats;

/// <summary>
/// The NATS headers FlowSdk reads and writes. Any NATS client can set or read them; docs/nats.md
/// describes each.
/// </summary>
public static class NatsFlowHeaders
{
    /// <summary>
    /// JetStream's de-duplication header: a message published again with the same id within the
    /// stream's duplicate window is stored once. FlowSdk sets it on the messages rules publish (from
    /// the execution's outbox), so a host that publishes an outbox a dead host already published does
    /// not duplicate it.
    /// </summary>
    public const string MessageId = FlowSdk.Transport.MessageHeaders.MessageId;

    /// <summary>The prefix of the headers FlowSdk adds to a dead-lettered message.</summary>
    public const string DeadLetterPrefix = "FlowSdk-DeadLetter-";

    /// <summary>Why the message was given up (the last handler's error, or the delivery count).</summary>
    public const string DeadLetterReason = DeadLetterPrefix + "Reason";

    /// <summary>The subject the message was published on.</summary>
    public const string DeadLetterSubject = DeadLetterPrefix + "Subject";

    /// <summary>The stream that held it.</summary>
    public const string DeadLetterStream = DeadLetterPrefix + "Stream";

    /// <summary>Its sequence number in that stream.</summary>
    public const string DeadLetterSequence = DeadLetterPrefix + "Sequence";

    /// <summary>The consumer (one per queue group, that is per flow) that gave it up.</summary>
    public const string DeadLetterConsumer = DeadLetterPrefix + "Consumer";

    /// <summary>How many times it was delivered.</summary>
    public const string DeadLetterDeliveries = DeadLetterPrefix + "Deliveries";

    /// <summary>The <see cref="MessageId"/> it was published with, if any.</summary>
    public const string DeadLetterOriginalMessageId = DeadLetterPrefix + "Msg-Id";

    /// <summary>On a dead letter whose payload was left out to fit the server's max_payload: its size and where the original is.</summary>
    public const string DeadLetterTruncated = DeadLetterPrefix + "Truncated";

    private const int MaxHeaderValue = 1024;

    /// <summary>Makes text safe as a header value: one line, printable, at most 1024 characters.</summary>
    internal static string Sanitize(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxHeaderValue));
        foreach (var c in text)
        {
            if (builder.Length == MaxHeaderValue)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
