using FlowSdk.Semantics;

namespace FlowSdk.Tests;

// The runtime semantics suites, run on the embedded transport and store. FlowSdk.Nats.Tests runs
// the same suites on a NATS server, so the two cannot drift apart.
public sealed class InMemoryRuleEvaluationTests() : RuleEvaluationSemantics(new InMemoryInfrastructure());

public sealed class InMemoryCompareAndSetTests() : CompareAndSetSemantics(new InMemoryInfrastructure());

public sealed class InMemoryReactiveTests() : ReactiveSemantics(new InMemoryInfrastructure());

public sealed class InMemoryUnmatchedTests() : UnmatchedSemantics(new InMemoryInfrastructure());

public sealed class InMemoryControlTests() : ControlSemantics(new InMemoryInfrastructure());
public sealed class InMemoryScheduleTests() : ScheduleRestartSemantics(new InMemoryInfrastructure());
public sealed class InMemoryProgressTests() : ProgressSemantics(new InMemoryInfrastructure());
public sealed class InMemoryDeploymentTests() : DeploymentSemantics(new InMemoryInfrastructure())
{
    protected override bool KeepsMessagesOfStoppedFlows => false;
}
public sealed class InMemoryApprovalTests() : ApprovalSemantics(new InMemoryInfrastructure());
public sealed class InMemoryLifecycleEventTests() : LifecycleEventSemantics(new InMemoryInfrastructure());
public sealed class InMemoryFanOutTests() : FanOutSemantics(new InMemoryInfrastructure());
