// Compiled into the runtime and the generator (which cannot reference it): how a schedule is
// described in graphs, in the flow manifest and in logs, so every graph says the same thing.
using System;
using System.Globalization;

namespace FlowSdk.Common;

/// <summary>The words a schedule is described with.</summary>
internal static class ScheduleText
{
    /// <summary><c>every 00:05:00</c> for a fixed interval, <c>cron 0 2 * * * (Europe/Paris)</c> for a cron expression.</summary>
    /// <param name="every">The interval, or <see langword="null"/> for a cron schedule.</param>
    /// <param name="cron">The cron expression.</param>
    /// <param name="timeZone">The cron expression's time zone, or <see langword="null"/> for UTC.</param>
    public static string Describe(TimeSpan? every, string? cron, string? timeZone) => every is { } interval
        ? "every " + interval.ToString("c", CultureInfo.InvariantCulture)
        : "cron " + cron + (timeZone is null ? "" : " (" + timeZone + ")");

    /// <summary>The name of a missed-tick policy by its value (<c>MissedTickPolicy</c>: 0 Skip, 1 CatchUpOnce, 2 CatchUpAll).</summary>
    /// <param name="policy">The policy's value.</param>
    public static string MissedTicks(int policy) => policy switch
    {
        0 => "Skip",
        1 => "CatchUpOnce",
        2 => "CatchUpAll",
        _ => policy.ToString(CultureInfo.InvariantCulture),
    };
}
