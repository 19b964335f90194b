using FlowSdk.Common;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// Reasoning about subject patterns as sets of subjects: which pattern covers which, the narrowest
/// pattern covering several, and a stream subject list without overlaps (nats-server rejects a
/// stream whose subjects overlap, for example <c>a.*</c> with <c>a.b</c>).
/// </summary>
internal static class SubjectPatterns
{
    /// <summary>Whether any of <paramref name="patterns"/> covers <paramref name="pattern"/>.</summary>
    public static bool AnyCovers(IEnumerable<string> patterns, string pattern) => patterns.Any(p => SubjectRules.Covers(p, pattern));

    /// <summary>The narrowest single pattern that covers all of <paramref name="patterns"/> (token by token).</summary>
    public static string Cover(IReadOnlyCollection<string> patterns)
    {
        string? result = null;
        foreach (var pattern in patterns)
        {
            result = result is null ? pattern : Merge(result, pattern);
        }

        return result ?? ">";
    }

    /// <summary>
    /// Whether a stream may capture <paramref name="pattern"/>: a pattern whose first token is a
    /// wildcard would also capture NATS's own subjects (<c>$JS.API.&gt;</c>, <c>$KV.&gt;</c>,
    /// <c>_INBOX.&gt;</c>) and break request/reply and JetStream itself.
    /// </summary>
    public static string? WhyNotCapturable(string pattern)
    {
        var first = pattern.Split('.')[0];
        if (first is "*" or ">")
        {
            return $"its first token is the wildcard '{first}', so a stream capturing it would also capture NATS's own subjects ($JS.API.>, $KV.>, _INBOX.>)";
        }

        if (first.StartsWith('$') || first == "_INBOX")
        {
            return $"'{first}' subjects belong to NATS itself";
        }

        return null;
    }

    /// <summary>Removes duplicates and every pattern another one covers, keeping the order of first appearance.</summary>
    public static List<string> Normalize(IEnumerable<string> patterns)
    {
        var distinct = patterns.Distinct(StringComparer.Ordinal).ToList();
        var result = new List<string>(distinct.Count);
        for (var i = 0; i < distinct.Count; i++)
        {
            var covered = false;
            for (var j = 0; j < distinct.Count && !covered; j++)
            {
                if (i != j && SubjectRules.Covers(distinct[j], distinct[i]) && !(SubjectRules.Covers(distinct[i], distinct[j]) && j > i))
                {
                    covered = true;
                }
            }

            if (!covered)
            {
                result.Add(distinct[i]);
            }
        }

        return result;
    }

    private static string Merge(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        var tokens = new List<string>();
        var shortest = Math.Min(x.Length, y.Length);
        for (var i = 0; i < shortest; i++)
        {
            if (x[i] == ">" || y[i] == ">")
            {
                tokens.Add(">");
                return string.Join('.', tokens);
            }

            var lastOfShorter = i == shortest - 1 && x.Length != y.Length;
            if (lastOfShorter)
            {
                // One pattern ends here and the other goes on: only '>' covers both lengths.
                tokens.Add(">");
                return string.Join('.', tokens);
            }

            tokens.Add(x[i] == y[i] ? x[i] : "*");
        }

        return string.Join('.', tokens);
    }
}
