namespace FlowSdk;

/// <summary>
/// Marks a member of a flow's phase enum as terminal: an execution that enters it is
/// <see cref="ExecutionStatus.Completed"/> and no rule fires for it again.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class TerminalPhaseAttribute : Attribute
{
}
