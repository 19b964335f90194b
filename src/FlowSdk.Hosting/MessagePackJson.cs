using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowSdk.Internal;
using MessagePack;

namespace FlowSdk.Hosting;

/// <summary>
/// Writes MessagePack data as JSON, for display, with a <see cref="MessagePackReader"/> and a
/// <see cref="Utf8JsonWriter"/> only: no MessagePack resolver and no reflection, so it is trimming- and
/// Native-AOT-safe (<c>MessagePackSerializer.ConvertToJson</c> links MessagePack's dynamic resolvers).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>nil, bool, int, float</term><description><c>null</c>, <c>true</c>/<c>false</c>, a number (every 64-bit integer exactly); a float that is not a number (NaN, infinities) as the string <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c></description></item>
/// <item><term>str</term><description>a string</description></item>
/// <item><term>bin</term><description>a base64 string</description></item>
/// <item><term>array, map</term><description>an array, an object; a map key that is not a string is written as its JSON text (<c>1</c>, <c>true</c>, <c>null</c>...)</description></item>
/// <item><term>timestamp (extension -1)</term><description>an ISO 8601 UTC string (<c>2025-01-31T08:00:00.0000000Z</c>), nine fraction digits when the nanoseconds need them; a timestamp outside the years 1 to 9999 as any other extension</description></item>
/// <item><term>other extensions</term><description><c>{"$ext": type code, "data": base64}</c></description></item>
/// </list>
/// The data may come from elsewhere (a NATS bucket): nesting is limited to <see cref="WireFormat.MaximumDepth"/>,
/// and every malformed input is a <see cref="MessagePackSerializationException"/>.
/// </remarks>
internal static class MessagePackJson
{
    /// <summary>The MessagePack timestamp extension type.</summary>
    private const sbyte TimestampExtension = -1;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // For people: keep non-ASCII text and characters like '+' and '<' readable. The text is shown, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = WireFormat.MaximumDepth + 1,
    };

    /// <summary>Writes the one MessagePack value in <paramref name="bytes"/> as JSON text.</summary>
    /// <param name="bytes">The MessagePack bytes of one value.</param>
    /// <returns>The JSON text, on one line.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not one valid MessagePack value.</exception>
    public static string ToJson(ReadOnlyMemory<byte> bytes)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, bytes.Length * 2));
        var reader = new MessagePackReader(bytes);
        try
        {
            using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            {
                WriteValue(ref reader, json);
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new MessagePackSerializationException($"The data ends after {reader.Consumed} of its {bytes.Length} byte(s), in the middle of a value.", ex);
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException($"{bytes.Length - reader.Consumed} unexpected byte(s) after the value.");
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(ref MessagePackReader reader, Utf8JsonWriter json)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    json.WriteNumberValue(reader.ReadUInt64());
                }
                else
                {
                    json.WriteNumberValue(reader.ReadInt64());
                }

                break;
            case MessagePackType.Float:
                if (reader.NextCode == MessagePackCode.Float32)
                {
                    var single = reader.ReadSingle();
                    if (float.IsFinite(single))
                    {
                        json.WriteNumberValue(single);
                    }
                    else
                    {
                        json.WriteStringValue(NotANumber(single));
                    }
                }
                else
                {
                    var number = reader.ReadDouble();
                    if (double.IsFinite(number))
                    {
                        json.WriteNumberValue(number);
                    }
                    else
                    {
                        json.WriteStringValue(NotANumber(number));
                    }
                }

                break;
            case MessagePackType.String:
                json.WriteStringValue(ReadString(ref reader));
                break;
            case MessagePackType.Binary:
                WriteBase64(json, reader.ReadBytes()!.Value);
                break;
            case MessagePackType.Array:
            {
                var count = reader.ReadArrayHeader();
                WireFormat.EnterDepth(ref reader);
                json.WriteStartArray();
                for (var i = 0; i < count; i++)
                {
                    WriteValue(ref reader, json);
                }

                json.WriteEndArray();
                reader.Depth--;
                break;
            }

            case MessagePackType.Map:
            {
                var count = reader.ReadMapHeader();
                WireFormat.EnterDepth(ref reader);
                json.WriteStartObject();
                for (var i = 0; i < count; i++)
                {
                    json.WritePropertyName(ReadKey(ref reader));
                    WriteValue(ref reader, json);
                }

                json.WriteEndObject();
                reader.Depth--;
                break;
            }

            case MessagePackType.Extension:
                WriteExtension(ref reader, json);
                break;
            default:
                throw new MessagePackSerializationException($"Byte {reader.Consumed} (0x{reader.NextCode:x2}) does not start a MessagePack value.");
        }
    }

    private static string ReadString(ref MessagePackReader reader)
    {
        var bytes = reader.ReadStringSequence()!.Value;
        return bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>A map key as a property name: a string as it is, anything else as its JSON text.</summary>
    private static string ReadKey(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.String)
        {
            return ReadString(ref reader);
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteValue(ref reader, json);
        }

        // A key written as a JSON string (a timestamp, bin) is used without its quotes.
        if (buffer.WrittenCount > 0 && buffer.WrittenSpan[0] == (byte)'"')
        {
            var quoted = new Utf8JsonReader(buffer.WrittenSpan);
            quoted.Read();
            return quoted.GetString()!;
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteExtension(ref MessagePackReader reader, Utf8JsonWriter json)
    {
        var header = reader.ReadExtensionFormatHeader();
        var data = reader.ReadRaw(header.Length);
        var bytes = data.IsSingleSegment ? data.FirstSpan : data.ToArray();
        if (header.TypeCode == TimestampExtension && Timestamp(bytes) is { } timestamp)
        {
            json.WriteStringValue(timestamp);
            return;
        }

        json.WriteStartObject();
        json.WriteNumber("$ext", header.TypeCode);
        json.WritePropertyName("data");
        json.WriteBase64StringValue(bytes);
        json.WriteEndObject();
    }

    /// <summary>The ISO 8601 text of a MessagePack timestamp (32, 64 or 96 bits), or <see langword="null"/> when it is malformed or outside <see cref="DateTime"/>'s range.</summary>
    private static string? Timestamp(ReadOnlySpan<byte> data)
    {
        long seconds;
        uint nanoseconds;
        switch (data.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                nanoseconds = 0;
                break;
            case 8:
                var packed = BinaryPrimitives.ReadUInt64BigEndian(data);
                nanoseconds = (uint)(packed >> 34);
                seconds = (long)(packed & 0x3_FFFF_FFFFUL);
                break;
            case 12:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                seconds = BinaryPrimitives.ReadInt64BigEndian(data[4..]);
                break;
            default:
                return null;
        }

        const long MinSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
        const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
        if (nanoseconds >= 1_000_000_000 || seconds < MinSeconds || seconds > MaxSeconds)
        {
            return null;
        }

        var time = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / 100);
        return nanoseconds % 100 == 0
            ? time.ToString("O", CultureInfo.InvariantCulture)
            : time.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture) + "." + nanoseconds.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    private static void WriteBase64(Utf8JsonWriter json, ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            json.WriteBase64StringValue(bytes.FirstSpan);
        }
        else
        {
            json.WriteBase64StringValue(bytes.ToArray());
        }
    }

    private static string NotANumber(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
