using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;

namespace FlowSdk;

/// <summary>How a <see cref="FlowRuntime"/> runs. The defaults are the embedded, in-process setup.</summary>
public sealed class FlowRuntimeOptions
{
    private int? _lanes;

    /// <summary>
    /// The message transport; an <see cref="InMemoryTransport"/> owned by the runtime when not set.
    /// A transport set here is disposed by the runtime only with <see cref="DisposeSuppliedTransportAndStore"/>.
    /// </summary>
    public IMessageTransport? Transport { get; set; }

    /// <summary>
    /// The state store; an <see cref="InMemoryStateStore"/> owned by the runtime when not set.
    /// A store set here is disposed by the runtime only with <see cref="DisposeSuppliedTransportAndStore"/>.
    /// </summary>
    public IStateStore? StateStore { get; set; }

    /// <summary>
    /// Whether disposing the runtime also disposes the <see cref="Transport"/> and the
    /// <see cref="StateStore"/> set on these options. Default <see langword="false"/>: the runtime
    /// disposes only the in-memory transport and store it created itself when none was set, and
    /// whoever created a transport or store disposes it after the runtime (several runtimes may share
    /// one, and one may outlive a runtime). Set it to hand a transport and store over to the runtime,
    /// so that disposing the runtime releases them too.
    /// </summary>
    /// <remarks>
    /// <c>UseNatsAsync</c> (FlowSdk.Nats) returns the infrastructure that owns the NATS transport,
    /// store and connection; dispose it after the runtime whatever this is set to (disposing the
    /// transport or store twice is harmless, but only the infrastructure closes the connection).
    /// </remarks>
    public bool DisposeSuppliedTransportAndStore { get; set; }

    /// <summary>The clock for timestamps, cooldowns and deadlines; <see cref="TimeProvider.System"/> when not set.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the runtime logs; nothing is logged when not set.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// How many times one event is evaluated when its compare-and-set state write keeps meeting a
    /// newer revision, before the runtime gives up on it with an error. Default 10.
    /// </summary>
    public int MaxWriteAttempts { get; set; } = 10;

    /// <summary>
    /// How many lanes process events in parallel per flow. Events of one execution always share a
    /// lane, so they are processed one at a time and in order. When not set, the runtime asks its
    /// transport and state store (<see cref="ILanePreference"/>: the NATS ones prefer
    /// <c>NatsFlowOptions.Lanes</c>, 64 by default, since each event waits on server round trips)
    /// and otherwise uses twice the processor count, which is what this property reads as until set.
    /// </summary>
    public int Lanes
    {
        get => _lanes ?? Environment.ProcessorCount * 2;
        set => _lanes = value;
    }

    /// <summary>Whether <see cref="Lanes"/> was set, so that it wins over the transport's preference.</summary>
    internal bool LanesSet => _lanes is not null;

    /// <summary>
    /// How many state-triggered firings may follow one another for one execution without a message in
    /// between. A state rule whose own write keeps its condition true would otherwise fire forever;
    /// past the bound the execution is escalated, naming the rule. Default 100.
    /// </summary>
    public int MaxChainedFirings { get; set; } = 100;

    /// <summary>
    /// How long an execution that ended (Completed, Failed, Escalated, TimedOut) is kept before it is
    /// removed from the state store; until then it stays inspectable. <see langword="null"/> (the
    /// default) keeps executions until they are removed by other means.
    /// </summary>
    public TimeSpan? Retention { get; set; }

    internal void Validate()
    {
        if (MaxChainedFirings < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxChainedFirings), MaxChainedFirings, "MaxChainedFirings must be at least 1.");
        }

        if (Retention is { } r && r < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Retention), Retention, "Retention cannot be negative.");
        }

        if (MaxWriteAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWriteAttempts), MaxWriteAttempts, "MaxWriteAttempts must be at least 1.");
        }

        if (Lanes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, "Lanes must be at least 1.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
