namespace FlowSdk;

/// <summary>
/// Marks the <c>string</c> property of a message that carries the task id of a publish-and-await
/// exchange. On a request (the message a <c>[Rule(AwaitReply = true)]</c> returns) the runtime
/// fills it in; on the reply, the runtime reads it to find the waiting execution. A reply needs no
/// <see cref="CorrelationKeyAttribute"/>: the task id names the execution.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class TaskIdAttribute : Attribute
{
}
