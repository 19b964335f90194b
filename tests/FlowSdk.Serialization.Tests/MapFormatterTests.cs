using FlowSdk.Internal;
using FlowSdk.Serialization.Tests.Infrastructure;
using MessagePack;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// The runtime half of every generated map formatter: the read loop of <see cref="MapFormatter{T, TValues}"/>
/// and the named writers generated formatters call instead of <see cref="MessagePackWriter"/>'s <c>Write</c>
/// overloads. Generated formatters keep only their member writes, reads and the creation of the instance.
/// </summary>
public sealed class MapFormatterTests
{
    [Fact]
    public void Formatters_of_messages_and_the_types_they_reach_share_the_read_loop()
    {
        // A message, a record, a class, a struct and a record struct: each formatter is a MapFormatter.
        Type[] formatters = [typeof(EntryBookedFormatter), typeof(ItemFormatter), typeof(NodeFormatter), typeof(PointFormatter), typeof(RangeFormatter)];
        foreach (var formatter in formatters)
        {
            var baseType = formatter.BaseType!;
            Assert.True(baseType.IsGenericType && baseType.GetGenericTypeDefinition() == typeof(MapFormatter<,>), formatter.Name + " derives from " + baseType.Name);
            Assert.DoesNotContain(formatter.GetMethods(), m => m.Name == "Deserialize" && m.DeclaringType == formatter);
        }
    }

    [Fact]
    public void Members_named_like_the_formatter_s_own_parts_round_trip()
    {
        // The values struct, its methods and the base class's members share the formatter's scope with fields named after the members.
        var value = new NamedLikeTheFormatter("v", 1, 2, 3, 4, 5, 6, true);

        var read = FlowSerializer.Deserialize(NamedLikeTheFormatterFormatter.Instance, FlowSerializer.Serialize(NamedLikeTheFormatterFormatter.Instance, value));

        Assert.Equal(value, read);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Named_writers_write_what_MessagePackWriter_Write_writes(bool oldSpec)
    {
        foreach (var v in new long[] { 0, 1, 31, 127, 128, 255, 256, -1, -32, -33, -128, -129, short.MaxValue, short.MinValue, ushort.MaxValue, int.MaxValue, int.MinValue })
        {
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((int)v), (ref MessagePackWriter w) => WireFormat.WriteInt32(ref w, (int)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((short)v), (ref MessagePackWriter w) => WireFormat.WriteInt16(ref w, (short)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((sbyte)v), (ref MessagePackWriter w) => WireFormat.WriteSByte(ref w, (sbyte)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(v * 70_000), (ref MessagePackWriter w) => WireFormat.WriteInt64(ref w, v * 70_000));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((byte)v), (ref MessagePackWriter w) => WireFormat.WriteByte(ref w, (byte)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((ushort)v), (ref MessagePackWriter w) => WireFormat.WriteUInt16(ref w, (ushort)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((uint)v), (ref MessagePackWriter w) => WireFormat.WriteUInt32(ref w, (uint)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((ulong)v), (ref MessagePackWriter w) => WireFormat.WriteUInt64(ref w, (ulong)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write((char)v), (ref MessagePackWriter w) => WireFormat.WriteChar(ref w, (char)v));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(v / 3.0f), (ref MessagePackWriter w) => WireFormat.WriteSingle(ref w, v / 3.0f));
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(v / 3.0), (ref MessagePackWriter w) => WireFormat.WriteDouble(ref w, v / 3.0));
        }

        foreach (var b in new[] { true, false })
        {
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(b), (ref MessagePackWriter w) => WireFormat.WriteBoolean(ref w, b));
        }

        foreach (var s in new[] { null, "", "a", new string('x', 31), new string('x', 32), new string('é', 200), new string('y', 70_000) })
        {
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(s), (ref MessagePackWriter w) => WireFormat.WriteString(ref w, s));
        }

        foreach (var bytes in new[] { null, Array.Empty<byte>(), new byte[] { 1, 2, 3 }, new byte[300], new byte[70_000] })
        {
            Same(oldSpec, (ref MessagePackWriter w) => w.Write(bytes), (ref MessagePackWriter w) => WireFormat.WriteBytes(ref w, bytes));
        }
    }

    [Fact]
    public void The_read_loop_starts_from_Init_skips_unknown_keys_and_leaves_the_depth_as_it_found_it()
    {
        var bytes = WrittenBytes.Write(false, (ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(3);
            w.Write("Unknown");
            w.WriteArrayHeader(2);
            w.Write(1);
            w.Write(2);
            w.Write("Count");
            w.Write(7);
            w.Write(42);
            w.Write("not a string key");
        });

        var reader = new MessagePackReader(bytes);
        var box = BoxFormatter.Instance.Deserialize(ref reader, MessagePackSerializerOptions.Standard);

        Assert.Equal(7, box.Count);
        Assert.Equal("unset", box.Name);
        Assert.Equal(0, reader.Depth);
        Assert.True(reader.End);
    }

    [Fact]
    public void Nil_reads_as_null_and_a_failed_member_is_named()
    {
        var nil = new MessagePackReader(new byte[] { MessagePackCode.Nil });
        Assert.Null(BoxFormatter.Instance.Deserialize(ref nil, MessagePackSerializerOptions.Standard));

        var bytes = WrittenBytes.Write(false, (ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(1);
            w.Write("Name");
            w.Write(5);
        });
        var error = Assert.ThrowsAny<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(bytes);
            BoxFormatter.Instance.Deserialize(ref reader, MessagePackSerializerOptions.Standard);
        });
        Assert.StartsWith("Box.Name: expected string, got an integer", error.Message, StringComparison.Ordinal);
    }

    private static void Same(bool oldSpec, WrittenBytes.WriteAction expected, WrittenBytes.WriteAction actual) =>
        Assert.Equal(WrittenBytes.Write(oldSpec, expected), WrittenBytes.Write(oldSpec, actual));


    /// <summary>A type with a formatter written the way the generator writes one.</summary>
    public sealed class Box(int count, string name)
    {
        /// <summary>A number.</summary>
        public int Count { get; } = count;

        /// <summary>A name.</summary>
        public string Name { get; } = name;
    }

    /// <summary>The formatter of <see cref="Box"/>, as the generator writes it.</summary>
    public sealed class BoxFormatter() : MapFormatter<Box, BoxFormatter.Values>(new MapMembers("Box", ["Count", "Name"], ["int", "string"]))
    {
        /// <summary>The formatter instance.</summary>
        public static readonly BoxFormatter Instance = new();

        /// <inheritdoc/>
        public override void Serialize(ref MessagePackWriter writer, Box? value, MessagePackSerializerOptions options) => throw new NotSupportedException();

        /// <summary>The values read.</summary>
        public struct Values : IMapValues<Box>
        {
            private int _count;
            private string _name;

            /// <inheritdoc/>
            public void Init() => _name = "unset";

            /// <inheritdoc/>
            public void Read(ref MessagePackReader reader, int member, MessagePackSerializerOptions options)
            {
                switch (member)
                {
                    case 0: _count = reader.ReadInt32(); break;
                    case 1: _name = WireFormat.ReadNonNullString(ref reader, "Box.Name"); break;
                }
            }

            /// <inheritdoc/>
            public readonly Box Create() => new(_count, _name);
        }
    }
}

/// <summary>A message whose members are named like the parts of its generated formatter.</summary>
[Message("tests.named-like-the-formatter")]
public sealed record NamedLikeTheFormatter(string Values, int Init, int Read, int Create, int Members, int Instance, int Keys, bool hasValues);
