using MessagePack;

namespace FlowSdk.Serialization;

/// <summary>
/// The data of a type with a <see langword="required"/> member does not have that member. Thrown by
/// generated formatters; <see cref="FlowSerializer"/> wraps it, like every read failure, in a
/// <see cref="MessagePackSerializationException"/> that says where in the data it happened.
/// </summary>
public sealed class RequiredMemberMissingException : MessagePackSerializationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="member">The member the data lacks, as <c>Type.Key</c>.</param>
    public RequiredMemberMissingException(string member)
        : base($"{member} is required, but the data does not have it.")
    {
        Member = member;
    }

    /// <summary>The member the data lacks, as <c>Type.Key</c>.</summary>
    public string Member { get; }
}
