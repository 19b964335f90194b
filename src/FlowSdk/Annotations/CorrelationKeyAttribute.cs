namespace FlowSdk;

/// <summary>
/// Marks the property of a message that names the execution the message belongs to. A rule that
/// takes both the flow's state and this message loads (or creates) the execution whose id is the
/// property's value.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class CorrelationKeyAttribute : Attribute
{
}
