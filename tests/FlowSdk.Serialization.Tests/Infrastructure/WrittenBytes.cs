using System.Buffers;
using MessagePack;

namespace FlowSdk.Serialization.Tests.Infrastructure;

/// <summary>Writes something with a <see cref="MessagePackWriter"/> and returns the bytes: what a test compares.</summary>
internal static class WrittenBytes
{
    /// <summary>Something that writes with the writer it is given.</summary>
    public delegate void WriteAction(ref MessagePackWriter writer);

    /// <summary>The bytes <paramref name="action"/> writes, with the old or the current MessagePack spec.</summary>
    public static byte[] Write(bool oldSpec, WriteAction action)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer) { OldSpec = oldSpec };
        action(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
