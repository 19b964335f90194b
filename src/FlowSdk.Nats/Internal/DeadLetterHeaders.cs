using System.Text;
using NATS.Client.Core;

namespace FlowSdk.Nats.Internal;

/// <summary>Sizes of dead-letter headers, to keep a dead letter under the server's max_payload.</summary>
internal static class DeadLetterHeaders
{
    /// <summary>Most headers a dead letter copies from the original message; the rest are left out.</summary>
    public const int MaxCopied = 32;

    /// <summary>The bytes <paramref name="headers"/> take on the wire, roughly (name, value, separators).</summary>
    public static int Size(NatsHeaders headers)
    {
        var size = 12; // NATS/1.0 line and the final blank line
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? "") + 4;
            }
        }

        return size;
    }
}
