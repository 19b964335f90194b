namespace FlowSdk.Semantics.Flows;

/// <summary>One more for a tally: a long-lived execution that fires once per message, without end.</summary>
[Message("test.tally.bumped")]
public sealed record TallyBumped([property: CorrelationKey] string TallyId, int By = 1);

public enum TallyPhase
{
    Counting,
}

/// <summary>A counter that never ends: its timeline would grow by one entry per message.</summary>
[Flow<TallyPhase>("tally")]
public partial class Tally
{
    public long Total { get; set; }
}

[Rules<Tally>]
public static partial class TallyRules
{
    [Rule(From = TallyPhase.Counting, To = TallyPhase.Counting)]
    public static void Bump(Tally tally, TallyBumped bumped) => tally.Total += bumped.By;
}
