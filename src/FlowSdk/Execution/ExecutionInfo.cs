namespace FlowSdk;

/// <summary>
/// The bookkeeping of one execution, kept by the runtime and stored with the state. The generator
/// surfaces its members on the flow's state class (<c>Id</c>, <c>Phase</c>, <c>Status</c>, ...).
/// </summary>
public sealed class ExecutionInfo
{
    private readonly List<TimelineEntry> _timeline = [];

    /// <summary>The execution id: the correlation key that created it.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The id of the flow the execution belongs to.</summary>
    public string Flow { get; internal set; } = "";

    /// <summary>The name of the execution's current phase.</summary>
    public string Phase { get; internal set; } = "";

    /// <summary>Where the execution stands.</summary>
    public ExecutionStatus Status { get; internal set; }

    /// <summary>Why the execution reached its status, for Failed and Escalated; otherwise <see langword="null"/>.</summary>
    public string? StatusReason { get; internal set; }

    /// <summary>The execution's iteration, starting at 1. Moving to the same or an earlier phase starts the next one.</summary>
    public int Iteration { get; internal set; } = 1;

    /// <summary>When the execution was created.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }

    /// <summary>When the execution was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; internal set; }

    /// <summary>Every firing, oldest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline => _timeline;

    internal void Append(TimelineEntry entry) => _timeline.Add(entry);

    internal void Restore(IEnumerable<TimelineEntry> entries)
    {
        _timeline.Clear();
        _timeline.AddRange(entries);
    }
}
