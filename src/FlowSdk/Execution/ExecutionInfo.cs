namespace FlowSdk;

/// <summary>
/// The bookkeeping of one execution, kept by the runtime and stored with the state. The generator
/// surfaces its members on the flow's state class (<c>Id</c>, <c>Phase</c>, <c>Status</c>, ...).
/// </summary>
public sealed class ExecutionInfo
{
    // Not readonly: a copy kept for the next event hands its lists over (TakeFrom) instead of copying them again.
    private List<TimelineEntry> _timeline;
    private RuleCounters _rules;

    // Made on first use: most executions never fan out, park a message or keep an outbox.
    private List<FanOutRecord>? _fanOuts;
    private List<OutgoingMessage>? _outbox;
    private List<ParkedMessage>? _parked;
    private List<string>? _handled;

    /// <summary>Creates empty bookkeeping; the runtime fills it in.</summary>
    public ExecutionInfo()
        : this([], new RuleCounters())
    {
    }

    private ExecutionInfo(List<TimelineEntry> timeline, RuleCounters rules)
    {
        _timeline = timeline;
        _rules = rules;
    }

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

    /// <summary>
    /// The latest firings and controls, oldest first: at most
    /// <see cref="FlowRuntimeOptions.MaxTimelineEntries"/> (100 by default) after each firing. Earlier
    /// entries are counted in <see cref="DroppedTimelineEntries"/>.
    /// </summary>
    public IReadOnlyList<TimelineEntry> Timeline => _timeline;

    /// <summary>How many earlier timeline entries are no longer kept (see <see cref="Timeline"/>); 0 while every entry is kept.</summary>
    public long DroppedTimelineEntries { get; internal set; }

    /// <summary>When the first timeline entry was recorded, once it is no longer kept; otherwise <see langword="null"/> (it is <c>Timeline[0]</c>).</summary>
    public DateTimeOffset? FirstTimelineEntryAt { get; internal set; }

    /// <summary>
    /// How many timeline entries the execution recorded in all, kept or not: it only grows, so the
    /// runtime numbers firings with it (task ids, outbox message ids) and they stay unique and
    /// deterministic when old entries are dropped.
    /// </summary>
    public long TimelineEntriesRecorded => DroppedTimelineEntries + _timeline.Count;

    /// <summary>When the execution times out, for a flow with a timeout; otherwise <see langword="null"/>.</summary>
    public DateTimeOffset? Deadline { get; internal set; }

    /// <summary>The task id of the reply the execution waits for, while it is <see cref="ExecutionStatus.Waiting"/>.</summary>
    public string? PendingTaskId { get; internal set; }

    /// <summary>When the execution started waiting for <see cref="PendingTaskId"/>.</summary>
    public DateTimeOffset? PendingSince { get; internal set; }

    /// <summary>The approval request the execution waits on while it is <see cref="ExecutionStatus.WaitingForApproval"/>; otherwise <see langword="null"/>.</summary>
    public ApprovalRequest? PendingApproval { get; internal set; }

    /// <summary>The latest decision on an approval request of this execution (approved, rejected, expired, or by policy); <see langword="null"/> before the first.</summary>
    public ApprovalDecision? LastApproval { get; internal set; }

    /// <summary>
    /// How many state-triggered firings followed one another without a message in between; bounded
    /// by <see cref="FlowRuntimeOptions.MaxChainedFirings"/>.
    /// </summary>
    public int ChainedFirings { get; internal set; }

    /// <summary>How often each rule fired for this execution and when it last did, by rule name.</summary>
    public IReadOnlyDictionary<string, RuleCounter> Rules => _rules;

    /// <summary>The fan-out groups this execution started, waiting or finished, in the order it started them.</summary>
    internal List<FanOutRecord> FanOuts => _fanOuts ??= [];

    /// <summary>How many fan-out groups the execution started (without making the list).</summary>
    internal int FanOutCount => _fanOuts?.Count ?? 0;

    /// <summary>The group that started this execution, for a child of a fan-out; otherwise <see langword="null"/>.</summary>
    internal FanOutParent? FanOutParent { get; set; }

