namespace FlowSdk.Semantics.Flows;

/// <summary>Starts a batch: fans out group <see cref="Group"/>, one child per value.</summary>
[Message("test.fanout.batch.started")]
public sealed record BatchStarted([property: CorrelationKey] string BatchId, string Group, List<int> Values, string Plan = "auto");

/// <summary>Fans the batch's group out again once it was collected: the group already finished, so nothing starts and its results come back at once.</summary>
[Message("test.fanout.batch.restarted")]
public sealed record BatchRestarted([property: CorrelationKey] string BatchId);

/// <summary>Breaks a waiting batch (it fails), so an operator can retry it.</summary>
[Message("test.fanout.batch.broken")]
public sealed record BatchBroken([property: CorrelationKey] string BatchId);

/// <summary>Starts a child: its plan says whether it completes at once (<c>auto</c>), fails at once (<c>fail</c>) or waits for <see cref="ItemFinished"/> (<c>manual</c>).</summary>
[Message("test.fanout.item.started")]
public sealed record ItemStarted([property: CorrelationKey] string ItemId, int Value, string Plan);

/// <summary>Ends a waiting child, well or not.</summary>
[Message("test.fanout.item.finished")]
public sealed record ItemFinished([property: CorrelationKey] string ItemId, bool Ok);

/// <summary>A child's result.</summary>
[Message("test.fanout.item.done")]
public sealed record ItemDone(string ItemId, int Doubled);

public enum BatchPhase
{
    New,
    Waiting,
    Collected,
}

[Flow<BatchPhase>("fanout-batch", MaxIterations = 5)]
[FanOut<FanItem, ItemStarted, ItemDone>("all")]
[FanOut<FanItem, ItemStarted, ItemDone>("first", Mode = FanOutMode.First)]
[FanOut<FanItem, ItemStarted, ItemDone>("fail-fast", Mode = FanOutMode.AnyError)]
[FanOut<FanItem, ItemStarted, ItemDone>("timed", Timeout = "00:10:00")]
public partial class FanBatch
{
    public string Group { get; set; } = "";

    public int Collections { get; set; }

    public string Outcome { get; set; } = "";

    /// <summary>The results of the children that completed, by child index.</summary>
    public List<int> Results { get; set; } = [];

    public int NotCompleted { get; set; }
}

[Rules<FanBatch>]
public static partial class FanBatchRules
{
    [Rule(From = BatchPhase.New, To = BatchPhase.Waiting)]
    public static void Start(FanBatch batch, BatchStarted started, RuleContext context)
    {
        batch.Group = started.Group;
        context.FanOut(GroupOf(batch), started.Values, (id, value) => new ItemStarted(id, value, started.Plan));
    }

    [Rule(From = BatchPhase.Collected, To = BatchPhase.Waiting)]
    public static void Restart(FanBatch batch, BatchRestarted restarted, RuleContext context)
        => context.FanOut(GroupOf(batch), [100, 200, 300, 400], (id, value) => new ItemStarted(id, value, "auto"));

    [Rule(From = BatchPhase.Waiting)]
    public static void Break(FanBatch batch, BatchBroken broken, RuleContext context) => context.Fail("broken by the test");

    [Rule(From = BatchPhase.Waiting, To = BatchPhase.Collected)]
    [When(nameof(GroupFinished))]
    public static void Collect(FanBatch batch)
    {
        var results = GroupOf(batch).Results(batch)!;
        batch.Collections++;
        batch.Outcome = results.Outcome.ToString();
        batch.Results = results.Completed.OrderBy(r => r.Index).Select(r => r.Result!.Doubled).ToList();
        batch.NotCompleted = results.NotCompleted.Count();
    }

    public static FanOutGroup<ItemStarted, ItemDone> GroupOf(FanBatch batch) => batch.Group switch
    {
        "first" => FanBatchFlow.FanOuts.First,
        "fail-fast" => FanBatchFlow.FanOuts.FailFast,
        "timed" => FanBatchFlow.FanOuts.Timed,
        _ => FanBatchFlow.FanOuts.All,
    };

    private static bool GroupFinished(FanBatch batch) => GroupOf(batch).IsFinished(batch);
}

public enum ItemPhase
{
    Started,
    Working,
    [TerminalPhase]
    Done,
    [TerminalPhase]
    Broken,
}

[Flow<ItemPhase>("fanout-item")]
public partial class FanItem
{
    public int Value { get; set; }
}

[Rules<FanItem>]
public static partial class FanItemRules
{
    [Rule(From = ItemPhase.Started, To = ItemPhase.Done)]
    [When(nameof(IsAuto))]
    public static ItemDone CompleteAtOnce(FanItem item, ItemStarted started) => new(item.Id, started.Value * 2);

    [Rule(From = ItemPhase.Started, To = ItemPhase.Broken)]
    [When(nameof(IsFail))]
    public static void FailAtOnce(FanItem item, ItemStarted started, RuleContext context) => context.Fail("planned to fail");

    [Rule(From = ItemPhase.Started, To = ItemPhase.Working)]
    public static void Begin(FanItem item, ItemStarted started) => item.Value = started.Value;

    [Rule(From = ItemPhase.Working, To = ItemPhase.Done)]
    [When(nameof(IsOk))]
    public static ItemDone Succeed(FanItem item, ItemFinished finished) => new(item.Id, item.Value * 2);

    [Rule(From = ItemPhase.Working)]
    public static void Fail(FanItem item, ItemFinished finished, RuleContext context) => context.Fail("finished with an error");

    private static bool IsAuto(ItemStarted started) => started.Plan == "auto";

    private static bool IsFail(ItemStarted started) => started.Plan == "fail";

    private static bool IsOk(ItemFinished finished) => finished.Ok;
}
