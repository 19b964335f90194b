namespace FlowSdk;

/// <summary>
/// A fan-out group of an execution, kept in its state: committed with the firing that fanned out (and
/// with the outbox that starts the children), then with each child's end until the group finishes.
/// </summary>
internal sealed class FanOutRecord
{
    public string Name { get; init; } = "";

    public FanOutMode Mode { get; init; }

    public int Expected { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the group times out, or <see langword="null"/>.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When the group finished; <see langword="null"/> while it waits.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    public FanOutOutcome? Outcome { get; set; }

    /// <summary>The indexes of the children that reported after the group finished: their results were dropped.</summary>
    public List<int> Late { get; } = [];

    /// <summary>The children that ended before the group finished, in the order they ended.</summary>
    public List<FanOutChildEnd> Ended { get; } = [];

    /// <summary>Records a child's end and finishes the group when its mode says so.</summary>
    public void Add(FanOutChildEnd ended, DateTimeOffset now)
    {
        Ended.Add(ended);
        var completed = ended.Status == ExecutionStatus.Completed;
        FanOutOutcome? outcome = Mode switch
        {
            FanOutMode.First when completed => FanOutOutcome.FirstCompleted,
            FanOutMode.AnyError when !completed => FanOutOutcome.ChildFailed,
            _ when Ended.Count >= Expected => FanOutOutcome.AllEnded,
            _ => null,
        };
        if (outcome is not null)
        {
            Finish(outcome.Value, now);
        }
    }

    public void Finish(FanOutOutcome outcome, DateTimeOffset now)
    {
        Outcome = outcome;
        FinishedAt = now;
    }

    /// <summary>Whether child <paramref name="index"/> already reported, in time or late.</summary>
    public bool HasReported(int index) => Ended.Exists(e => e.Index == index) || Late.Contains(index);
}

/// <summary>A child's end as its parent keeps it: the result message's bytes, not yet read as its type.</summary>
internal sealed record FanOutChildEnd(int Index, string ExecutionId, ExecutionStatus Status, string Phase, string? Reason, DateTimeOffset At, byte[]? ResultPayload);

/// <summary>A child's link to the group that started it, kept in the child's state.</summary>
internal sealed record FanOutParent(string Flow, string ExecutionId, string Group, int Index)
{
    /// <summary>The prefix of the message id of a message that starts a child.</summary>
    public const string MessageIdPrefix = "flowsdk-fanout.";

    /// <summary>The id of the message that starts this child: the same on every attempt, so the transport's duplicate window and the child's record of taken messages drop a replay.</summary>
    public string MessageId => string.Concat(MessageIdPrefix, Flow, ".", ExecutionId, ".", Group, ".", Index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Reads the link from the id of the message that started a child; <see langword="null"/> for any other message.</summary>
    public static FanOutParent? FromMessageId(string? messageId)
    {
        if (messageId is null || !messageId.StartsWith(MessageIdPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = messageId[MessageIdPrefix.Length..].Split('.');
        return parts.Length == 4 && int.TryParse(parts[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? new FanOutParent(parts[0], parts[1], parts[2], index)
            : null;
    }
}