    /// <summary>The fan-out group named <paramref name="name"/>, once the execution started it.</summary>
    internal FanOutRecord? FindFanOut(string name) => _fanOuts?.Find(g => string.Equals(g.Name, name, StringComparison.Ordinal));

    /// <summary>How many messages the execution published that have not yet been handed to the transport (its outbox).</summary>
    internal List<OutgoingMessage> Outbox => _outbox ??= [];

    /// <summary>How many messages are in <see cref="Outbox"/> (without making the list).</summary>
    internal int OutboxCount => _outbox?.Count ?? 0;

    /// <summary>
    /// The status in the stored revision this value was read from; <see langword="null"/> for a new
    /// execution. Not stored: the runtime sets it when it reads a state, so a write can tell the store
    /// which status it replaces (<see cref="StatusChange"/>, for the progress counters).
    /// </summary>
    internal ExecutionStatus? StoredStatus { get; set; }

    /// <summary>Whether the last write only emptied the outbox after publishing it: no change a state rule reacts to.</summary>
    internal bool PublishedOnly { get; set; }

    /// <summary>
    /// How many timeline entries the execution had recorded when it was read from the store (or last written
    /// by the runtime): the entries after it have no <see cref="ExecutionEvent"/> yet.
    /// Not stored.
    /// </summary>
    internal long EventsFrom { get; set; }

    /// <summary>
    /// Messages for this execution that fired no rule when they arrived, oldest first. They are
    /// evaluated again after every change of the execution and expire to a dead letter
    /// (<see cref="FlowRuntimeOptions.ParkedMessageTimeout"/>).
    /// </summary>
    internal List<ParkedMessage> Parked => _parked ??= [];

    /// <summary>How many messages are in <see cref="Parked"/> (without making the list).</summary>
    internal int ParkedCount => _parked?.Count ?? 0;

    /// <summary>
    /// The ids of the latest messages that fired a rule for this execution, oldest first and bounded:
    /// a redelivery of one of them is a duplicate, acknowledged without being evaluated again.
    /// </summary>
    internal List<string> Handled => _handled ??= [];

    /// <summary>How many ids are in <see cref="Handled"/> (without making the list).</summary>
    internal int HandledCount => _handled?.Count ?? 0;

