using System.Globalization;
using System.Text.Json.Nodes;
using FlowSdk.Serialization.Tests.Infrastructure;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// The bytes the generated formatters write decode with an independent MessagePack implementation (the npm
/// package @msgpack/msgpack, run with node) and give the same values, in the forms docs/serialization.md
/// describes: a map keyed by member name, GUIDs and decimals as strings, enums by name, timestamps,
/// [timestamp, offset] for a DateTimeOffset, ticks for a TimeSpan, bin for bytes.
/// </summary>
public sealed class InteropTests(NodeMsgpack node) : IClassFixture<NodeMsgpack>
{
    [Fact]
    public async Task Every_member_kind_decodes_with_msgpack_javascript_to_the_same_values()
    {
        var value = Samples.Typical();
        var bytes = FlowSerializer.Serialize(EverythingFormatter.Instance, value);

        var decoded = await node.DecodeAsync(bytes);

        var expected = Expected(value);
        var actual = Assert.IsType<JsonObject>(decoded);
        Assert.Equal(expected.Select(p => p.Key).Order(StringComparer.Ordinal), actual.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (key, node1) in expected)
        {
            AssertSame(node1, actual[key], key);
        }
    }

    [Fact]
    public async Task A_flow_state_decodes_with_its_execution_bookkeeping()
    {
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var ledger = LedgerFlow.Definition.Start("l-7", now);
        LedgerFlow.Definition.Fire(ledger, new EntryBooked("l-7", new Item("a", 1, 1m), [], new() { ["EUR"] = 2.50m }), now);

        var decoded = Assert.IsType<JsonObject>(await node.DecodeAsync(FlowSerializer.Serialize(Ledger.FlowFormatter.Instance, ledger)));

        Assert.Equal("2.50", (string?)decoded["Totals"]!["EUR"]);
        Assert.Equal("Blue", (string?)decoded["Colors"]![0]);
        Assert.Equal("l-7", (string?)decoded["$execution"]!["Id"]);
        Assert.Equal("Book", (string?)decoded["$execution"]!["Timeline"]![0]!["Rule"]);
    }

    private static JsonObject Expected(Everything e)
    {
        static JsonNode Timestamp(DateTime utc)
        {
            var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
            var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
            return new JsonObject { ["$timestamp"] = new JsonArray(seconds.ToString(CultureInfo.InvariantCulture), (int)(rest * 100)) };
        }

        static JsonNode Dto(DateTimeOffset value) => new JsonArray(Timestamp(value.UtcDateTime), (int)value.Offset.TotalMinutes);
        // MessagePack-CSharp writes an integer in the smallest format; a 64-bit one decodes as a bigint (here, its text).
        static JsonNode Int64(long value) => value is >= int.MinValue and <= uint.MaxValue ? value : value.ToString(CultureInfo.InvariantCulture);
        static JsonNode Bin(byte[] bytes) => new JsonObject { ["$bin"] = Convert.ToBase64String(bytes) };
        static JsonNode ItemNode(Item i) => new JsonObject { ["Name"] = i.Name, ["Quantity"] = i.Quantity, ["Price"] = i.Price.ToString(CultureInfo.InvariantCulture) };
        static JsonNode NodeNode(Node? n) => n is null ? null! : new JsonObject { ["Label"] = n.Label, ["Children"] = new JsonArray([.. n.Children.Select(NodeNode)]), ["Next"] = NodeNode(n.Next) };
        static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> map) => new([.. items.Select(map)]);

