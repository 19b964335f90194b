namespace FlowSdk;

/// <summary>
/// Subject syntax and matching, exactly as NATS defines them: tokens separated by dots, <c>*</c>
/// matches one token, <c>&gt;</c> (last token only) matches one or more.
/// </summary>
public static class Subjects
{
    /// <summary>Whether <paramref name="subject"/> is a valid subject (or, with <paramref name="allowWildcards"/>, a valid pattern).</summary>
    /// <param name="subject">The subject or pattern.</param>
    /// <param name="allowWildcards">Whether <c>*</c> and <c>&gt;</c> tokens are allowed.</param>
    /// <returns><see langword="null"/> when valid; otherwise what is wrong, in words.</returns>
    public static string? Validate(string? subject, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return "a subject cannot be empty";
        }

        var tokens = subject.Split('.');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length == 0)
            {
                return $"token {i + 1} is empty (a subject cannot start or end with '.', or contain '..')";
            }

            foreach (var c in token)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return $"token {i + 1} ('{token}') contains white space or a control character";
                }
            }

            if (token is "*" or ">")
            {
                if (!allowWildcards)
                {
                    return $"token {i + 1} is the wildcard '{token}', which only a subscription may use";
                }

                if (token == ">" && i != tokens.Length - 1)
                {
                    return "'>' may only be the last token";
                }
            }
            else if (token.Contains('*') || token.Contains('>'))
            {
                return $"token {i + 1} ('{token}') mixes a wildcard with other characters";
            }
        }

        return null;
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> when <paramref name="subject"/> is not valid.</summary>
    /// <param name="subject">The subject or pattern.</param>
    /// <param name="allowWildcards">Whether <c>*</c> and <c>&gt;</c> tokens are allowed.</param>
    /// <param name="paramName">The parameter name to report.</param>
    public static void EnsureValid(string? subject, bool allowWildcards, string paramName)
    {
        var problem = Validate(subject, allowWildcards);
        if (problem is not null)
        {
            throw new ArgumentException($"'{subject}' is not a valid subject: {problem}.", paramName);
        }
    }

    /// <summary>Whether a subscription with <paramref name="pattern"/> receives a message published on <paramref name="subject"/>.</summary>
    /// <param name="pattern">The subscription's subject, possibly with wildcards.</param>
    /// <param name="subject">The subject a message was published on (no wildcards).</param>
    /// <returns><see langword="true"/> when the pattern matches.</returns>
    public static bool Matches(string pattern, string subject)
    {
        var p = pattern.AsSpan();
        var s = subject.AsSpan();
        while (true)
        {
            var pEnd = p.IndexOf('.');
            var pToken = pEnd < 0 ? p : p[..pEnd];
            if (s.IsEmpty)
            {
                return false;
            }

            if (pToken.SequenceEqual(">"))
            {
                return true;
            }

            var sEnd = s.IndexOf('.');
            var sToken = sEnd < 0 ? s : s[..sEnd];
            if (!pToken.SequenceEqual("*") && !pToken.SequenceEqual(sToken))
            {
                return false;
            }

            if (pEnd < 0 || sEnd < 0)
            {
                return pEnd < 0 && sEnd < 0;
            }

            p = p[(pEnd + 1)..];
            s = s[(sEnd + 1)..];
        }
    }
}
