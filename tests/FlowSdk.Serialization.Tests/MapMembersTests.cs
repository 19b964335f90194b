using FlowSdk.Internal;
using FlowSdk.Serialization.Tests.Infrastructure;
using MessagePack;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// The table of keys every generated map formatter shares: a key is written byte for byte as
/// <see cref="MessagePackWriter.WriteString(ReadOnlySpan{byte})"/> writes it (whatever its length and the
/// writer's spec), and read keys find their member.
/// </summary>
public sealed class MapMembersTests
{
    private static readonly string Long = new('k', 40);
    private static readonly string Longer = new('é', 200);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_key_is_written_as_WriteString_writes_it(bool oldSpec)
    {
        string[] keys = ["", "Id", "Ünïcode", new string('x', 31), Long, Longer];
        var members = new MapMembers("T", keys, keys.Select(_ => "string").ToArray());

        for (var i = 0; i < keys.Length; i++)
        {
            var expected = WrittenBytes.Write(oldSpec, (ref MessagePackWriter w) => w.WriteString(System.Text.Encoding.UTF8.GetBytes(keys[i])));
            var actual = WrittenBytes.Write(oldSpec, (ref MessagePackWriter w) => members.WriteKey(ref w, i));
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_key_read_finds_its_member_and_an_unknown_key_none()
    {
        var members = new MapMembers("T", ["Id", "Ids", Long], ["string", "int", "int"]);

        Assert.Equal(0, members.IndexOf("Id"u8));
        Assert.Equal(1, members.IndexOf("Ids"u8));
        Assert.Equal(2, members.IndexOf(System.Text.Encoding.UTF8.GetBytes(Long)));
        Assert.Equal(-1, members.IndexOf("I"u8));
        Assert.Equal(-1, members.IndexOf("id"u8));
        Assert.Equal(-1, members.IndexOf(default));

        // With the key's position in the map: the member there first, any other member otherwise.
        Assert.Equal(1, members.IndexOf("Ids"u8, 1));
        Assert.Equal(0, members.IndexOf("Id"u8, 2));
        Assert.Equal(2, members.IndexOf(System.Text.Encoding.UTF8.GetBytes(Long), 7));
        Assert.Equal(-1, members.IndexOf("id"u8, 0));

        Assert.Equal(["Id", "Ids", Long], members.Keys);
    }

    [Fact]
    public void A_member_that_fails_is_named_with_its_type()
    {
        var members = new MapMembers("Order", ["OrderId"], ["string"]);

        var error = members.ReadFailed(0, "OrderId"u8, MessagePackCode.UInt16, new InvalidOperationException("boom"));

        Assert.StartsWith("Order.OrderId: expected string, got an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_and_types_must_pair_up()
    {
        var error = Assert.Throws<ArgumentException>(() => new MapMembers("T", ["a", "b"], ["int"]));
        Assert.Contains("2 keys but 1 member types", error.Message, StringComparison.Ordinal);
    }
}
