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

    /// <summary>
    /// Whether the port is connected outside this assembly: the message is sent by code the
    /// compilation does not contain (a UI, another service, another assembly's flow), or consumed
    /// there. <see langword="false"/> by default. FlowSdk's analyzers check that every message a rule
    /// publishes is consumed by a rule (FLOW0022) and that every message a rule takes is produced
    /// in the assembly (FLOW0023); an external port is exempt from both, so declare it here instead
    /// of suppressing the warnings.
    /// </summary>
    /// <example>
    /// <code>
    /// // Sent by the web front end, so no rule in this assembly produces it.
    /// [Message("plans.submitted", External = true)]
    /// public sealed record PlanSubmitted([property: CorrelationKey] string PlanId, string Content);
    /// </code>
    /// </example>
    public bool External { get; set; }
}
