using FlowSdk;

namespace FlowSdk.Benchmarks.OnNats;

/// <summary>The one phase of the NATS throughput flow.</summary>
public enum TallyPhase
{
    /// <summary>Counting.</summary>
    Counting,

    /// <summary>Closed (no benchmark closes an execution; the phase gives the flow a way out).</summary>
    [TerminalPhase]
    Closed,
}

/// <summary>An event for one execution: the runtime loads the execution, fires, and writes it back with compare-and-set.</summary>
[Message("bench.nats.tick", External = true)]
public sealed record Tick([property: CorrelationKey] string Id, int Value, string Text);

/// <summary>An event no execution owns (no correlation key): the runtime fires a message-only rule, no state is read or written.</summary>
[Message("bench.nats.note", External = true)]
public sealed record Note(string Id, int Value, string Text);

/// <summary>An event for one execution whose rule also publishes an output message (<see cref="Added"/>).</summary>
[Message("bench.nats.add", External = true)]
public sealed record Add([property: CorrelationKey] string Id, int Value, string Text);

/// <summary>The output of the rule on <see cref="Add"/>: published on a subject no stream captures (a core NATS message); <c>Value</c> is the event's, which tells the benchmark which event it answers.</summary>
[Message("bench.nats.added")]
public sealed record Added(string Id, long Total, int Value);

/// <summary>Closes an execution.</summary>
[Message("bench.nats.close", External = true)]
public sealed record Close([property: CorrelationKey] string Id);

/// <summary>The state of the NATS throughput flow: a running total per execution.</summary>
[Flow<TallyPhase>("bench-nats")]
public partial class Tally
{
    /// <summary>The sum of the values seen.</summary>
    public long Total { get; set; }

    /// <summary>The text of the last event.</summary>
    public string Last { get; set; } = "";
}

/// <summary>The rules of the NATS throughput flow: one per event type, each a few instructions of work.</summary>
[Rules<Tally>]
public static partial class TallyRules
{
    /// <summary>Adds the tick to its execution's total.</summary>
    [Rule]
    public static void Count(Tally tally, Tick tick)
    {
        tally.Total += tick.Value;
        tally.Last = tick.Text;
    }

    /// <summary>Adds the event to its execution's total and publishes the new total.</summary>
    [Rule]
    public static Added Sum(Tally tally, Add add)
    {
        tally.Total += add.Value;
        tally.Last = add.Text;
        return new Added(add.Id, tally.Total, add.Value);
    }

    /// <summary>Reads the note; nothing is stored.</summary>
    [Rule]
    public static void Read(Note note) => Interlocked.Add(ref NotesTotal, note.Value);

    /// <summary>Ends the execution.</summary>
    [Rule(From = TallyPhase.Counting, To = TallyPhase.Closed)]
    public static void Stop(Tally tally, Close close)
    {
    }

    /// <summary>The sum of the notes' values (keeps the message-only rule from being empty).</summary>
    public static long NotesTotal;
}
