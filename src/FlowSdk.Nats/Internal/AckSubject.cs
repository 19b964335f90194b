using System.Globalization;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// Reads what the consumer group needs of a JetStream delivery (how often it was delivered, its
/// stream sequence, its timestamp) from the delivery's reply subject without allocating. NATS.Net's
/// <c>INatsJSMsg.Metadata</c> reads the same subject by splitting it into strings on first use, which
/// costs every delivery about 500 bytes; it stays the fallback for a subject of another form.
/// </summary>
/// <remarks>
/// The two forms (NATS ADR-15): <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;</c>
/// (9 tokens), and <c>$JS.ACK.&lt;domain&gt;.&lt;account hash&gt;.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;[.&lt;token&gt;]</c>
/// (11 or more). The time is the stream's, in nanoseconds since the Unix epoch: the same in every
/// delivery of a message.
/// </remarks>
internal static class AckSubject
{
    private const int MaxTokens = 16;

    /// <summary>
    /// Reads <paramref name="replyTo"/>; false when it is not a JetStream acknowledgement subject of
    /// a known form (the caller then reads the message's metadata).
    /// </summary>
    public static bool TryRead(string? replyTo, out ulong delivered, out ulong streamSequence, out long timestamp)
    {
        delivered = 0;
        streamSequence = 0;
        timestamp = 0;
        if (replyTo is null || !replyTo.StartsWith("$JS.ACK.", StringComparison.Ordinal))
        {
            return false;
        }

        // Token boundaries: starts[i] .. ends[i] (exclusive).
        Span<int> starts = stackalloc int[MaxTokens];
        Span<int> ends = stackalloc int[MaxTokens];
        var count = 0;
        var start = 0;
        for (var i = 0; i <= replyTo.Length; i++)
        {
            if (i == replyTo.Length || replyTo[i] == '.')
            {
                if (count == MaxTokens)
                {
                    return false;
                }

                starts[count] = start;
                ends[count] = i;
                count++;
                start = i + 1;
            }
        }

        // The index of the delivered count: the stream sequence and the time follow it.
        int first;
        if (count == 9)
        {
            first = 4;
        }
        else if (count >= 11)
        {
            first = 6;
        }
        else
        {
            return false;
        }

        var span = replyTo.AsSpan();
        return ulong.TryParse(span[starts[first]..ends[first]], NumberStyles.None, CultureInfo.InvariantCulture, out delivered)
            && ulong.TryParse(span[starts[first + 1]..ends[first + 1]], NumberStyles.None, CultureInfo.InvariantCulture, out streamSequence)
            && long.TryParse(span[starts[first + 3]..ends[first + 3]], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp);
    }
}
