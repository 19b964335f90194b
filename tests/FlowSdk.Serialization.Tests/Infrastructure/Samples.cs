using FlowSdk.Serialization.Tests.Contracts;

namespace FlowSdk.Serialization.Tests.Infrastructure;

/// <summary>Instances of the test types: typical values, extremes, and empty ones.</summary>
internal static class Samples
{
    public static Everything Typical() => new()
    {
        Bool = true,
        Byte = 200,
        SByte = -100,
        Short = -30000,
        UShort = 60000,
        Int = -123456,
        UInt = 4000000000,
        Long = -9000000000,
        ULong = 18000000000000000000,
        Float = 1.5f,
        Double = Math.PI,
        Char = 'é',
        String = "héllo, wörld \u2028 ✓",
        NullableString = "present",
        Decimal = 12345.6789m,
        Guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        DateTime = new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc).AddTicks(1234567),
        DateTimeOffset = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromMinutes(330)).AddTicks(7),
        TimeSpan = TimeSpan.FromMilliseconds(90061001),
        Bytes = [1, 2, 3, 255],
        NullableBytes = [0],
        Color = Color.Blue,
        Access = Access.Read | Access.Write,
        Huge = Huge.Big,
        NullableInt = 42,
        NullableGuid = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        NullableColor = Color.Green,
        NullableDateTimeOffset = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.FromHours(-8)),
        IntArray = [1, -2, 3],
        StringArray = ["a", "", "c"],
        NullableIntArray = [1, null, 3],
        ItemArray = [new("pen", 2, 1.25m)],
        IntList = [5, 6],
        StringList = ["x", null],
        ItemList = [new("cup", 1, 3m), new("mug", 4, 4.5m)],
        ReadOnlyItems = [new("ro", 9, 0.01m)],
        IntIList = [7, 8, 9],
        StringCollection = ["p", "q"],
        LongSequence = [long.MinValue, 0, long.MaxValue],
        ColorCollection = [Color.Red, Color.Blue],
        StringSet = ["one", "two"],
        GuidSet = new HashSet<Guid> { Guid.Parse("11111111-2222-3333-4444-555555555555") },
        IntSet = new HashSet<int> { 3, 1, 2 },
        Counts = new() { ["a"] = 1, ["b"] = 2 },
        ItemsById = new() { [Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")] = new("id", 1, 1m) },
        ListsByColor = new Dictionary<Color, List<int>> { [Color.Red] = [1], [Color.Green] = [] },
        NamesByNumber = new Dictionary<long, string?> { [1] = "one", [-1] = null },
        Nested = new() { ["outer"] = new() { ["inner"] = 7 } },
        Item = new("item", 3, 9.99m),
        NullableItem = new("maybe", 0, 0m),
        Point = new Point { X = 3, Y = -4 },
        NullablePoint = new Point { X = 1, Y = 1 },
        Range = new Range(10, 20),
        Tree = new Node
        {
            Label = "root",
            Children = [new Node { Label = "a" }, new Node { Label = "b", Children = [new Node { Label = "b1" }] }],
            Next = new Node { Label = "sibling" },
        },
        Inner = new Outer.Inner("inside"),
        Address = new Address("1 rue de la Paix", "Paris", Country.France),
        PlainPoint = new PlainPoint { X = 5, Y = 6 },
        Day = DayOfWeek.Friday,
        Field = 77,
        Renamed = "by key",
    };

    public static Everything Extremes() => new()
    {
        Bool = false,
        Byte = byte.MaxValue,
        SByte = sbyte.MinValue,
        Short = short.MinValue,
        UShort = ushort.MaxValue,
        Int = int.MinValue,
        UInt = uint.MaxValue,
        Long = long.MinValue,
        ULong = ulong.MaxValue,
        Float = float.NaN,
        Double = double.NegativeInfinity,
        Char = '\uffff',
        String = new string('x', 70000),
        NullableString = "",
        Decimal = decimal.MinValue,
        Guid = Guid.Empty,
        DateTime = DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
        DateTimeOffset = new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.FromHours(14)),
        TimeSpan = TimeSpan.MinValue,
        Bytes = new byte[70000],
        Color = (Color)42,
        Access = (Access)255,
        Huge = (Huge)12345,
        NullableInt = int.MaxValue,
        IntArray = Enumerable.Range(0, 5000).ToArray(),
        StringArray = [],
        ItemList = [],
        Counts = Enumerable.Range(0, 2000).ToDictionary(i => "k" + i, i => i),
        Point = new Point { X = int.MaxValue, Y = int.MinValue },
        Range = new Range(int.MinValue, int.MaxValue),
        Tree = Chain(100),
    };

    public static Everything Small() => new()
    {
        Decimal = 0.0000000000000000000000000001m,
        Double = double.Epsilon,
        Float = -0f,
        DateTime = new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        DateTimeOffset = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(-14)),
        TimeSpan = TimeSpan.MaxValue,
        Char = '\0',
        String = "\0",
    };

    public static Everything Empty() => new();

    private static Node Chain(int length)
    {
        var node = new Node { Label = "0" };
        for (var i = 1; i < length; i++)
        {
            node = new Node { Label = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Next = node };
        }

        return node;
    }
}
