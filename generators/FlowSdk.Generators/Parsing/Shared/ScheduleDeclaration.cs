using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A <c>[Schedule&lt;TTick&gt;("name", Every = ..., Cron = ...)]</c> on a flow state class, read from its symbols.</summary>
internal sealed class ScheduleDeclaration
{
    /// <summary>The default of <c>MaxCatchUp</c>, as the runtime's.</summary>
    public const int DefaultMaxCatchUp = 10;

    private ScheduleDeclaration(AttributeData attribute, string? name, INamedTypeSymbol? tick, string? every, string? cron, string? timeZone, int missedTicks, int maxCatchUp)
    {
        Attribute = attribute;
        Name = name;
        Tick = tick;
        Every = every;
        Cron = cron;
        TimeZone = timeZone;
        MissedTicks = missedTicks;
        MaxCatchUp = maxCatchUp;
    }

    /// <summary>The attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The schedule's name.</summary>
    public string? Name { get; }

    /// <summary>The tick message type.</summary>
    public INamedTypeSymbol? Tick { get; }

    /// <summary>The interval text, or <see langword="null"/>.</summary>
    public string? Every { get; }

    /// <summary>The cron text, or <see langword="null"/>.</summary>
    public string? Cron { get; }

    /// <summary>The time zone id, or <see langword="null"/> for UTC.</summary>
    public string? TimeZone { get; }

    /// <summary>The <c>MissedTickPolicy</c> value.</summary>
    public int MissedTicks { get; }

    /// <summary>The <c>MaxCatchUp</c> bound.</summary>
    public int MaxCatchUp { get; }

    /// <summary>The interval in ticks when <see cref="Every"/> is a valid duration.</summary>
    public long? EveryTicks => DurationSyntax.ParseTicks(Every);

    /// <summary>The schedules declared on <paramref name="state"/>, in declaration order.</summary>
    public static ImmutableArray<ScheduleDeclaration> ReadAll(INamedTypeSymbol state, FlowSymbols symbols)
    {
        var builder = ImmutableArray.CreateBuilder<ScheduleDeclaration>();
        foreach (var attribute in FlowSymbols.FindAll(state, symbols.ScheduleAttribute))
        {
            var type = attribute.AttributeClass!;

            string? every = null, cron = null, zone = null;
            int missed = 0, maxCatchUp = DefaultMaxCatchUp;
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Every": every = named.Value.Value as string; break;
                    case "Cron": cron = named.Value.Value as string; break;
                    case "TimeZone": zone = named.Value.Value as string; break;
                    case "MissedTicks" when named.Value.Value is int m: missed = m; break;
                    case "MaxCatchUp" when named.Value.Value is int c: maxCatchUp = c; break;
                }
            }

            builder.Add(new ScheduleDeclaration(
                attribute,
                attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null,
                type.TypeArguments.Length == 1 ? type.TypeArguments[0] as INamedTypeSymbol : null,
                every,
                cron,
                zone,
                missed,
                maxCatchUp));
        }

        return builder.ToImmutable();
    }

    /// <summary>
    /// What is wrong with the schedule other than its cron text (<see cref="CronSyntax"/>), as a sentence
    /// and the named argument it is about (<see langword="null"/>: the attribute), or <see langword="null"/>.
    /// </summary>
    public (string Message, string? Argument)? FindProblem()
    {
        if (Name is null || FlowIdSyntax.Validate(Name) is not null)
        {
            return ($"'{Name}' is not a valid schedule name: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'nightly')", null);
        }

        if ((Every is null) == (Cron is null))
        {
            return (Every is null ? "it needs either Every (a fixed interval) or Cron" : "it gives both Every and Cron; give one", null);
        }

        if (Every is not null && EveryTicks is null)
        {
            return ($"Every = \"{Every}\" is not an interval longer than zero written as [d.]hh:mm:ss (for example \"00:05:00\")", "Every");
        }

        if (Every is not null && TimeZone is not null)
        {
            return ($"TimeZone = \"{TimeZone}\" applies to Cron only: Every = \"{Every}\" ticks on whole multiples of it since the Unix epoch, in UTC whatever the zone; remove TimeZone, or use Cron with it (for example Cron = \"0 0 * * *\" for midnight there)", "TimeZone");
        }

        if (MissedTicks is < 0 or > 2)
        {
            return ($"MissedTicks = {MissedTicks.ToString(CultureInfo.InvariantCulture)} is not a MissedTickPolicy", "MissedTicks");
        }

        if (MaxCatchUp < 1)
        {
            return ($"MaxCatchUp = {MaxCatchUp.ToString(CultureInfo.InvariantCulture)}; it must be 1 or more", "MaxCatchUp");
        }

        return null;
    }

    /// <summary>Whether the generator emits the schedule: the analyzers report every reason it does not.</summary>
    public bool IsUsable => FindProblem() is null && (Cron is null || CronSyntax.Validate(Cron) is null) && Tick is not null;
}

/// <summary>
/// Cron text as FlowSdk's runtime reads it with Cronos (<c>ScheduleDefinition.ParseCron</c>): five
/// fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro. The
/// analyzers cannot load Cronos into the compiler, so this checks the same grammar; a test holds it
/// to Cronos over a corpus of valid and invalid expressions.
/// </summary>
internal static class CronSyntax
{
    private static readonly string[] Macros =
    {
        "@every_second", "@every_minute", "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
    };

