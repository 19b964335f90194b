using System.Buffers;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace FlowSdk.Hosting;

/// <summary>
/// Turns a message written as JSON into the bytes of its port, checked against the message type
/// with errors that name the field: the generated formatters read MessagePack maps keyed by member
/// name, so a JSON object becomes such a map and the port's own formatter validates it.
/// </summary>
internal static class JsonMessages
{
    public static byte[] Encode(IInputPort port, string json)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new FlowCliException($"The message is not valid JSON: {ex.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FlowCliException($"A {port.MessageType} is written as a JSON object, for example {Example(port)}; got a JSON {root.ValueKind.ToString().ToLowerInvariant()}.");
        }

        var fields = FieldsOf(port);
        var properties = new List<(string Name, JsonElement Value)>();
        foreach (var property in root.EnumerateObject())
        {
            var name = fields.FirstOrDefault(f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new FlowCliException($"{port.MessageType} has no field '{property.Name}'; its fields are {string.Join(", ", fields)}.");
            properties.Add((name, property.Value));
        }

        // Check each field alone, so an error names it. JSON has one number type; MessagePack
        // writes decimals as strings, so a number a field refuses is tried once more as its text.
        for (var i = 0; i < properties.Count; i++)
        {
            var (name, value) = properties[i];
            if (TryDecode(port, name, value, out var error))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                using var text = JsonDocument.Parse(JsonSerializerText(value.GetRawText()));
                var asText = text.RootElement.Clone();
                if (TryDecode(port, name, asText, out _))
                {
                    properties[i] = (name, asText);
                    continue;
                }
            }

            throw new FlowCliException($"Field '{name}' of {port.MessageType} cannot be {Describe(value)}: {error}");
        }

        var bytes = ToMessagePack(properties);
        try
        {
            return port.EncodeMessage(port.DecodeMessage(bytes)!);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new FlowCliException($"The message is not a valid {port.MessageType}: {Innermost(ex)}");
        }
    }

    private static bool TryDecode(IInputPort port, string name, JsonElement value, out string? error)
    {
        try
        {
            port.DecodeMessage(ToMessagePack([(name, value)]));
            error = null;
            return true;
        }
        catch (MessagePackSerializationException ex)
        {
            error = Innermost(ex);
            return false;
        }
    }

    private static string JsonSerializerText(string raw) => "\"" + raw + "\"";

    /// <summary>The field names of the port's message, learnt from its formatter: an empty map read and written back.</summary>
    public static IReadOnlyList<string> FieldsOf(IInputPort port)
    {
        var empty = ToMessagePack([]);
        var written = port.EncodeMessage(port.DecodeMessage(empty)!);
        var reader = new MessagePackReader(written);
        var count = reader.ReadMapHeader();
        var names = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            names.Add(reader.ReadString() ?? "");
            reader.Skip();
        }

        return names;
    }

    public static string Example(IInputPort port) => "{" + string.Join(", ", FieldsOf(port).Select(f => $"\"{f}\": ...")) + "}";

    /// <summary>Writes MessagePack bytes as JSON, for display.</summary>
    public static string ToJson(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.ConvertToJson(bytes, FlowSerializer.Options);

    private static byte[] ToMessagePack(List<(string Name, JsonElement Value)> properties)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(properties.Count);
        foreach (var (name, value) in properties)
        {
            writer.Write(name);
            Write(ref writer, value);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ref MessagePackWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var members = value.EnumerateObject().ToList();
                writer.WriteMapHeader(members.Count);
                foreach (var member in members)
                {
                    writer.Write(member.Name);
                    Write(ref writer, member.Value);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Write(ref writer, item);
                }

                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.Number:
                if (value.TryGetInt64(out var integer))
                {
                    writer.Write(integer);
                }
                else if (value.TryGetUInt64(out var unsigned))
                {
                    writer.Write(unsigned);
                }
                else
                {
                    writer.Write(value.GetDouble());
                }

                break;
            case JsonValueKind.True:
                writer.Write(true);
                break;
            case JsonValueKind.False:
                writer.Write(false);
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string {value.GetRawText()}",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => $"a JSON {value.ValueKind.ToString().ToLowerInvariant()}",
    };

    private static string Innermost(Exception ex)
    {
        var message = new StringBuilder(ex.Message);
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            message.Clear().Append(inner.Message);
        }

        return message.ToString();
    }
}

/// <summary>A command line error whose message tells the user what was wrong and what to do.</summary>
internal sealed class FlowCliException(string message) : Exception(message);