        var o = new JsonObject();
        o["Bool"] = e.Bool;
        o["Byte"] = e.Byte;
        o["SByte"] = e.SByte;
        o["Short"] = e.Short;
        o["UShort"] = e.UShort;
        o["Int"] = e.Int;
        o["UInt"] = e.UInt;
        o["Long"] = Int64(e.Long);
        o["ULong"] = e.ULong.ToString(CultureInfo.InvariantCulture);
        o["Float"] = e.Float;
        o["Double"] = e.Double;
        o["Char"] = (int)e.Char;
        o["String"] = e.String;
        o["NullableString"] = e.NullableString;
        o["Decimal"] = e.Decimal.ToString(CultureInfo.InvariantCulture);
        o["Guid"] = e.Guid.ToString();
        o["DateTime"] = Timestamp(e.DateTime);
        o["DateTimeOffset"] = Dto(e.DateTimeOffset);
        o["TimeSpan"] = Int64(e.TimeSpan.Ticks);
        o["Bytes"] = Bin(e.Bytes);
        o["NullableBytes"] = Bin(e.NullableBytes!);
        o["Color"] = e.Color.ToString();
        o["Access"] = (int)e.Access;
        o["Huge"] = e.Huge.ToString();
        o["NullableInt"] = e.NullableInt;
        o["NullableGuid"] = e.NullableGuid.ToString();
        o["NullableColor"] = e.NullableColor.ToString();
        o["NullableDateTimeOffset"] = Dto(e.NullableDateTimeOffset!.Value);
        o["IntArray"] = Array(e.IntArray, i => i);
        o["StringArray"] = Array(e.StringArray, s => s);
        o["NullableIntArray"] = Array(e.NullableIntArray, i => i);
        o["ItemArray"] = Array(e.ItemArray!, ItemNode);
        o["IntList"] = Array(e.IntList, i => i);
        o["StringList"] = Array(e.StringList, s => s);
        o["ItemList"] = Array(e.ItemList, ItemNode);
        o["ReadOnlyItems"] = Array(e.ReadOnlyItems, ItemNode);
        o["IntIList"] = Array(e.IntIList, i => i);
        o["StringCollection"] = Array(e.StringCollection, s => s);
        o["LongSequence"] = Array(e.LongSequence, Int64);
        o["ColorCollection"] = Array(e.ColorCollection, c => c.ToString());
        o["StringSet"] = Array(e.StringSet, s => s);
        o["GuidSet"] = Array(e.GuidSet, g => g.ToString());
        o["IntSet"] = Array(e.IntSet!, i => i);
        o["Counts"] = new JsonObject(e.Counts.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        o["ItemsById"] = new JsonObject(e.ItemsById.Select(p => KeyValuePair.Create(p.Key.ToString(), (JsonNode?)ItemNode(p.Value))));
        o["ListsByColor"] = new JsonObject(e.ListsByColor.Select(p => KeyValuePair.Create(p.Key.ToString(), (JsonNode?)Array(p.Value, i => i))));
        o["NamesByNumber"] = new JsonObject(e.NamesByNumber.Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)p.Value)));
        o["Nested"] = new JsonObject(e.Nested.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject(p.Value.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value))))));
        o["Item"] = ItemNode(e.Item);
        o["NullableItem"] = ItemNode(e.NullableItem!);
        o["Point"] = new JsonObject { ["X"] = e.Point.X, ["Y"] = e.Point.Y };
        o["NullablePoint"] = new JsonObject { ["X"] = e.NullablePoint!.Value.X, ["Y"] = e.NullablePoint.Value.Y };
        o["Range"] = new JsonObject { ["From"] = e.Range.From, ["To"] = e.Range.To };
        o["Tree"] = NodeNode(e.Tree);
        o["Inner"] = new JsonObject { ["Value"] = e.Inner!.Value };
        o["Address"] = new JsonObject { ["Street"] = e.Address!.Street, ["City"] = e.Address.City, ["Country"] = e.Address.Country.ToString() };
        o["PlainPoint"] = new JsonObject { ["X"] = e.PlainPoint!.X, ["Y"] = e.PlainPoint.Y };
        o["Day"] = e.Day.ToString();
        o["renamed"] = e.Renamed;
        o["Field"] = e.Field;
        return o;
    }

    private static void AssertSame(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                break;
            case JsonObject o:
                var a = Assert.IsType<JsonObject>(actual);
                Assert.True(o.Count == a.Count, $"{path}: expected keys {string.Join(",", o.Select(p => p.Key))}, got {string.Join(",", a.Select(p => p.Key))}");
                foreach (var (key, value) in o)
                {
                    Assert.True(a.ContainsKey(key), $"{path}: key '{key}' missing");
                    AssertSame(value, a[key], $"{path}.{key}");
                }

                break;
            case JsonArray array:
                var b = Assert.IsType<JsonArray>(actual);
                Assert.True(array.Count == b.Count, $"{path}: expected {array.Count} elements, got {b.Count}");
                for (var i = 0; i < array.Count; i++)
                {
                    AssertSame(array[i], b[i], $"{path}[{i}]");
                }

                break;
            default:
                var e = expected.AsValue();
                var v = Assert.IsAssignableFrom<JsonValue>(actual);
                if (e.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                {
                    Assert.True(v.GetValueKind() == System.Text.Json.JsonValueKind.Number, $"{path}: expected a number, got {v.ToJsonString()}");
                    Assert.True(double.Parse(e.ToJsonString(), CultureInfo.InvariantCulture) == double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture), $"{path}: expected {e.ToJsonString()}, got {v.ToJsonString()}");
                }
                else
                {
                    Assert.True(e.ToJsonString() == v.ToJsonString(), $"{path}: expected {e.ToJsonString()}, got {v.ToJsonString()}");
                }

                break;
        }
    }
}

/// <summary>The npm package @msgpack/msgpack, installed once into a temporary folder, and node to run it.</summary>
public sealed class NodeMsgpack : IAsyncLifetime
{
    private const string Decoder = """
        const fs = require('fs');
        const { decode, ExtensionCodec, decodeTimestampToTimeSpec } = require('@msgpack/msgpack');
        const codec = new ExtensionCodec();
        codec.register({ type: -1, encode: () => null, decode: (data) => { const t = decodeTimestampToTimeSpec(data); return { $timestamp: [String(t.sec), t.nsec] }; } });
        const value = decode(new Uint8Array(fs.readFileSync(process.argv[2])), { extensionCodec: codec, useBigInt64: true });
        process.stdout.write(JSON.stringify(value, (key, v) =>
          typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? { $bin: Buffer.from(v).toString('base64') } : v));
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("flowsdk-msgpack-js-");

    public async Task InitializeAsync()
    {
        Assert.True(Processes.OnPath("node") && Processes.OnPath("npm"), "The interop tests run @msgpack/msgpack with node: install node and npm (apt-get install -y nodejs npm).");
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "package.json"), """{ "name": "flowsdk-interop", "version": "1.0.0", "private": true }""");
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "decode.js"), Decoder);
        (await Processes.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "@msgpack/msgpack@3"], _folder.FullName, TimeSpan.FromMinutes(3)))
            .AssertSucceeded("npm install @msgpack/msgpack");
    }

    public async Task<JsonNode?> DecodeAsync(byte[] bytes)
    {
        var file = Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N") + ".msgpack");
        await File.WriteAllBytesAsync(file, bytes);
        var result = (await Processes.RunAsync("node", ["decode.js", file], _folder.FullName, TimeSpan.FromMinutes(1))).AssertSucceeded("node decode.js");
        return JsonNode.Parse(result.Output);
    }

    public Task DisposeAsync()
    {
        _folder.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
