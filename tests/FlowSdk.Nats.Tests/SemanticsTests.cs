using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Semantics;

namespace FlowSdk.Nats.Tests;

// The runtime semantics suites, the same ones FlowSdk.Tests runs on the embedded transport and
// store, here on a real nats-server: JetStream key/value state, a stream with durable consumers,
// core NATS for the rest, with NatsFlowOptions' defaults (MaxDeliver 5, dead letters on
// flowsdk.deadletter.<subject>). Each test gets a stream and a bucket of its own.

public sealed class NatsRuleEvaluationTests(NatsServerFixture server)
    : RuleEvaluationSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsCompareAndSetTests(NatsServerFixture server)
    : CompareAndSetSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsReactiveTests(NatsServerFixture server)
    : ReactiveSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsUnmatchedTests(NatsServerFixture server)
    : UnmatchedSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsControlTests(NatsServerFixture server)
    : ControlSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;
public sealed class NatsProgressTests(NatsServerFixture server)
    : ProgressSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;
// Two hosts here are two connections to the same server, stream and bucket.
public sealed class NatsScheduleTests(NatsServerFixture server)
    : ScheduleRestartSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>
{
    // The stopped host's last pull request outlives it on the server: see ScheduleRestartSemantics.
    protected override bool KeepsOrderAcrossRestart => false;
}

public sealed class NatsDeploymentTests(NatsServerFixture server)
    : DeploymentSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsApprovalTests(NatsServerFixture server)
    : ApprovalSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsLifecycleEventTests(NatsServerFixture server)
    : LifecycleEventSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;

public sealed class NatsFanOutTests(NatsServerFixture server)
    : FanOutSemantics(new NatsInfrastructureFactory(server)), IClassFixture<NatsServerFixture>;
