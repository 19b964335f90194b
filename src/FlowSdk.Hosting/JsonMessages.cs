using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FlowSdk.Internal;
using FlowSdk.Serialization;
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
            if (properties.Exists(p => p.Name == name))
            {
                throw new FlowCliException($"Field '{name}' of {port.MessageType} is given twice.");
            }

            properties.Add((name, property.Value));
        }

        // Check each field alone, so an error names it. The JSON value is written as MessagePack as it
        // is; when the field refuses that, as the other forms JSON has no type for (see Candidates).
        var values = new List<(string Name, byte[] Value)>(properties.Count);
        foreach (var (name, value) in properties)
        {
            string? error = null;
            byte[]? accepted = null;
            foreach (var candidate in Candidates(value))
            {
                if (TryDecode(port, name, candidate, out var refused))
                {
                    accepted = candidate;
                    break;
                }

                error ??= refused;
            }

            values.Add((name, accepted ?? throw new FlowCliException($"Field '{name}' of {port.MessageType} cannot be {Describe(value)}: {error}")));
        }

        var message = Write(port, values);

        // MessagePack readers take a string where bytes are expected (the old raw format): a byte
        // array field would get the string's UTF-8 bytes. In JSON, bytes are base64.
        var binary = BinaryFields(message);
        var changed = false;
        for (var i = 0; i < values.Count; i++)
        {
            var (name, value) = properties[i];
            if (value.ValueKind != JsonValueKind.String || !binary.Contains(name))
            {
                continue;
            }

            var text = value.GetString()!;
            var bytes = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, bytes, out var written))
            {
                throw new FlowCliException($"Field '{name}' of {port.MessageType} cannot be {Describe(value)}: the field holds bytes, written in JSON as base64.");
            }

            values[i] = (name, Encode((ref MessagePackWriter w) => w.Write(bytes.AsSpan(0, written))));
            changed = true;
        }

        return changed ? Write(port, values) : message;
    }

    /// <summary>The message the fields make, read and written back by the port's formatter.</summary>
    private static byte[] Write(IInputPort port, List<(string Name, byte[] Value)> values)
    {
        try
        {
            return port.EncodeMessage(port.DecodeMessage(ToMessagePack(values))!);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new FlowCliException($"The message is not a valid {port.MessageType}: {Innermost(ex)}");
        }
    }

    /// <summary>The keys of a message map whose values are MessagePack bin (byte arrays).</summary>
    private static HashSet<string> BinaryFields(byte[] message)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        var reader = new MessagePackReader(message);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? "";
            if (reader.NextMessagePackType == MessagePackType.Binary)
            {
                fields.Add(key);
            }

            reader.Skip();
        }

        return fields;
    }

    /// <summary>Whether the message's formatter reads <paramref name="value"/> as field <paramref name="name"/>; if not, why.</summary>
    private static bool TryDecode(IInputPort port, string name, byte[] value, out string? error)
    {
        try
        {
            port.DecodeMessage(ToMessagePack([(name, value)]));
            error = null;
            return true;
        }
        catch (MessagePackSerializationException ex) when (LacksOnlyAnotherRequiredField(port, name, ex))
        {
            // The field alone is fine; the message also has required fields this check leaves out.
            error = null;
            return true;
        }
        catch (MessagePackSerializationException ex)
        {
            error = Innermost(ex);
            return false;
        }
    }

    /// <summary>Whether reading failed only because the message lacks one of its other required fields, not because of <paramref name="name"/>'s value.</summary>
    private static bool LacksOnlyAnotherRequiredField(IInputPort port, string name, Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        if (innermost is not RequiredMemberMissingException missing || port.Fields is not { } fields)
        {
            return false;
        }

        var prefix = port.MessageType + ".";
        return missing.Member.StartsWith(prefix, StringComparison.Ordinal)
            && missing.Member[prefix.Length..] is var field
            && field != name
            && fields.Contains(field, StringComparer.Ordinal);
    }

    /// <summary>
    /// The MessagePack forms a JSON value may stand for, the plain one first. JSON has one number
    /// type and no date, duration or bytes, so, in the forms <c>inspect</c> shows them in: a number is
    /// also tried as its text (MessagePack writes decimals as strings); a string as the number it
    /// spells, as an ISO 8601 date (the <c>[timestamp, offset minutes]</c> of a
    /// <see cref="DateTimeOffset"/>, or a timestamp) and as a <see cref="TimeSpan"/> (its ticks); an
    /// object or array with dates in it, with those dates as timestamps. (Base64 for bytes: see Encode.)
    /// </summary>
    private static IEnumerable<byte[]> Candidates(JsonElement value)
    {
        yield return Encode(value);
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                yield return Encode((ref MessagePackWriter w) => w.Write(raw));
                break;
            case JsonValueKind.String:
            {
                var text = value.GetString()!;
                if (text.Length > 0 && (char.IsAsciiDigit(text[^1]) || text[^1] == '.'))
                {
                    using var number = TryParseJson(text);
                    if (number?.RootElement.ValueKind == JsonValueKind.Number)
                    {
                        yield return Encode(number.RootElement);
                    }
                }

                if (TryParseDate(text, out var instant))
                {
                    yield return Encode((ref MessagePackWriter w) => WireFormat.WriteDateTimeOffset(ref w, instant));
                    yield return Encode((ref MessagePackWriter w) => WireFormat.WriteDateTime(ref w, instant.UtcDateTime));
                }

                if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var duration))
                {
                    yield return Encode((ref MessagePackWriter w) => WireFormat.WriteTimeSpan(ref w, duration));
                }

                break;
            }

            case JsonValueKind.Object or JsonValueKind.Array when HasDates(value):
                yield return Encode((ref MessagePackWriter w) => Write(ref w, value, datesAsTimestamps: true));
                break;
        }
    }

    /// <summary>Reads an ISO 8601 date or date and time (<c>2025-01-31</c>, <c>2025-01-31T08:00:00Z</c>, <c>...+02:00</c>); without an offset it is UTC.</summary>
    private static bool TryParseDate(string text, out DateTimeOffset value)
    {
        value = default;
        return text.Length >= 10
            && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && char.IsAsciiDigit(text[3])
            && text[4] == '-' && text[7] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static bool HasDates(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => TryParseDate(value.GetString()!, out _),
        JsonValueKind.Object => value.EnumerateObject().Any(p => HasDates(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Any(HasDates),
        _ => false,
    };

    private static JsonDocument? TryParseJson(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The field names of the port's message: the keys its generated formatter writes; for a formatter written by hand, the keys it writes for an empty map read back.</summary>
    public static IReadOnlyList<string> FieldsOf(IInputPort port)
    {
        if (port.Fields is { } fields)
        {
            return fields;
        }

        // A formatter written by hand: the keys it writes for a message read from an empty map.
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

    /// <summary>Writes MessagePack bytes as JSON, for display (<see cref="MessagePackJson"/>).</summary>
    public static string ToJson(ReadOnlyMemory<byte> bytes) => MessagePackJson.ToJson(bytes);

    private delegate void WriteValue(ref MessagePackWriter writer);

    private static byte[] Encode(JsonElement value) => Encode((ref MessagePackWriter w) => Write(ref w, value, datesAsTimestamps: false));

    private static byte[] Encode(WriteValue write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] ToMessagePack(List<(string Name, byte[] Value)> values) => Encode((ref MessagePackWriter writer) =>
    {
        writer.WriteMapHeader(values.Count);
        foreach (var (name, value) in values)
        {
            writer.Write(name);
            writer.WriteRaw(value);
        }
    });

    private static void Write(ref MessagePackWriter writer, JsonElement value, bool datesAsTimestamps)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var members = value.EnumerateObject().ToList();
                writer.WriteMapHeader(members.Count);
                foreach (var member in members)
                {
                    writer.Write(member.Name);
                    Write(ref writer, member.Value, datesAsTimestamps);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Write(ref writer, item, datesAsTimestamps);
                }

                break;
            case JsonValueKind.String when datesAsTimestamps && TryParseDate(value.GetString()!, out var date):
                WireFormat.WriteDateTime(ref writer, date.UtcDateTime);
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
internal sealed class FlowCliException(string message, int exitCode = FlowCli.UsageError) : Exception(message)
{
    /// <summary>The exit code of the command that failed.</summary>
    public int ExitCode { get; } = exitCode;
}
