using System.Reflection;
using FlowSdk.Serialization.Tests.Contracts;
using FlowSdk.Serialization.Tests.Infrastructure;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// Every supported member kind survives a write and a read through the generated formatters, table-driven:
/// one case per member of <see cref="Everything"/> and per sample (typical, extreme, small and empty values).
/// </summary>
public sealed class RoundTripTests
{
    private static readonly Dictionary<string, Func<Everything>> SampleSets = new()
    {
        ["typical"] = Samples.Typical,
        ["extremes"] = Samples.Extremes,
        ["small"] = Samples.Small,
        ["empty"] = Samples.Empty,
    };

    /// <summary>Every serialized member of <see cref="Everything"/> (what the formatter writes), by every sample.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var member in SerializedMembers())
        {
            foreach (var sample in SampleSets.Keys)
            {
                data.Add(member.Name, sample);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Member_round_trips(string member, string sample)
    {
        var original = SampleSets[sample]();

        var copy = RoundTrip(EverythingFormatter.Instance, original);

        var info = SerializedMembers().Single(m => m.Name == member);
        Deep.Equal(Value(info, original), Value(info, copy), member);
    }

    [Fact]
    public void The_table_covers_every_member_the_formatter_writes()
    {
        // The formatter writes one key per serialized member: the table is complete when the counts agree.
        var bytes = FlowSerializer.Serialize(EverythingFormatter.Instance, Samples.Typical());
        var reader = new MessagePack.MessagePackReader(bytes);

        Assert.Equal(SerializedMembers().Count(), reader.ReadMapHeader());
        Assert.True(SerializedMembers().Count() > 50);
    }

    [Fact]
    public void Ignored_and_computed_members_are_not_written()
    {
        var value = Samples.Typical();
        value.Ignored = "secret";

        var json = MessagePack.MessagePackSerializer.ConvertToJson(FlowSerializer.Serialize(EverythingFormatter.Instance, value));

        Assert.DoesNotContain("secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Ignored\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Computed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"renamed\":\"by key\"", json, StringComparison.Ordinal);
        Assert.Equal("", RoundTrip(EverythingFormatter.Instance, value).Ignored);
    }

    [Fact]
    public void A_local_date_is_written_as_its_instant_and_read_as_UTC()
    {
        var local = new DateTime(2024, 6, 1, 12, 0, 0, DateTimeKind.Local);

        var copy = RoundTrip(EverythingFormatter.Instance, new Everything { DateTime = local });

        Assert.Equal(DateTimeKind.Utc, copy.DateTime.Kind);
        Assert.Equal(local.ToUniversalTime(), copy.DateTime);
    }

    [Fact]
    public void A_value_with_no_enum_name_is_written_as_its_number()
    {
        var bytes = FlowSerializer.Serialize(EverythingFormatter.Instance, new Everything { Color = Color.Verdant, Access = Access.Read | Access.Write });
        var json = MessagePack.MessagePackSerializer.ConvertToJson(bytes);

        Assert.Contains("\"Color\":\"Green\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Access\":3", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flow_state_round_trips_with_its_execution_bookkeeping()
    {
        var ledger = new Ledger
        {
            Items = [new("a", 1, 2m)],
            Totals = new() { ["EUR"] = 10.50m },
            Colors = [Color.Red, Color.Blue],
            Address = new Address("s", "c", Country.Japan),
            LastBooked = DateTimeOffset.UnixEpoch,
        };

        var copy = RoundTrip(Ledger.FlowFormatter.Instance, ledger);

        Deep.Equal(ledger.Items, copy.Items);
        Deep.Equal(ledger.Totals, copy.Totals);
        Deep.Equal(ledger.Colors, copy.Colors);
        Deep.Equal(ledger.Address, copy.Address);
        Deep.Equal(ledger.LastBooked, copy.LastBooked);
        Assert.Equal(ledger.Status, copy.Status);
        Assert.Equal(ledger.Phase, copy.Phase);
    }

    [Fact]
    public void A_message_round_trips_through_its_port()
    {
        var booked = new EntryBooked("l-1", new Item("i", 1, 1m), ["t1", "t2"], new() { ["USD"] = 1.5m }, Color.Green);

        var copy = LedgerFlow.Ports.EntryBooked.Deserialize(LedgerFlow.Ports.EntryBooked.Serialize(booked));

        Deep.Equal(booked, copy);
    }

    [Fact]
    public void Nil_reads_as_null_for_a_reference_type()
    {
        Assert.Null(FlowSerializer.Deserialize(EverythingFormatter.Instance, new byte[] { 0xc0 }));
    }

    internal static T RoundTrip<T>(MessagePack.Formatters.IMessagePackFormatter<T> formatter, T value) =>
        FlowSerializer.Deserialize(formatter, FlowSerializer.Serialize(formatter, value));

    private static IEnumerable<MemberInfo> SerializedMembers() =>
        typeof(Everything).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<MessagePack.IgnoreMemberAttribute>() is null)
            .Cast<MemberInfo>()
            .Concat(typeof(Everything).GetFields(BindingFlags.Public | BindingFlags.Instance));

    private static object? Value(MemberInfo member, object target) => member switch
    {
        PropertyInfo p => p.GetValue(target),
        FieldInfo f => f.GetValue(target),
        _ => throw new ArgumentOutOfRangeException(nameof(member)),
    };
}
