using MessagePack;
using static FlowSdk.Serialization.Tests.RoundTripTests;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// Schema evolution, both ways (docs/serialization.md): data written by an old version reads with the new
/// one (members it lacks take their defaults), and data written by the new version reads with the old one
/// (members it does not know are skipped).
/// </summary>
public sealed class EvolutionTests
{
    [Fact]
    public void Old_writer_new_reader_missing_members_take_their_defaults()
    {
        var bytes = FlowSerializer.Serialize(V1.CustomerFormatter.Instance, new V1.Customer("Ann", 30));

        var customer = FlowSerializer.Deserialize(V2.CustomerFormatter.Instance, bytes);

        Assert.Equal(("Ann", 30), (customer.Name, customer.Age));
        Assert.Equal("", customer.Region);                      // non-nullable string, no default: empty, not null
        Assert.NotNull(customer.Tags);                          // non-nullable list: empty, not null
        Assert.Empty(customer.Tags);
        Assert.Null(customer.Score);                            // nullable: null
        Assert.Null(customer.Home);
        Assert.Equal("unknown@example.com", customer.Email);    // the constructor parameter's default
        Assert.Equal(Color.Green, customer.Favorite);
        Assert.Equal(["default-label"], customer.Labels);       // init member: its initializer
        Assert.Equal(2, customer.Version);
        Assert.Equal("none", customer.Note);                    // settable member: its initializer
    }

    [Fact]
    public void New_writer_old_reader_unknown_members_are_skipped()
    {
        var v2 = new V2.Customer("Bob", 41, "EU", ["a", "b"], 7, new Item("home", 1, 2m), "bob@example.com", Color.Red)
        {
            Labels = ["x"],
            Version = 3,
            Note = "n",
        };
        var bytes = FlowSerializer.Serialize(V2.CustomerFormatter.Instance, v2);

        var customer = FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes);

        Assert.Equal(new V1.Customer("Bob", 41), customer);
    }

    [Fact]
    public void New_writer_new_reader_keeps_every_member()
    {
        var v2 = new V2.Customer("Cy", 1, "US", ["t"], null, null) { Labels = [], Version = 9, Note = "set" };

        var copy = RoundTrip(V2.CustomerFormatter.Instance, v2);

        Infrastructure.Deep.Equal(v2, copy);
    }

    [Fact]
    public void A_renamed_member_keeps_its_key_and_reads_both_ways()
    {
        var old = new V1.Account { Id = "a-1", Tier = V1.Tier.Silver, Nickname = "Ace", Legacy = 5 };

        var upgraded = FlowSerializer.Deserialize(V2.AccountFormatter.Instance, FlowSerializer.Serialize(V1.AccountFormatter.Instance, old));
        var downgraded = FlowSerializer.Deserialize(V1.AccountFormatter.Instance, FlowSerializer.Serialize(V2.AccountFormatter.Instance, upgraded));

        Assert.Equal(("a-1", V2.Tier.Silver, "Ace"), (upgraded.Id, upgraded.Tier, upgraded.DisplayName));
        Assert.Equal(new Dictionary<string, int> { ["default"] = 1 }, upgraded.Limits);
        Assert.Equal(("a-1", V1.Tier.Silver, "Ace", 0), (downgraded.Id, downgraded.Tier, downgraded.Nickname, downgraded.Legacy));
    }

    [Fact]
    public void An_enum_member_an_old_reader_does_not_know_fails_clearly()
    {
        var bytes = FlowSerializer.Serialize(V2.AccountFormatter.Instance, new V2.Account { Id = "a-2", Tier = V2.Tier.Gold });

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.AccountFormatter.Instance, bytes));

        Assert.Contains("'Gold' is not a member of enum Tier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_member_the_data_lacks_fails_clearly()
    {
        var bytes = FlowSerializer.Serialize(V1.ContractFormatter.Instance, new V1.Contract("c-1"));

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V2.ContractFormatter.Instance, bytes));

        Assert.Contains("Contract.Owner is required", error.Message, StringComparison.Ordinal);
        Assert.Equal("o", RoundTrip(V2.ContractFormatter.Instance, new V2.Contract("c-2") { Owner = "o" }).Owner);
    }

    [Fact]
    public void Nil_for_a_non_nullable_member_fails_clearly()
    {
        // {"Name": nil, "Age": 1}
        byte[] bytes = [0x82, 0xa4, (byte)'N', (byte)'a', (byte)'m', (byte)'e', 0xc0, 0xa3, (byte)'A', (byte)'g', (byte)'e', 0x01];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));

        Assert.Contains("Customer.Name is not nullable, but the data holds nil", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Member_order_and_unknown_keys_of_any_type_do_not_matter()
    {
        // {"x": [1, {"y": nil}], "Age": 7, 5: "five", "Name": "Dee"}
        byte[] bytes =
        [
            0x84,
            0xa1, (byte)'x', 0x92, 0x01, 0x81, 0xa1, (byte)'y', 0xc0,
            0xa3, (byte)'A', (byte)'g', (byte)'e', 0x07,
            0x05, 0xa4, (byte)'f', (byte)'i', (byte)'v', (byte)'e',
            0xa4, (byte)'N', (byte)'a', (byte)'m', (byte)'e', 0xa3, (byte)'D', (byte)'e', (byte)'e',
        ];

        Assert.Equal(new V1.Customer("Dee", 7), FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));
    }
}
