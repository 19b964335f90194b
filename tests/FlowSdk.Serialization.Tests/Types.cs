using FlowSdk;
using FlowSdk.Serialization.Tests.Contracts;
using MessagePack;

namespace FlowSdk.Serialization.Tests;

/// <summary>A colour, written by name.</summary>
public enum Color
{
    /// <summary>Red.</summary>
    Red,

    /// <summary>Green.</summary>
    Green = 5,

    /// <summary>Also green: the same value is written as its first name.</summary>
    Verdant = 5,

    /// <summary>Blue.</summary>
    Blue = 7,
}

/// <summary>Flags: a combination has no name and is written as its number.</summary>
[Flags]
public enum Access : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Read.</summary>
    Read = 1,

    /// <summary>Write.</summary>
    Write = 2,
}

/// <summary>A big enum.</summary>
public enum Huge : ulong
{
    /// <summary>Small.</summary>
    Small = 1,

    /// <summary>Big.</summary>
    Big = ulong.MaxValue,
}

/// <summary>An item: a nested record.</summary>
public sealed record Item(string Name, int Quantity, decimal Price);

/// <summary>A point: a nested struct with public fields.</summary>
public struct Point
{
    /// <summary>Across.</summary>
    public int X;

    /// <summary>Down.</summary>
    public int Y;
}

/// <summary>A record struct.</summary>
public readonly record struct Range(int From, int To);

/// <summary>A recursive type: a tree.</summary>
public sealed class Node
{
    /// <summary>The label.</summary>
    public string Label { get; set; } = "";

    /// <summary>The children.</summary>
    public List<Node> Children { get; set; } = [];

    /// <summary>The next sibling.</summary>
    public Node? Next { get; set; }
}

/// <summary>A nested type: its formatter is named after both.</summary>
public static class Outer
{
    /// <summary>Inside.</summary>
    public sealed record Inner(string Value);
}

/// <summary>Every kind of member the generated formatters support.</summary>
[Message("tests.everything", External = true)]
public sealed class Everything
{
    /// <summary>bool.</summary>
    public bool Bool { get; set; }

    /// <summary>byte.</summary>
    public byte Byte { get; set; }

    /// <summary>sbyte.</summary>
    public sbyte SByte { get; set; }

    /// <summary>short.</summary>
    public short Short { get; set; }

    /// <summary>ushort.</summary>
    public ushort UShort { get; set; }

    /// <summary>int.</summary>
    public int Int { get; set; }

    /// <summary>uint.</summary>
    public uint UInt { get; set; }

    /// <summary>long.</summary>
    public long Long { get; set; }

    /// <summary>ulong.</summary>
    public ulong ULong { get; set; }

    /// <summary>float.</summary>
    public float Float { get; set; }

    /// <summary>double.</summary>
    public double Double { get; set; }

    /// <summary>char.</summary>
    public char Char { get; set; }

    /// <summary>string.</summary>
    public string String { get; set; } = "";

    /// <summary>string?.</summary>
    public string? NullableString { get; set; }

    /// <summary>decimal.</summary>
    public decimal Decimal { get; set; }

    /// <summary>Guid.</summary>
    public Guid Guid { get; set; }

    /// <summary>DateTime.</summary>
    public DateTime DateTime { get; set; }

    /// <summary>DateTimeOffset.</summary>
    public DateTimeOffset DateTimeOffset { get; set; }

    /// <summary>TimeSpan.</summary>
    public TimeSpan TimeSpan { get; set; }

    /// <summary>byte[].</summary>
    public byte[] Bytes { get; set; } = [];

    /// <summary>byte[]?.</summary>
    public byte[]? NullableBytes { get; set; }

    /// <summary>An enum.</summary>
    public Color Color { get; set; }

    /// <summary>A flags enum.</summary>
    public Access Access { get; set; }

    /// <summary>An enum over ulong.</summary>
    public Huge Huge { get; set; }

    /// <summary>int?.</summary>
    public int? NullableInt { get; set; }

    /// <summary>Guid?.</summary>
    public Guid? NullableGuid { get; set; }

    /// <summary>Color?.</summary>
    public Color? NullableColor { get; set; }

    /// <summary>DateTimeOffset?.</summary>
    public DateTimeOffset? NullableDateTimeOffset { get; set; }

    /// <summary>int[].</summary>
    public int[] IntArray { get; set; } = [];

    /// <summary>string[].</summary>
    public string[] StringArray { get; set; } = [];

    /// <summary>int?[].</summary>
    public int?[] NullableIntArray { get; set; } = [];

    /// <summary>Item[]?.</summary>
    public Item[]? ItemArray { get; set; }

    /// <summary>List&lt;int&gt;.</summary>
    public List<int> IntList { get; set; } = [];

    /// <summary>List&lt;string?&gt;.</summary>
    public List<string?> StringList { get; set; } = [];

    /// <summary>List&lt;Item&gt;.</summary>
    public List<Item> ItemList { get; set; } = [];

    /// <summary>IReadOnlyList&lt;Item&gt;.</summary>
    public IReadOnlyList<Item> ReadOnlyItems { get; set; } = [];

    /// <summary>IList&lt;int&gt;.</summary>
    public IList<int> IntIList { get; set; } = [];

    /// <summary>ICollection&lt;string&gt;.</summary>
    public ICollection<string> StringCollection { get; set; } = [];

