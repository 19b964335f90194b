namespace FlowSdk.State;

/// <summary>
/// A store whose reads cost no more than a kept-state cache hit: it holds every value in the
/// process, so a read is a dictionary lookup. The runtime keeps no kept-state cache in front of
/// such a store (<see cref="FlowRuntimeOptions.StateCacheCapacity"/> does not apply): a hit would
/// save only that lookup, and under traffic spread over more executions than the capacity the
/// cache's admission and eviction work on every event costs more than the few hits save.
/// </summary>
internal interface IReadsAsCheapAsACache
{
}
