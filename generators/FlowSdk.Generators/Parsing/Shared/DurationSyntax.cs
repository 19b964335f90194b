using System;
using System.Globalization;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// Durations written as attribute strings (<c>Timeout = "00:10:00"</c>, <c>Cooldown = "00:05:00"</c>):
/// a <see cref="TimeSpan"/> in the invariant culture, greater than zero.
/// </summary>
internal static class DurationSyntax
{
    /// <summary>The duration in ticks, or <see langword="null"/> when <paramref name="text"/> is not a positive <see cref="TimeSpan"/>.</summary>
    public static long? ParseTicks(string? text) =>
        text is not null && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span.Ticks : null;
}