    /// <summary>IEnumerable&lt;long&gt;.</summary>
    public IEnumerable<long> LongSequence { get; set; } = [];

    /// <summary>IReadOnlyCollection&lt;Color&gt;.</summary>
    public IReadOnlyCollection<Color> ColorCollection { get; set; } = [];

    /// <summary>HashSet&lt;string&gt;.</summary>
    public HashSet<string> StringSet { get; set; } = [];

    /// <summary>ISet&lt;Guid&gt;.</summary>
    public ISet<Guid> GuidSet { get; set; } = new HashSet<Guid>();

    /// <summary>IReadOnlySet&lt;int&gt;?.</summary>
    public IReadOnlySet<int>? IntSet { get; set; }

    /// <summary>Dictionary&lt;string, int&gt;.</summary>
    public Dictionary<string, int> Counts { get; set; } = [];

    /// <summary>Dictionary&lt;Guid, Item&gt;.</summary>
    public Dictionary<Guid, Item> ItemsById { get; set; } = [];

    /// <summary>IReadOnlyDictionary&lt;Color, List&lt;int&gt;&gt;.</summary>
    public IReadOnlyDictionary<Color, List<int>> ListsByColor { get; set; } = new Dictionary<Color, List<int>>();

    /// <summary>IDictionary&lt;long, string?&gt;.</summary>
    public IDictionary<long, string?> NamesByNumber { get; set; } = new Dictionary<long, string?>();

    /// <summary>Dictionary&lt;string, Dictionary&lt;string, int&gt;&gt;.</summary>
    public Dictionary<string, Dictionary<string, int>> Nested { get; set; } = [];

    /// <summary>A nested record.</summary>
    public Item Item { get; set; } = new("", 0, 0);

    /// <summary>A nullable nested record.</summary>
    public Item? NullableItem { get; set; }

    /// <summary>A struct with fields.</summary>
    public Point Point { get; set; }

    /// <summary>A nullable struct.</summary>
    public Point? NullablePoint { get; set; }

    /// <summary>A record struct.</summary>
    public Range Range { get; set; }

    /// <summary>A recursive type.</summary>
    public Node? Tree { get; set; }

    /// <summary>A nested type.</summary>
    public Outer.Inner? Inner { get; set; }

    /// <summary>A type of another assembly, with the formatter that assembly generated.</summary>
    public Address? Address { get; set; }

    /// <summary>A type of another assembly that has no formatter there: generated here.</summary>
    public PlainPoint? PlainPoint { get; set; }

    /// <summary>A type of the base library: an enum.</summary>
    public DayOfWeek Day { get; set; }

    /// <summary>A public field.</summary>
    public int Field;

    /// <summary>An explicit key.</summary>
    [Key("renamed")]
    public string Renamed { get; set; } = "";

    /// <summary>Not serialized.</summary>
    [IgnoreMember]
    public string Ignored { get; set; } = "";

    /// <summary>Computed: not serialized.</summary>
    public int Computed => Int + 1;
}

/// <summary>The phases of the test flow.</summary>
public enum LedgerPhase
{
    /// <summary>Open.</summary>
    Open,

    /// <summary>Closed.</summary>
    [TerminalPhase]
    Closed,
}

/// <summary>An entry was booked.</summary>
[Message("tests.ledger.booked", External = true)]
public sealed record EntryBooked([property: CorrelationKey] string LedgerId, Item Item, IReadOnlyList<string> Tags, Dictionary<string, decimal> Totals, Color Color = Color.Blue);

/// <summary>The ledger was closed.</summary>
[Message("tests.ledger.closed", External = true)]
public sealed record LedgerClosed([property: CorrelationKey] string LedgerId);

/// <summary>A flow state with collections, nested types and enums.</summary>
[Flow<LedgerPhase>("ledger")]
public partial class Ledger
{
    /// <summary>The items booked.</summary>
    public List<Item> Items { get; set; } = [];

    /// <summary>Totals by currency.</summary>
    public Dictionary<string, decimal> Totals { get; set; } = [];

    /// <summary>The colours seen.</summary>
    public HashSet<Color> Colors { get; set; } = [];

    /// <summary>Where it is.</summary>
    public Address? Address { get; set; }

    /// <summary>When it was last booked.</summary>
    public DateTimeOffset? LastBooked { get; set; }
}

/// <summary>The ledger's rules.</summary>
[Rules<Ledger>]
public static partial class LedgerRules
{
    /// <summary>Books an entry.</summary>
    /// <param name="ledger">The ledger.</param>
    /// <param name="booked">The entry.</param>
    [Rule]
    public static void Book(Ledger ledger, EntryBooked booked)
    {
        ledger.Items.Add(booked.Item);
        foreach (var (currency, total) in booked.Totals)
        {
            ledger.Totals[currency] = ledger.Totals.GetValueOrDefault(currency) + total;
        }

        ledger.Colors.Add(booked.Color);
        ledger.LastBooked = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
    }

    /// <summary>Closes the ledger.</summary>
    /// <param name="ledger">The ledger.</param>
    /// <param name="closed">The request.</param>
    [Rule(From = LedgerPhase.Open, To = LedgerPhase.Closed)]
    public static void Close(Ledger ledger, LedgerClosed closed)
    {
    }
}
