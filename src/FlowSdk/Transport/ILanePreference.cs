namespace FlowSdk.Transport;

/// <summary>
/// Implemented by a transport or state store that knows how many events a flow should handle at
/// once on it. A store whose reads and writes are round trips to a server (a NATS key/value bucket,
/// say) keeps a lane waiting on the network for most of each event, so it wants many more lanes than
/// there are processors; an in-process one does not.
/// </summary>
/// <remarks>
/// The runtime uses the largest preference of its transport and store when
/// <see cref="FlowRuntimeOptions.Lanes"/> was not set; a value set there always wins. Lanes never
/// change the order of one execution's events: they are partitioned by execution id.
/// </remarks>
public interface ILanePreference
{
    /// <summary>How many lanes per flow suit this transport or store (at least 1).</summary>
    int PreferredLanes { get; }
}
