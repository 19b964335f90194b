namespace FlowSdk.Semantics.Flows;

/// <summary>One more for a tally: a long-lived execution that fires once per message, without end.</summary>
[Message("test.tally.bumped")]
public sealed record TallyBumped([property: CorrelationKey] string TallyId, int By = 1, bool Tell = false);

/// <summary>What a tally publishes when a bump asks it to tell its total.</summary>
[Message("test.tally.told")]
public sealed record TallyTold(string TallyId, long Total);

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
    [Rule(From = TallyPhase.Counting)]
    [When(nameof(Tells))]
    public static TallyTold BumpAndTell(Tally tally, TallyBumped bumped)
    {
        tally.Total += bumped.By;
        return new TallyTold(tally.Id, tally.Total);
    }

    [Rule(From = TallyPhase.Counting)]
    public static void Bump(Tally tally, TallyBumped bumped) => tally.Total += bumped.By;

    private static bool Tells(TallyBumped bumped) => bumped.Tell;
}
