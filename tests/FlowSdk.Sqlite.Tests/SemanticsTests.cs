using FlowSdk.Semantics;

namespace FlowSdk.Sqlite.Tests;

// The runtime semantics suites, the same ones FlowSdk.Tests runs in memory and FlowSdk.Nats.Tests
// runs on a NATS server, here on a SQLite file per test: three back-ends, one suite.

public sealed class SqliteRuleEvaluationTests() : RuleEvaluationSemantics(new SqliteInfrastructureFactory());

public sealed class SqliteCompareAndSetTests() : CompareAndSetSemantics(new SqliteInfrastructureFactory());

public sealed class SqliteReactiveTests() : ReactiveSemantics(new SqliteInfrastructureFactory());

public sealed class SqliteUnmatchedTests() : UnmatchedSemantics(new SqliteInfrastructureFactory());

public sealed class SqliteControlTests() : ControlSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteScheduleTests() : ScheduleRestartSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteProgressTests() : ProgressSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteDeploymentTests() : DeploymentSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteApprovalTests() : ApprovalSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteLifecycleEventTests() : LifecycleEventSemantics(new SqliteInfrastructureFactory());
public sealed class SqliteFanOutTests() : FanOutSemantics(new SqliteInfrastructureFactory());
