using MessagePack;

namespace FlowSdk.Benchmarks.Firing;

/// <summary>
/// The hand-written persisting step's state: the order and the same bookkeeping FlowSdk keeps for an
/// execution (id, flow, phase, status, iteration, times, timeline, rule counters, outbox, ...), with the
/// same names and value shapes (phase, status, trigger and action as their names), serialized by
/// MessagePack's own attribute resolver with string keys, as a hand-written service would store it.
/// </summary>
[MessagePackObject(keyAsPropertyName: true)]
public sealed class HandOrder
{
    /// <summary>What the order costs.</summary>
    public decimal Total { get; set; }

    /// <summary>What was paid.</summary>
    public decimal Paid { get; set; }

    /// <summary>The order id.</summary>
    public string Id { get; set; } = "";

    /// <summary>The flow.</summary>
    public string Flow { get; set; } = "";

    /// <summary>The phase's name.</summary>
    public string Phase { get; set; } = "";

    /// <summary>The status's name.</summary>
    public string Status { get; set; } = "";

    /// <summary>Why the status, if it says more.</summary>
    public string? StatusReason { get; set; }

    /// <summary>The iteration.</summary>
    public int Iteration { get; set; }

    /// <summary>When the order was created.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>When the order last changed.</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>The transitions.</summary>
    public List<HandEntry> Timeline { get; set; } = [];

    /// <summary>The deadline, if any.</summary>
    public DateTime? Deadline { get; set; }

    /// <summary>The reply the order waits for, if any.</summary>
    public string? PendingTaskId { get; set; }

    /// <summary>Since when it waits.</summary>
    public DateTime? PendingSince { get; set; }

    /// <summary>State-triggered firings in a row.</summary>
    public int ChainedFirings { get; set; }

    /// <summary>How often each rule fired, and when last.</summary>
    public Dictionary<string, HandCounter> Rules { get; set; } = [];

    /// <summary>Whether the last write only published the outbox.</summary>
    public bool PublishedOnly { get; set; }

    /// <summary>Messages not yet published.</summary>
    public List<byte[]> Outbox { get; set; } = [];
}

/// <summary>One transition of <see cref="HandOrder"/>.</summary>
[MessagePackObject(keyAsPropertyName: true)]
public sealed class HandEntry
{
    /// <summary>When.</summary>
    public DateTime At { get; set; }

    /// <summary>The rule.</summary>
    public string Rule { get; set; } = "";

    /// <summary>The trigger's name.</summary>
    public string Trigger { get; set; } = "";

    /// <summary>The subject.</summary>
    public string Source { get; set; } = "";

    /// <summary>The action's name.</summary>
    public string Action { get; set; } = "";

    /// <summary>The phase before.</summary>
    public string PhaseBefore { get; set; } = "";

    /// <summary>The phase after.</summary>
    public string PhaseAfter { get; set; } = "";

    /// <summary>The iteration after.</summary>
    public int Iteration { get; set; }
}

/// <summary>A rule's firing counter: how often, and when last.</summary>
[MessagePackObject]
public readonly record struct HandCounter([property: Key(0)] int Firings, [property: Key(1)] DateTime LastFiredAt);
