using FlowSdk.Serialization.Tests.Contracts;
using MessagePack;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// A value of the wrong type names the member it was meant for, the type expected and what the data
/// holds, also inside a nested object: a non-.NET publisher learns which field to fix.
/// </summary>
public sealed class DecodingErrorTests
{
    [Fact]
    public void An_integer_where_a_string_is_expected_names_the_member_and_both_types()
    {
        // {"Name": 300, "Age": 1}: 300 is written as uint 16 (code 0xcd = 205).
        byte[] bytes = [0x82, .. Key("Name"), 0xcd, 0x01, 0x2c, .. Key("Age"), 0x01];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));

        Assert.StartsWith("Could not read a Customer: Customer.Name: expected string, got an integer (uint 16, code 0xcd): Unexpected msgpack code 205", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_where_an_int_is_expected_names_the_member()
    {
        // {"Name": "a", "Age": "1"}
        byte[] bytes = [0x82, .. Key("Name"), 0xa1, (byte)'a', .. Key("Age"), 0xa1, (byte)'1'];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));

        Assert.Contains("Customer.Age: expected int, got a string (fixstr, code 0xa1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_value_inside_a_nested_object_gives_the_path_from_the_outer_type()
    {
        // {"CustomerId": "c-1", "Address": {"Street": "s", "City": true, "Country": "France"}}
        byte[] bytes =
        [
            0x82, .. Key("CustomerId"), 0xa3, (byte)'c', (byte)'-', (byte)'1',
            .. Key("Address"), 0x83, .. Key("Street"), 0xa1, (byte)'s', .. Key("City"), 0xc3, .. Key("Country"), 0xa6, .. "France"u8,
        ];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(AddressChangedFormatter.Instance, bytes));

        Assert.Contains("AddressChanged.Address.City: expected string, got a boolean (true, code 0xc3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_out_of_range_names_the_member()
    {
        // {"Name": "a", "Age": 2^40}
        byte[] bytes = [0x82, .. Key("Name"), 0xa1, (byte)'a', .. Key("Age"), 0xcf, 0, 0, 0x01, 0, 0, 0, 0, 0];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));

        Assert.Contains("Customer.Age: expected int, got an integer (uint 64, code 0xcf)", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Key(string name) => [(byte)(0xa0 | name.Length), .. System.Text.Encoding.UTF8.GetBytes(name)];
}
