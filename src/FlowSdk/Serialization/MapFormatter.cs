using System.ComponentModel;
using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk.Internal;

/// <summary>
/// The values of one instance's members while a <see cref="MapFormatter{T, TValues}"/> reads it: a struct
/// the generator writes per type, holding one field per member. The shared read loop hands each member it
/// finds to <see cref="Read"/> and makes the instance with <see cref="Create"/>; see docs/serialization.md.
/// </summary>
/// <typeparam name="T">The type read.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IMapValues<out T>
{
    /// <summary>Gives each member the value it has when the data lacks it; called once, before the first member is read.</summary>
    void Init();

    /// <summary>Reads the value of member <paramref name="member"/>.</summary>
    /// <param name="reader">The reader, on the member's value.</param>
    /// <param name="member">The member's position in the formatter's <see cref="MapMembers"/>.</param>
    /// <param name="options">The options the formatter was given.</param>
    void Read(ref MessagePackReader reader, int member, MessagePackSerializerOptions options);

    /// <summary>Makes the instance from the values read: checks required members, calls the constructor, sets the rest.</summary>
    /// <returns>The instance.</returns>
    T Create();
}

/// <summary>
/// The base of a generated formatter that writes a class, record or struct as a MessagePack map keyed by member
/// name. It holds what every such formatter shares: the keys (<see cref="MapMembers"/>) and the read loop
/// (entering the map, finding the member of each key, skipping unknown keys, the error that names the member
/// whose value failed). The generated class adds <see cref="Serialize"/> and the member reads of
/// <typeparamref name="TValues"/>: the loop runs specialized for that struct, with direct calls, no delegates
/// and no reflection.
/// </summary>
/// <typeparam name="T">The type written and read.</typeparam>
/// <typeparam name="TValues">The struct that holds the member values read (<see cref="IMapValues{T}"/>).</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class MapFormatter<T, TValues> : IMessagePackFormatter<T>, IMapFormatter
    where TValues : struct, IMapValues<T>
{
    /// <summary>Creates the formatter of a type with the given members.</summary>
    /// <param name="members">The members' keys and types, in the order <see cref="Serialize"/> writes them.</param>
    protected MapFormatter(MapMembers members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Members = members;
    }

    /// <summary>The members' keys and types, in the order <see cref="Serialize"/> writes them.</summary>
    protected MapMembers Members { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Keys => Members.Keys;

    /// <inheritdoc/>
    public abstract void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options);

    /// <summary>
    /// Reads a map into <typeparamref name="TValues"/>, member by member, and makes the instance; nil reads as
    /// <see langword="null"/> for a class. A value that cannot be read is reported with the member's name, the
    /// type expected and the value found (<see cref="WireFormat.MemberReadFailed"/>).
    /// </summary>
    /// <param name="reader">The reader, on the map.</param>
    /// <param name="options">The options, handed to the member reads.</param>
    /// <returns>The instance read.</returns>
    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (default(T) is null && reader.TryReadNil())
        {
            return default!;
        }

        var members = Members;
        var values = default(TValues);
        values.Init();
        var count = MapMembers.ReadHeader(ref reader);
        scoped ReadOnlySpan<byte> key = default;
        byte code = 0;
        var member = -1;
        try
        {
            for (var i = 0; i < count; i++)
            {
                member = -1;
                key = WireFormat.ReadKey(ref reader);
                code = reader.NextCode;
                member = members.IndexOf(key, i);
                if (member < 0)
                {
                    reader.Skip();
                }
                else
                {
                    values.Read(ref reader, member, options);
                }
            }
        }
        catch (Exception e) when (member >= 0 && WireFormat.IsMemberError(e))
        {
            throw members.ReadFailed(member, key, code, e);
        }

        reader.Depth--;
        return values.Create();
    }
}
