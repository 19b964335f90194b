using System.Security.Cryptography;
using AotSerializationSample;
using FlowSdk;

// Serializes a flow state (with its execution bookkeeping) and a message with the generated formatters,
// reads them back, and prints the checksums of the bytes: the same under the JIT and Native AOT.
var now = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(1));
var basket = BasketFlow.Definition.Start("b-1", now);
var added = new ItemAdded("b-1", new Line("sku-1", 2, 9.95m, Shipping.Courier), ["gift", "fragile"], now);
BasketFlow.Definition.Fire(basket, added, now);
BasketFlow.Definition.Fire(basket, new ItemAdded("b-1", new Line("sku-2", 1, 100m, Shipping.Post), ["gift"], now.AddMinutes(5)), now.AddMinutes(5));
BasketFlow.Definition.Fire(basket, new CheckedOut("b-1", Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), new Address("1 Main St", "Springfield", null)), now.AddMinutes(12));

var stateBytes = FlowSerializer.Serialize(BasketFlow.Definition.StateFormatter, basket);
var messageBytes = BasketFlow.Ports.ItemAdded.Serialize(added);

var state = FlowSerializer.Deserialize(BasketFlow.Definition.StateFormatter, stateBytes);
var message = BasketFlow.Ports.ItemAdded.Deserialize(messageBytes);

var same = state.Phase == BasketPhase.CheckedOut
    && state.Status == ExecutionStatus.Completed
    && state.Timeline.Count == 3
    && state.Lines.SequenceEqual(basket.Lines)
    && state.Quantities.Count == 2 && state.Quantities["sku-1"] == 2
    && state.Tags.SetEquals(["gift", "fragile"])
    && state.ShipTo == basket.ShipTo
    && state.Payment == basket.Payment
    && state.OpenFor == basket.OpenFor
    && state.Thumbnail.SequenceEqual(basket.Thumbnail)
    && message.Line == added.Line && message.Tags.SequenceEqual(added.Tags) && message.At == added.At && message.At.Offset == added.At.Offset
    && FlowSerializer.Serialize(BasketFlow.Definition.StateFormatter, state).SequenceEqual(stateBytes)
    && BasketFlow.Ports.ItemAdded.Serialize(message).SequenceEqual(messageBytes);

Console.WriteLine($"state: {stateBytes.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(stateBytes))}");
Console.WriteLine($"message: {messageBytes.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(messageBytes))}");
Console.WriteLine(same ? "round trip: ok" : "round trip: MISMATCH");
return same ? 0 : 1;
