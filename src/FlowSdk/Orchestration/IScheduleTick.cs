namespace FlowSdk.Orchestration;

/// <summary>
/// A message a schedule publishes at each tick. The runtime creates it with <see cref="Create"/>, so
/// no reflection is involved.
/// </summary>
/// <typeparam name="TSelf">The tick message type itself.</typeparam>
/// <example>
/// <code>
/// [Message("cleanup.due")]
/// public sealed record CleanupDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick&lt;CleanupDue&gt;
/// {
///     public static CleanupDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
/// }
/// </code>
/// </example>
public interface IScheduleTick<TSelf>
    where TSelf : IScheduleTick<TSelf>
{
    /// <summary>Creates the message of one tick.</summary>
    /// <param name="schedule">The schedule's name.</param>
    /// <param name="at">The tick's time (when it fell due, not when it was published), in UTC.</param>
    /// <returns>The message to publish.</returns>
    static abstract TSelf Create(string schedule, DateTimeOffset at);
}

/// <summary>What a schedule does with ticks that fell due while no host ran (or while its host was stalled).</summary>
public enum MissedTickPolicy
{
    /// <summary>Missed ticks are not published; the schedule goes on with the next tick.</summary>
    Skip = 0,

    /// <summary>One tick is published for all the missed ones: the latest.</summary>
    CatchUpOnce = 1,

    /// <summary>Every missed tick is published, oldest first, up to the schedule's <c>MaxCatchUp</c> latest.</summary>
    CatchUpAll = 2,
}
