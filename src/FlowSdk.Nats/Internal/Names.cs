using System.Security.Cryptography;
using System.Text;

namespace FlowSdk.Nats.Internal;

/// <summary>Names of JetStream objects derived from FlowSdk's names.</summary>
internal static class Names
{
    /// <summary>
    /// The durable consumer name of a queue group: the group with '.' turned into '_' (consumer names
    /// cannot contain '.', '*', '&gt;', white space or path separators), for example
    /// <c>flowsdk.plan-review</c> becomes <c>flowsdk_plan-review</c>. A group with any other
    /// character that names cannot hold gets a short hash of its exact spelling, so two groups never share a consumer by accident.
    /// </summary>
    public static string DurableConsumer(string queueGroup)
    {
        var builder = new StringBuilder(queueGroup.Length);
        var lossy = false;
        foreach (var c in queueGroup)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_')
            {
                builder.Append(c);
            }
            else
            {
                lossy |= c != '.';
                builder.Append('_');
            }
        }

        if (lossy || builder.Length > 200)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(queueGroup));
            if (builder.Length > 200)
            {
                builder.Length = 200;
            }

            builder.Append('_').Append(Convert.ToHexStringLower(hash, 0, 4));
        }

        return builder.ToString();
    }

    /// <summary>A unique name for a consumer that lives as long as one subscription or watch.</summary>
    public static string Ephemeral(string kind) => $"flowsdk_{kind}_{Guid.NewGuid():N}";

    /// <summary>Validates a stream name: no white space, '.', '*', '&gt;' or path separators.</summary>
    public static string? ValidateStreamName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a stream name cannot be empty";
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '.' or '*' or '>' or '/' or '\\')
            {
                return $"'{name}' contains '{c}'; stream names cannot contain white space, '.', '*', '>', '/' or '\\'";
            }
        }

        return null;
    }

    /// <summary>Validates a key/value bucket name: letters, digits, '-' and '_'.</summary>
    public static string? ValidateBucketName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a bucket name cannot be empty";
        }

        foreach (var c in name)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return $"'{name}' contains '{c}'; bucket names use letters, digits, '-' and '_'";
            }
        }

        return null;
    }
}
