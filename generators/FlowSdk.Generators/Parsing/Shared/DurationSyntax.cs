using System;
using System.Collections.Generic;
using System.Globalization;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>How a duration written as an attribute string reads.</summary>
internal enum DurationKind
{
    /// <summary>Not a <see cref="TimeSpan"/>, or not greater than zero.</summary>
    Invalid,

    /// <summary>A positive <see cref="TimeSpan"/> written without seconds (<c>"10"</c> is ten days, <c>"00:05"</c> five minutes): easy to misread.</summary>
    Ambiguous,

    /// <summary>A positive <see cref="TimeSpan"/> written as <c>[d.]hh:mm:ss[.fffffff]</c>.</summary>
    Valid,
}

/// <summary>
/// Durations written as attribute strings (<c>Timeout = "00:10:00"</c>, <c>Cooldown = "00:05:00"</c>):
/// a <see cref="TimeSpan"/> in the invariant culture, greater than zero, with hours, minutes and seconds.
/// </summary>
internal static class DurationSyntax
{
    /// <summary>
    /// The duration in ticks, or <see langword="null"/> when <paramref name="text"/> is not a positive
    /// <see cref="TimeSpan"/> written with hours, minutes and seconds (see <see cref="Read"/>).
    /// </summary>
    public static long? ParseTicks(string? text) => Read(text) is (DurationKind.Valid, var span) ? span.Ticks : null;

    /// <summary>How <paramref name="text"/> reads, and the <see cref="TimeSpan"/> it parses as (zero when invalid).</summary>
    public static (DurationKind Kind, TimeSpan Span) Read(string? text)
    {
        if (text is null || !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) || span <= TimeSpan.Zero)
        {
            return (DurationKind.Invalid, TimeSpan.Zero);
        }

        var colons = 0;
        foreach (var c in text)
        {
            if (c == ':')
            {
                colons++;
            }
        }

        return (colons >= 2 ? DurationKind.Valid : DurationKind.Ambiguous, span);
    }

    /// <summary>The duration in words: "10 days", "1 hour 30 minutes".</summary>
    public static string Describe(TimeSpan span)
    {
        var parts = new List<string>();
        Add(parts, span.Days, "day");
        Add(parts, span.Hours, "hour");
        Add(parts, span.Minutes, "minute");
        Add(parts, span.Seconds, "second");
        Add(parts, span.Milliseconds, "millisecond");
        return parts.Count == 0 ? span.ToString("c", CultureInfo.InvariantCulture) : string.Join(" ", parts);
    }

    /// <summary>The full form of <paramref name="span"/>: <c>[d.]hh:mm:ss[.fffffff]</c>.</summary>
    public static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>
    /// Another reading of an ambiguous duration, in full form: a bare number as seconds, <c>a:b</c> as
    /// minutes and seconds.
    /// </summary>
    public static string OtherReading(string text) => OtherReadingSpan(text) is { } other ? Format(other) : "00:10:00";

    /// <summary>
    /// Another reading of an ambiguous duration: a bare number as seconds, <c>a:b</c> as minutes and
    /// seconds; <see langword="null"/> when <paramref name="text"/> is neither.
    /// </summary>
    public static TimeSpan? OtherReadingSpan(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            && s < 60)
        {
            return new TimeSpan(0, minutes, s);
        }

        return null;
    }

    private static void Add(List<string> parts, int value, string unit)
    {
        if (value != 0)
        {
            parts.Add(value.ToString(CultureInfo.InvariantCulture) + " " + unit + (value == 1 ? "" : "s"));
        }
    }
}
