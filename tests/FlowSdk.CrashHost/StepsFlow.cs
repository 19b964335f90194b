namespace FlowSdk.CrashHost;

/// <summary>Step <see cref="N"/> of execution <see cref="Id"/>, published at <see cref="SentAt"/> (Unix milliseconds).</summary>
[Message("crash.step")]
public sealed record Step([property: CorrelationKey] string Id, int N, long SentAt);

/// <summary>The output of an applied step, published through the outbox.</summary>
[Message("crash.applied", External = true)]
public sealed record Applied(string Id, int N, long SentAt);

public enum StepPhase
{
    P0,
    P1,
    P2,
    P3,
    P4,
    [TerminalPhase]
    P5,
}

/// <summary>A phase-gated flow: step N applies only in phase N-1.</summary>
[Flow<StepPhase>("steps")]
public partial class StepState
{
    /// <summary>The steps applied, in order ("1,2,3,"): a step applied twice or out of order shows here.</summary>
    public string Applied { get; set; } = "";
}

[Rules<StepState>]
public static partial class StepRules
{
    [Rule(From = StepPhase.P0, To = StepPhase.P1)]
    [When(nameof(IsStep1))]
    public static Applied Step1(StepState s, Step m) => Apply(s, m);

    [Rule(From = StepPhase.P1, To = StepPhase.P2)]
    [When(nameof(IsStep2))]
    public static Applied Step2(StepState s, Step m) => Apply(s, m);

    [Rule(From = StepPhase.P2, To = StepPhase.P3)]
    [When(nameof(IsStep3))]
    public static Applied Step3(StepState s, Step m) => Apply(s, m);

    [Rule(From = StepPhase.P3, To = StepPhase.P4)]
    [When(nameof(IsStep4))]
    public static Applied Step4(StepState s, Step m) => Apply(s, m);

    [Rule(From = StepPhase.P4, To = StepPhase.P5)]
    [When(nameof(IsStep5))]
    public static Applied Step5(StepState s, Step m) => Apply(s, m);

    private static Applied Apply(StepState s, Step m)
    {
        s.Applied += m.N + ",";
        return new Applied(m.Id, m.N, m.SentAt);
    }

    private static bool IsStep1(Step m) => m.N == 1;

    private static bool IsStep2(Step m) => m.N == 2;

    private static bool IsStep3(Step m) => m.N == 3;

    private static bool IsStep4(Step m) => m.N == 4;

    private static bool IsStep5(Step m) => m.N == 5;
}
