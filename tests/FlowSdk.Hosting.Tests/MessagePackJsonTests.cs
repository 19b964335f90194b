using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace FlowSdk.Hosting.Tests;

/// <summary>MessagePack shown as JSON without MessagePack's resolvers: every MessagePack type, and bad data.</summary>
public sealed class MessagePackJsonTests
{
    private static readonly DateTime Morning = new(2025, 1, 31, 8, 0, 0, DateTimeKind.Utc);

    private delegate void WriteValue(ref MessagePackWriter writer);

    [Theory]
    [InlineData("nil", "null")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("fixint", "7")]
    [InlineData("negative fixint", "-5")]
    [InlineData("int8", "-100")]
    [InlineData("uint8", "200")]
    [InlineData("int16", "-30000")]
    [InlineData("uint16", "60000")]
    [InlineData("int32", "-2000000000")]
    [InlineData("uint32", "4000000000")]
    [InlineData("int64", "-9223372036854775808")]
    [InlineData("uint64", "18446744073709551615")]
    [InlineData("float32", "1.5")]
    [InlineData("float64", "0.1")]
    [InlineData("NaN", "\"NaN\"")]
    [InlineData("infinity", "\"Infinity\"")]
    [InlineData("negative infinity", "\"-Infinity\"")]
    [InlineData("str", "\"é \\\"quoted\\\" <+> \\n\"")]
    [InlineData("bin", "\"AAEC+g==\"")]
    [InlineData("array", "[1,[],{}]")]
    [InlineData("map with other keys", "{\"1\":\"one\",\"true\":\"yes\",\"null\":\"none\",\"2025-01-31T08:00:00.0000000Z\":\"date\"}")]
    [InlineData("timestamp 32", "\"2025-01-31T08:00:00.0000000Z\"")]
    [InlineData("timestamp 64", "\"2025-01-31T08:00:00.1234567Z\"")]
    [InlineData("timestamp 64 in nanoseconds", "\"2025-01-31T08:00:00.123456789Z\"")]
    [InlineData("timestamp 96", "\"0001-01-01T00:00:00.0000000Z\"")]
    [InlineData("timestamp past year 9999", "{\"$ext\":-1,\"data\":\"AAAAAAAAADr/9EGA\"}")]
    [InlineData("other extension", "{\"$ext\":5,\"data\":\"AQID\"}")]
    public void Every_MessagePack_type_is_written_as_json(string type, string json)
    {
        Assert.Equal(json, MessagePackJson.ToJson(Bytes(Values[type])));
    }

    [Fact]
    public void Each_form_of_a_value_is_read_not_only_the_smallest()
    {
        // MessagePack lets writers pick a larger form than needed: 7 as int64, a short string as str16.
        var bytes = Bytes((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.WriteInt64(7);
            w.WriteUInt64(7);
            w.WriteString("ab"u8);
        });
        var long16 = new string('x', 300);

        Assert.Equal("[7,7,\"ab\"]", MessagePackJson.ToJson(bytes));
        Assert.Equal($"\"{long16}\"", MessagePackJson.ToJson(Bytes((ref MessagePackWriter w) => w.Write(long16))));
    }

    [Theory]
    [InlineData(new byte[] { 0x92, 0x01 }, "The data ends after 1 of its 2 byte(s), in the middle of a value.")]
    [InlineData(new byte[] { 0x01, 0x02 }, "1 unexpected byte(s) after the value.")]
    [InlineData(new byte[] { 0xc1 }, "0xc1")]
    [InlineData(new byte[] { 0xd9, 0x05, 0x61 }, "The data ends after")]
    public void Bad_data_is_a_MessagePack_error(byte[] bytes, string expected)
    {
        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackJson.ToJson(bytes));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Nesting_is_limited()
    {
        var deep = Enumerable.Repeat((byte)0x91, 1000).Append((byte)0xc0).ToArray();

        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackJson.ToJson(deep));

        Assert.Contains("deeper than 500 levels", error.Message);
    }

    private static readonly Dictionary<string, WriteValue> Values = new()
    {
        ["nil"] = (ref MessagePackWriter w) => w.WriteNil(),
        ["true"] = (ref MessagePackWriter w) => w.Write(true),
        ["false"] = (ref MessagePackWriter w) => w.Write(false),
        ["fixint"] = (ref MessagePackWriter w) => w.Write(7),
        ["negative fixint"] = (ref MessagePackWriter w) => w.Write(-5),
        ["int8"] = (ref MessagePackWriter w) => w.WriteInt8(-100),
        ["uint8"] = (ref MessagePackWriter w) => w.WriteUInt8(200),
        ["int16"] = (ref MessagePackWriter w) => w.WriteInt16(-30000),
        ["uint16"] = (ref MessagePackWriter w) => w.WriteUInt16(60000),
        ["int32"] = (ref MessagePackWriter w) => w.WriteInt32(-2_000_000_000),
        ["uint32"] = (ref MessagePackWriter w) => w.WriteUInt32(4_000_000_000),
        ["int64"] = (ref MessagePackWriter w) => w.Write(long.MinValue),
        ["uint64"] = (ref MessagePackWriter w) => w.Write(ulong.MaxValue),
        ["float32"] = (ref MessagePackWriter w) => w.Write(1.5f),
        ["float64"] = (ref MessagePackWriter w) => w.Write(0.1),
        ["NaN"] = (ref MessagePackWriter w) => w.Write(double.NaN),
        ["infinity"] = (ref MessagePackWriter w) => w.Write(float.PositiveInfinity),
        ["negative infinity"] = (ref MessagePackWriter w) => w.Write(double.NegativeInfinity),
        ["str"] = (ref MessagePackWriter w) => w.Write("é \"quoted\" <+> \n"),
        ["bin"] = (ref MessagePackWriter w) => w.Write(new byte[] { 0, 1, 2, 250 }),
        ["array"] = (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write(1);
            w.WriteArrayHeader(0);
            w.WriteMapHeader(0);
        },
        ["map with other keys"] = (ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(4);
            w.Write(1);
            w.Write("one");
            w.Write(true);
            w.Write("yes");
            w.WriteNil();
            w.Write("none");
            w.Write(Morning);
            w.Write("date");
        },
        ["timestamp 32"] = (ref MessagePackWriter w) => w.Write(Morning),
        ["timestamp 64"] = (ref MessagePackWriter w) => w.Write(Morning.AddTicks(1_234_567)),
        ["timestamp 64 in nanoseconds"] = (ref MessagePackWriter w) =>
        {
            // 30 bits of nanoseconds, 34 of seconds.
            var seconds = (ulong)new DateTimeOffset(Morning).ToUnixTimeSeconds();
            var data = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(data, (123_456_789UL << 34) | seconds);
            w.WriteExtensionFormatHeader(new ExtensionHeader(-1, 8));
            w.WriteRaw(data);
        },
        ["timestamp 96"] = (ref MessagePackWriter w) => w.Write(DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)),
        ["timestamp past year 9999"] = (ref MessagePackWriter w) =>
        {
            var data = new byte[12];
            BinaryPrimitives.WriteUInt32BigEndian(data, 0);
            BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(4), 253_402_300_800);
            w.WriteExtensionFormatHeader(new ExtensionHeader(-1, 12));
            w.WriteRaw(data);
        },
        ["other extension"] = (ref MessagePackWriter w) => w.WriteExtensionFormat(new ExtensionResult(5, new byte[] { 1, 2, 3 })),
    };

    private static byte[] Bytes(WriteValue write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
