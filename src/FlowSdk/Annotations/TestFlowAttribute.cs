namespace FlowSdk;

/// <summary>
/// Marks a flow (its state class, beside <see cref="FlowAttribute{TPhase}"/>) as one that exists for
/// tests: a fragment that exercises some rules, fed and read by the test itself. FlowSdk's analyzers
/// then skip the checks that ask whether the flow is complete: unreachable phases (FLOW0010), phases
/// without a way out (FLOW0011), loops without <c>MaxIterations</c> (FLOW0014), and ports of its rules
/// that nothing in the assembly consumes (FLOW0022) or produces (FLOW0023). Every check that a
/// flow is correct still applies, and the flow is generated and runs as any other.
/// </summary>
/// <example>
/// <code>
/// [TestFlow]
/// [Flow&lt;PlanPhase&gt;("plan-review-approval-only")]
/// public partial class ApprovalOnly { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TestFlowAttribute : Attribute
{
}
