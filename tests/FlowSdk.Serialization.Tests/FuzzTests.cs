using System.Diagnostics;
using FlowSdk.Serialization.Tests.Infrastructure;
using MessagePack;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// Untrusted input: truncated, random and hostile bytes give <see cref="MessagePackSerializationException"/>
/// with a clear message, never another exception, never a hang, never an allocation out of proportion to
/// the input. A bounded fuzz run (fixed seed, time bound) plus the hostile cases it might not find.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>How long the fuzz run lasts; FLOWSDK_FUZZ_SECONDS sets another bound (CI keeps the default).</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("FLOWSDK_FUZZ_SECONDS"), out var seconds) && seconds > 0 ? seconds : 6);

    private sealed record Target(string Name, Func<ReadOnlyMemory<byte>, object?> Read, byte[][] Seeds);

    private static readonly Target[] Targets =
    [
        new("Everything", b => FlowSerializer.Deserialize(EverythingFormatter.Instance, b),
            [Bytes(EverythingFormatter.Instance, Samples.Typical()), Bytes(EverythingFormatter.Instance, Samples.Small()), Bytes(EverythingFormatter.Instance, Samples.Empty())]),
        new("Ledger state", b => FlowSerializer.Deserialize(Ledger.FlowFormatter.Instance, b), [LedgerWithHistory()]),
        new("EntryBooked", b => LedgerFlow.Ports.EntryBooked.Deserialize(b),
            [LedgerFlow.Ports.EntryBooked.Serialize(new EntryBooked("l-1", new Item("i", 1, 1.5m), ["a", "b"], new() { ["EUR"] = 1m }))]),
        new("V2.Customer", b => FlowSerializer.Deserialize(V2.CustomerFormatter.Instance, b),
            [Bytes(V2.CustomerFormatter.Instance, new V2.Customer("n", 1, "r", ["t"], 3, new Item("h", 1, 1m)) { Labels = ["l"] })]),
    ];

    [Fact]
    public async Task Random_and_mutated_inputs_only_ever_raise_MessagePackSerializationException()
    {
        var run = Task.Factory.StartNew(Fuzz, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // A read that never returns would keep the run going past its budget: that is a hang.
        var finished = await Task.WhenAny(run, Task.Delay(Budget + TimeSpan.FromSeconds(60)));
        Assert.True(finished == run, "A read did not return: the fuzz run hangs.");
        var result = await run;
        Assert.True(result.Failures.Count == 0, "Other exceptions escaped:" + Environment.NewLine + string.Join(Environment.NewLine, result.Failures));
        Assert.True(result.Cases > 5_000, $"Only {result.Cases} cases ran in {Budget}.");
        Assert.True(result.Rejected > result.Cases / 4, $"Only {result.Rejected} of {result.Cases} inputs were rejected: the mutations are too gentle.");
        Assert.True(result.Slowest < TimeSpan.FromSeconds(1), $"The slowest read took {result.Slowest}.");
        Assert.True(result.MostAllocated < 32 * 1024 * 1024, $"A read of at most {result.LargestInput} bytes allocated {result.MostAllocated} bytes.");
    }

    [Fact]
    public void A_huge_array_header_with_little_data_fails_fast_without_allocating_for_it()
    {
        // {"IntArray": array32 of 2^31-1 elements, then 3 bytes}
        byte[] bytes = [0x81, .. Key("IntArray"), 0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03];

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Contains("the data ends", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Theory]
    [InlineData("IntList", 0xdd)]
    [InlineData("Counts", 0xdf)]
    [InlineData("StringSet", 0xdd)]
    [InlineData("String", 0xdb)]
    [InlineData("Bytes", 0xc6)]
    public void Every_length_header_is_checked_against_the_bytes_left(string member, byte header)
    {
        byte[] bytes = [0x81, .. Key(member), header, 0x00, 0x10, 0x00, 0x00, 0x01];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes));

        Assert.Contains("Could not read a Everything", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_fails_at_the_depth_limit_instead_of_overflowing_the_stack()
    {
        // {"Tree": {"Next": {"Next": ... }}} 100 000 levels deep.
        byte[] level = [0x81, .. Key("Next")];
        var bytes = new List<byte> { 0x81 };
        bytes.AddRange(Key("Tree"));
        for (var i = 0; i < 100_000; i++)
        {
            bytes.AddRange(level);
        }

        bytes.Add(0xc0);

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes.ToArray()));

        Assert.Contains("deeper than 500 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_unknown_values_are_skipped_without_overflowing_the_stack()
    {
        var bytes = new List<byte> { 0x81 };
        bytes.AddRange(Key("unknown"));
        bytes.AddRange(Enumerable.Repeat((byte)0x91, 1_000_000));
        bytes.Add(0xc0);

        Assert.NotNull(FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes.ToArray()));
    }

    [Fact]
    public void A_dictionary_key_twice_is_an_error()
    {
        byte[] bytes = [0x81, .. Key("Counts"), 0x82, 0xa1, (byte)'a', 0x01, 0xa1, (byte)'a', 0x02];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes));

        Assert.Contains("has the key 'a' twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Guid", new byte[] { 0xa3, (byte)'a', (byte)'b', (byte)'c' }, "'abc' is not a GUID")]
    [InlineData("Decimal", new byte[] { 0xa3, (byte)'1', (byte)'x', (byte)'2' }, "'1x2' is not a decimal")]
    [InlineData("Color", new byte[] { 0xa4, (byte)'P', (byte)'i', (byte)'n', (byte)'k' }, "'Pink' is not a member of enum Color")]
    [InlineData("Color", new byte[] { 0xc3 }, "Enum Color is written as a member name or a number")]
    [InlineData("Int", new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "Could not read a Everything")]
    [InlineData("DateTime", new byte[] { 0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "outside the range of a DateTime")]
    [InlineData("DateTimeOffset", new byte[] { 0x92, 0xd6, 0xff, 0x00, 0x00, 0x00, 0x00, 0xcd, 0x10, 0x00 }, "is not an offset from UTC")]
    [InlineData("Bytes", new byte[] { 0xc0 }, "Everything.Bytes is not nullable")]
    [InlineData("Item", new byte[] { 0xa1, (byte)'x' }, "Could not read a Everything: Everything.Item: expected FlowSdk.Serialization.Tests.Item, got a string (fixstr, code 0xa1): Unexpected msgpack code 161 (fixstr) encountered. (at byte ")]
    public void A_value_of_the_wrong_shape_fails_with_a_message_that_says_what_is_wrong(string member, byte[] value, string expected)
    {
        byte[] bytes = [0x81, .. Key(member), .. value];

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(EverythingFormatter.Instance, bytes));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_value_are_an_error()
    {
        var bytes = Bytes(V1.CustomerFormatter.Instance, new V1.Customer("a", 1)).Append((byte)0xc0).ToArray();

        var error = Assert.Throws<MessagePackSerializationException>(() => FlowSerializer.Deserialize(V1.CustomerFormatter.Instance, bytes));

        Assert.Contains("1 unexpected byte(s) after the value", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Key(string name) => [(byte)(0xa0 | name.Length), .. System.Text.Encoding.UTF8.GetBytes(name)];

    private static byte[] Bytes<T>(MessagePack.Formatters.IMessagePackFormatter<T> formatter, T value) => FlowSerializer.Serialize(formatter, value);

    private static byte[] LedgerWithHistory()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ledger = LedgerFlow.Definition.Start("l-1", now);
        LedgerFlow.Definition.Fire(ledger, new EntryBooked("l-1", new Item("a", 1, 1m), ["x"], new() { ["EUR"] = 2m }), now);
        LedgerFlow.Definition.Fire(ledger, new EntryBooked("l-1", new Item("b", 2, 3m), [], new() { ["USD"] = 4m }, Color.Red), now.AddSeconds(1));
        return Bytes(Ledger.FlowFormatter.Instance, ledger);
    }

    private sealed record Result(int Cases, int Rejected, List<string> Failures, TimeSpan Slowest, long MostAllocated, int LargestInput);

    private static Result Fuzz()
    {
        var random = new Random(20260601);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int cases = 0, rejected = 0, largest = 0;
        var slowest = TimeSpan.Zero;
        long mostAllocated = 0;
        while (clock.Elapsed < Budget && failures.Count < 10)
        {
            var target = Targets[random.Next(Targets.Length)];
            var input = random.Next(5) == 0 ? RandomBytes(random) : Mutate(random, target.Seeds[random.Next(target.Seeds.Length)]);
            largest = Math.Max(largest, input.Length);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            try
            {
                target.Read(input);
            }
            catch (MessagePackSerializationException ex)
            {
                rejected++;
                if (string.IsNullOrWhiteSpace(ex.Message))
                {
                    failures.Add($"{target.Name}: an empty message for {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{target.Name}: {ex.GetType().Name}: {ex.Message} for {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}");
            }

            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
            mostAllocated = Math.Max(mostAllocated, GC.GetAllocatedBytesForCurrentThread() - allocated);
            cases++;
        }

        return new Result(cases, rejected, failures, slowest, mostAllocated, largest);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Hostile edits of a valid input: flipped bits, random bytes, cuts, insertions, repeats, huge length headers, deep nesting.</summary>
    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3:
                    var junk = new byte[random.Next(1, 8)];
                    random.NextBytes(junk);
                    bytes.InsertRange(at, junk);
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at));
                    break;
                case 5:
                    var length = Math.Min(random.Next(1, 32), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 6:
                    byte[][] headers = [[0xdc, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff], [0xdb, 0x7f, 0xff, 0xff, 0xff], [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xde, 0xff, 0xff]];
                    bytes.InsertRange(at, headers[random.Next(headers.Length)]);
                    break;
                default:
                    bytes.InsertRange(at, Enumerable.Repeat((byte)(random.Next(2) == 0 ? 0x91 : 0x81), random.Next(100, 2000)));
                    break;
            }
        }

        return [.. bytes];
    }
}