    /// <summary>Whether <paramref name="messageId"/> fired a rule for this execution or is parked with it.</summary>
    internal bool Knows(string messageId)
    {
        if (_handled?.Contains(messageId) == true)
        {
            return true;
        }

        if (_parked is null)
        {
            return false;
        }

        foreach (var parked in _parked)
        {
            if (string.Equals(parked.MessageId, messageId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records that <paramref name="messageId"/> fired a rule, keeping the latest <paramref name="keep"/> ids.</summary>
    internal void RecordHandled(string messageId, int keep)
    {
        Handled.Add(messageId);
        if (Handled.Count > keep)
        {
            Handled.RemoveRange(0, Handled.Count - keep);
        }
    }

    /// <summary>Records <paramref name="entry"/>, then keeps only the latest <paramref name="keep"/> entries (see <see cref="TrimTimeline"/>).</summary>
    internal void Append(TimelineEntry entry, int keep = int.MaxValue)
    {
        _timeline.Add(entry);
        TrimTimeline(keep);
    }

    /// <summary>Drops the oldest entries beyond <paramref name="keep"/>, counting them and remembering when the first entry was.</summary>
    internal void TrimTimeline(int keep)
    {
        var drop = _timeline.Count - Math.Max(keep, 1);
        if (drop <= 0)
        {
            return;
        }

        FirstTimelineEntryAt ??= _timeline[0].At;
        DroppedTimelineEntries += drop;
        _timeline.RemoveRange(0, drop);
    }

    /// <summary>The firing counters, sorted by rule name (ordinal), as they are stored.</summary>
    internal RuleCounters RuleCounters => _rules;

    internal void CountFiring(string rule, DateTimeOffset at) => _rules.CountFiring(rule, at);

    internal void RestoreRule(string rule, RuleCounter counter) => _rules.Set(rule, counter);

    internal void Restore(ReadOnlySpan<TimelineEntry> entries)
    {
        _timeline.Clear();
        _timeline.AddRange(entries);
    }

    /// <summary>Empties the timeline for entries read from a stored value, with room for <paramref name="count"/> of them, and returns it.</summary>
    internal List<TimelineEntry> TimelineToRead(int count)
    {
        _timeline.Clear();
        _timeline.EnsureCapacity(count);
        return _timeline;
    }

    /// <summary>
    /// A copy of this bookkeeping exactly as reading its stored value back gives it: times in UTC, a nil
    /// string read as the empty one where the reader does so, what is not stored set as a read sets it
    /// (<see cref="StoredStatus"/>, <see cref="EventsFrom"/>). The kept-state cache keeps it beside the
    /// stored bytes, and the next event of the execution takes it (<see cref="TakeFrom"/>) instead of
    /// reading the bookkeeping from the bytes. Shares only immutable objects (strings, records, the
    /// payloads of parked messages, which nothing writes to) with this one. <see langword="null"/> when
    /// it holds what is not copied (rare, and read from the bytes instead): an outbox, an approval, fan-out groups.
    /// </summary>
    internal ExecutionInfo? StoredCopy()
    {
        if (OutboxCount > 0 || FanOutCount > 0 || PendingApproval is not null || LastApproval is not null)
        {
            return null;
        }

        var timeline = new List<TimelineEntry>(_timeline.Count);
        foreach (var entry in _timeline)
        {
            timeline.Add(AsStored(entry));
        }

        var copy = new ExecutionInfo(timeline, _rules.StoredCopy())
        {
            Id = Id ?? "",
            Flow = Flow ?? "",
            Phase = Phase ?? "",
            Status = Status,
            StatusReason = StatusReason,
            Iteration = Iteration,
            CreatedAt = Utc(CreatedAt),
            UpdatedAt = Utc(UpdatedAt),

            // Stored only once entries were dropped (see ExecutionInfoFormatter.Write).
            DroppedTimelineEntries = DroppedTimelineEntries > 0 ? DroppedTimelineEntries : 0,
            FirstTimelineEntryAt = DroppedTimelineEntries > 0 && FirstTimelineEntryAt is { } first ? Utc(first) : null,
            Deadline = Deadline is { } deadline ? Utc(deadline) : null,
            PendingTaskId = PendingTaskId,
            PendingSince = PendingSince is { } since ? Utc(since) : null,
            ChainedFirings = ChainedFirings,
            PublishedOnly = PublishedOnly,
            FanOutParent = FanOutParent is { } parent ? new FanOutParent(parent.Flow ?? "", parent.ExecutionId ?? "", parent.Group ?? "", parent.Index) : null,
        };

        if (ParkedCount > 0)
        {
            var parked = new List<ParkedMessage>(_parked!.Count);
            foreach (var p in _parked)
            {
                parked.Add(new ParkedMessage(p.Subject ?? "", p.Payload ?? [], p.MessageId ?? "", Utc(p.ParkedAt), p.Reason ?? ""));
            }

            copy._parked = parked;
        }

        if (HandledCount > 0)
        {
            var handled = new List<string>(_handled!.Count);
            foreach (var id in _handled)
            {
                handled.Add(id ?? "");
            }

            copy._handled = handled;
        }

        copy.StoredStatus = copy.Status;
        copy.EventsFrom = copy.TimelineEntriesRecorded;
        return copy;

        static TimelineEntry AsStored(TimelineEntry entry)
            => entry.At.Offset == TimeSpan.Zero && entry.Rule is not null && entry.Source is not null && entry.PhaseBefore is not null && entry.PhaseAfter is not null
                ? entry
                : entry with { At = Utc(entry.At), Rule = entry.Rule ?? "", Source = entry.Source ?? "", PhaseBefore = entry.PhaseBefore ?? "", PhaseAfter = entry.PhaseAfter ?? "" };
    }

    /// <summary>
    /// Whether this bookkeeping, just written, is exactly what reading its stored value back gives (no
    /// outbox, approval or fan-out group; times in UTC; no nil string where a read gives the empty one;
    /// what is not stored as a read sets it), so that it can be kept as it is instead of copied
    /// (<see cref="StoredCopy"/>). The runtime's clock gives UTC times, so this is the usual case.
    /// </summary>
    internal bool IsAsStored()
    {
        if (OutboxCount > 0 || FanOutCount > 0 || PendingApproval is not null || LastApproval is not null
            || Id is null || Flow is null || Phase is null
            || CreatedAt.Offset != TimeSpan.Zero || UpdatedAt.Offset != TimeSpan.Zero
            || DroppedTimelineEntries < 0 || (DroppedTimelineEntries == 0 ? FirstTimelineEntryAt is not null : FirstTimelineEntryAt is { Offset.Ticks: not 0 })
            || Deadline is { Offset.Ticks: not 0 } || PendingSince is { Offset.Ticks: not 0 }
            || FanOutParent is { Flow: null } or { ExecutionId: null } or { Group: null }
            || StoredStatus != Status || EventsFrom != TimelineEntriesRecorded || !_rules.IsAsStored())
        {
            return false;
        }

        foreach (var entry in _timeline)
        {
            if (entry.At.Offset != TimeSpan.Zero || entry.Rule is null || entry.Source is null || entry.PhaseBefore is null || entry.PhaseAfter is null)
            {
                return false;
            }
        }

        if (_parked is not null)
        {
            foreach (var p in _parked)
            {
                if (p.ParkedAt.Offset != TimeSpan.Zero || p.Subject is null || p.Payload is null || p.MessageId is null || p.Reason is null)
                {
                    return false;
                }
            }
        }

        return _handled is null || !_handled.Contains(null!);
    }

    /// <summary>
    /// Takes over what <paramref name="kept"/> (a <see cref="StoredCopy"/>, or bookkeeping that
    /// <see cref="IsAsStored"/> and that its writer no longer uses) holds, its lists included, as reading
    /// the stored value into this fresh bookkeeping would set it. <paramref name="kept"/> is not used again.
    /// </summary>
    internal void TakeFrom(ExecutionInfo kept)
    {
        _timeline = kept._timeline;
        _rules = kept._rules;
        _parked = kept._parked;
        _handled = kept._handled;
        _fanOuts = null;
        _outbox = null;
        Id = kept.Id;
        Flow = kept.Flow;
        Phase = kept.Phase;
        Status = kept.Status;
        StatusReason = kept.StatusReason;
        Iteration = kept.Iteration;
        CreatedAt = kept.CreatedAt;
        UpdatedAt = kept.UpdatedAt;
        DroppedTimelineEntries = kept.DroppedTimelineEntries;
        FirstTimelineEntryAt = kept.FirstTimelineEntryAt;
        Deadline = kept.Deadline;
        PendingTaskId = kept.PendingTaskId;
        PendingSince = kept.PendingSince;
        PendingApproval = null;
        LastApproval = null;
        ChainedFirings = kept.ChainedFirings;
        PublishedOnly = kept.PublishedOnly;
        FanOutParent = kept.FanOutParent;
        StoredStatus = kept.StoredStatus;
        EventsFrom = kept.EventsFrom;
    }

    /// <summary>A time as it reads back from its stored form (a UTC timestamp).</summary>
    private static DateTimeOffset Utc(DateTimeOffset time) => time.Offset == TimeSpan.Zero ? time : new DateTimeOffset(time.UtcDateTime);
}

/// <summary>A message kept with an execution because it fired no rule when it arrived.</summary>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="Payload">Its bytes.</param>
/// <param name="MessageId">Its id (the transport's, see <see cref="Transport.TransportMessage.MessageId"/>).</param>
/// <param name="ParkedAt">When it was parked.</param>
/// <param name="Reason">Why no rule fired when it arrived.</param>
internal sealed record ParkedMessage(string Subject, byte[] Payload, string MessageId, DateTimeOffset ParkedAt, string Reason);

/// <summary>How often a rule fired for one execution.</summary>
/// <param name="Firings">How many times it fired.</param>
/// <param name="LastFiredAt">When it last fired.</param>
public readonly record struct RuleCounter(int Firings, DateTimeOffset LastFiredAt);
