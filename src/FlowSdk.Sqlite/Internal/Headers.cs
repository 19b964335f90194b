using System.Buffers;
using System.Collections.Immutable;
using MessagePack;

namespace FlowSdk.Sqlite.Internal;

/// <summary>Message headers as stored: a MessagePack map of strings, or NULL when there are none.</summary>
internal static class Headers
{
    public static readonly IReadOnlyDictionary<string, string> None = ImmutableDictionary<string, string>.Empty;

    public static byte[]? Encode(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(headers.Count);
        foreach (var (key, value) in headers)
        {
            writer.Write(key);
            writer.Write(value);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static IReadOnlyDictionary<string, string> Decode(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return None;
        }

        var reader = new MessagePackReader(bytes);
        var count = reader.ReadMapHeader();
        var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? "";
            headers[key] = reader.ReadString() ?? "";
        }

        return headers;
    }
}
