// Compiled into every assembly that reasons about subjects (the runtime, the analyzers and the MSBuild
// task), which cannot reference one another: the one implementation of subject
// syntax and matching. Keep it to netstandard2.0 APIs and free of allocations on the matching path.
using System.Globalization;

namespace FlowSdk.Common;

/// <summary>
/// Subject syntax and matching, as NATS defines them: tokens separated by dots; <c>*</c> matches one
/// token and <c>&gt;</c> (last token only) one or more; wildcards are for subscriptions only.
/// </summary>
internal static class SubjectRules
{
    private static readonly char[] Wildcards = ['*', '>'];

    /// <summary>What is wrong with <paramref name="subject"/>, in words; <see langword="null"/> when it is valid.</summary>
    /// <param name="subject">The subject or pattern.</param>
    /// <param name="allowWildcards">Whether <c>*</c> and <c>&gt;</c> tokens are allowed (subscriptions only).</param>
    public static string? Validate(string? subject, bool allowWildcards)
    {
        if (subject is null || subject.Length == 0)
        {
            return "a subject cannot be empty";
        }

        var number = 0;
        for (var start = 0; start <= subject.Length; number++)
        {
            var end = TokenEnd(subject, start);
            var token = subject.Substring(start, end - start);
            var position = (number + 1).ToString(CultureInfo.InvariantCulture);
            if (token.Length == 0)
            {
                return $"token {position} is empty (a subject cannot start or end with '.', or contain '..')";
            }

            foreach (var c in token)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return $"token {position} ('{token}') contains white space or a control character";
                }
            }

            if (token is "*" or ">")
            {
                if (!allowWildcards)
                {
                    return $"token {position} is the wildcard '{token}', which only a subscription may use";
                }

                if (token == ">" && end != subject.Length)
                {
                    return "'>' may only be the last token";
                }
            }
            else if (token.IndexOfAny(Wildcards) >= 0)
            {
                return $"token {position} ('{token}') mixes a wildcard with other characters";
            }

            start = end + 1;
        }

        return null;
    }

    /// <summary>Whether a subscription on <paramref name="pattern"/> receives a message published on <paramref name="subject"/>.</summary>
    /// <param name="pattern">The subscription's subject, possibly with wildcards.</param>
    /// <param name="subject">The subject a message was published on (no wildcards).</param>
    public static bool Matches(string pattern, string subject)
    {
        int p = 0, s = 0;
        while (true)
        {
            if (s >= subject.Length)
            {
                return false; // nothing left of the subject for the pattern's next token
            }

            var pEnd = TokenEnd(pattern, p);
            if (IsToken(pattern, p, pEnd, '>'))
            {
                return true;
            }

            var sEnd = TokenEnd(subject, s);
            if (!IsToken(pattern, p, pEnd, '*') && !SameToken(pattern, p, pEnd, subject, s, sEnd))
            {
                return false;
            }

            if (pEnd == pattern.Length || sEnd == subject.Length)
            {
                return pEnd == pattern.Length && sEnd == subject.Length;
            }

            p = pEnd + 1;
            s = sEnd + 1;
        }
    }

    /// <summary>Whether every subject <paramref name="specific"/> matches is also matched by <paramref name="general"/> (set inclusion; both may have wildcards).</summary>
    public static bool Covers(string general, string specific)
    {
        int g = 0, s = 0;
        while (true)
        {
            var gEnd = TokenEnd(general, g);
            if (IsToken(general, g, gEnd, '>'))
            {
                return s <= specific.Length;
            }

            if (s > specific.Length)
            {
                return false;
            }

            var sEnd = TokenEnd(specific, s);
            if (IsToken(specific, s, sEnd, '>'))
            {
                return false;
            }

            if (!IsToken(general, g, gEnd, '*') && !SameToken(general, g, gEnd, specific, s, sEnd))
            {
                return false;
            }

            if (gEnd == general.Length || sEnd == specific.Length)
            {
                return gEnd == general.Length && sEnd == specific.Length;
            }

            g = gEnd + 1;
            s = sEnd + 1;
        }
    }

    /// <summary>Whether some subject matches both patterns.</summary>
    public static bool Collide(string a, string b)
    {
        int x = 0, y = 0;
        while (true)
        {
            if (x > a.Length || y > b.Length)
            {
                return x > a.Length && y > b.Length;
            }

            var xEnd = TokenEnd(a, x);
            var yEnd = TokenEnd(b, y);
            if (IsToken(a, x, xEnd, '>') || IsToken(b, y, yEnd, '>'))
            {
                return true;
            }

            if (!IsToken(a, x, xEnd, '*') && !IsToken(b, y, yEnd, '*') && !SameToken(a, x, xEnd, b, y, yEnd))
            {
                return false;
            }

            x = xEnd + 1;
            y = yEnd + 1;
        }
    }

    /// <summary>The index of the dot that ends the token starting at <paramref name="start"/>, or the text's length.</summary>
    private static int TokenEnd(string text, int start)
    {
        var dot = start < text.Length ? text.IndexOf('.', start) : -1;
        return dot < 0 ? text.Length : dot;
    }

    private static bool IsToken(string text, int start, int end, char wildcard) => end - start == 1 && text[start] == wildcard;

    private static bool SameToken(string a, int aStart, int aEnd, string b, int bStart, int bEnd) =>
        aEnd - aStart == bEnd - bStart && string.CompareOrdinal(a, aStart, b, bStart, aEnd - aStart) == 0;
}