    private static readonly char[] Separators = { ' ', '\t' };

    private static readonly string[] Months = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };

    private static readonly string[] Days = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

    private enum Field
    {
        Second,
        Minute,
        Hour,
        DayOfMonth,
        Month,
        DayOfWeek,
    }

    private static readonly Field[] FiveFields = { Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek };

    private static readonly Field[] SixFields = { Field.Second, Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek };

    /// <summary>Why <paramref name="text"/> is not a valid cron expression, or <see langword="null"/> when it is.</summary>
    public static string? Validate(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return "it is empty";
        }

        if (trimmed[0] == '@')
        {
            foreach (var macro in Macros)
            {
                if (string.Equals(trimmed, macro, StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }
            }

            return $"'{trimmed}' is not a macro (use @every_second, @every_minute, @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)";
        }

        var parts = trimmed.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        Field[] fields;
        if (parts.Length == 5)
        {
            fields = FiveFields;
        }
        else if (parts.Length == 6)
        {
            fields = SixFields;
        }
        else
        {
            return $"it has {parts.Length.ToString(CultureInfo.InvariantCulture)} field(s); a cron expression has five (minute hour day-of-month month day-of-week) or six (seconds first)";
        }

        for (var i = 0; i < parts.Length; i++)
        {
            if (ValidateField(parts[i], fields[i]) is { } problem)
            {
                return $"the {Describe(fields[i])} field '{parts[i]}' {problem}";
            }
        }

        return null;
    }

    private static string Describe(Field field) => field switch
    {
        Field.Second => "seconds",
        Field.Minute => "minutes",
        Field.Hour => "hours",
        Field.DayOfMonth => "day-of-month",
        Field.Month => "month",
        _ => "day-of-week",
    };

    private static (int Min, int Max) Range(Field field) => field switch
    {
        Field.Second or Field.Minute => (0, 59),
        Field.Hour => (0, 23),
        Field.DayOfMonth => (1, 31),
        Field.Month => (1, 12),
        _ => (0, 7),
    };

    private static string? ValidateField(string text, Field field)
    {
        if (text == "?")
        {
            // Cronos reads '?' as '*' in every field.
            return null;
        }

        if (field == Field.DayOfMonth && (text == "L" || text == "LW"))
        {
            return null;
        }

        if (field == Field.DayOfMonth && text.StartsWith("L-", StringComparison.Ordinal))
        {
            return int.TryParse(text.Substring(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset <= 30 ? null : "has an offset from the last day that is not 0 to 30";
        }

        if (field == Field.DayOfMonth && text.Length > 1 && text.EndsWith("W", StringComparison.Ordinal))
        {
            return Value(text.Substring(0, text.Length - 1), field) is null ? "has a nearest-weekday day that is not 1 to 31" : null;
        }

        if (field == Field.DayOfWeek && text.Length > 1 && text.EndsWith("L", StringComparison.Ordinal))
        {
            return Value(text.Substring(0, text.Length - 1), field) is null ? "has a last-weekday day that is not a day of the week" : null;
        }

        if (field == Field.DayOfWeek && text.IndexOf('#') is var hash and > 0)
        {
            return Value(text.Substring(0, hash), field) is not null
                && int.TryParse(text.Substring(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var nth) && nth is >= 1 and <= 5
                ? null
                : "has an nth-weekday that is not <day>#1 to <day>#5";
        }

        foreach (var item in text.Split(','))
        {
            if (ValidateItem(item, field) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? ValidateItem(string item, Field field)
    {
        if (item.Length == 0)
        {
            return "has an empty list item";
        }

        var slash = item.IndexOf('/');
        var range = slash < 0 ? item : item.Substring(0, slash);
        if (slash >= 0)
        {
            var (min, max) = Range(field);
            if (!int.TryParse(item.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1 || step > max - min + 1)
            {
                return $"has a step that is not 1 to {(max - min + 1).ToString(CultureInfo.InvariantCulture)}";
            }
        }

        if (range == "*")
        {
            return null;
        }

        var dash = range.IndexOf('-');
        if (dash < 0)
        {
            return Value(range, field) is null ? $"has '{range}', which is not a value from {ValuesOf(field)}" : null;
        }

        var from = Value(range.Substring(0, dash), field);
        var to = Value(range.Substring(dash + 1), field);
        if (from is null || to is null)
        {
            return $"has the range '{range}', whose ends are not values from {ValuesOf(field)}";
        }

        return null;
    }

    private static string ValuesOf(Field field)
    {
        var (min, max) = Range(field);
        var numbers = min.ToString(CultureInfo.InvariantCulture) + " to " + max.ToString(CultureInfo.InvariantCulture);
        return field switch
        {
            Field.Month => numbers + " or JAN to DEC",
            Field.DayOfWeek => numbers + " or SUN to SAT",
            _ => numbers,
        };
    }

    private static int? Value(string text, Field field)
    {
        var names = field == Field.Month ? Months : field == Field.DayOfWeek ? Days : null;
        if (names is not null)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (string.Equals(text, names[i], StringComparison.OrdinalIgnoreCase))
                {
                    return field == Field.Month ? i + 1 : i;
                }
            }
        }

        var (min, max) = Range(field);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null;
    }
}
