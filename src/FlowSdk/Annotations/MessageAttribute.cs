namespace FlowSdk;

/// <summary>
/// Marks a type as a message: a port of the flows that produce or consume it, carried on one
/// subject. A subject is a dot-separated list of tokens (for example <c>plans.submitted</c>),
/// routed as NATS routes it.
/// </summary>
/// <example>
/// <code>
/// [Message("plans.submitted")]
/// public sealed record PlanSubmitted([property: CorrelationKey] string PlanId, string Content);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class MessageAttribute : Attribute
{
    /// <summary>Declares a message type and the subject it travels on.</summary>
    /// <param name="subject">The subject, for example <c>plans.submitted</c>.</param>
    public MessageAttribute(string subject) => Subject = subject;

    /// <summary>The subject the message travels on.</summary>
    public string Subject { get; }
}
