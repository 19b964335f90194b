using System.ComponentModel;

namespace FlowSdk.Internal;

/// <summary>
/// Implemented by the formatters FlowSdk generates for message types and the classes, records and
/// structs they reach: each writes a MessagePack map keyed by member name (see docs/serialization.md), and <see cref="Keys"/> lists
/// those keys. Tools use it to describe a message without an instance, for example the command
/// line's <c>send</c>, which names the fields a message type accepts.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IMapFormatter
{
    /// <summary>The keys the formatter writes, in the order it writes them.</summary>
    IReadOnlyList<string> Keys { get; }
}
