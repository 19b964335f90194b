using System.Globalization;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// Subject syntax as NATS defines it, the same rules as the runtime's <c>FlowSdk.Subjects.Validate</c>
/// (a test checks that the two agree): dot-separated non-empty tokens without white space; <c>*</c>
/// and <c>&gt;</c> are wildcards only a subscription may use.
/// </summary>
internal static class SubjectSyntax
{
    /// <summary>What is wrong with <paramref name="subject"/>, in words; <see langword="null"/> when it is valid.</summary>
    /// <param name="subject">The subject or pattern.</param>
    /// <param name="allowWildcards">Whether <c>*</c> and <c>&gt;</c> tokens are allowed (subscriptions only).</param>
    public static string? Validate(string? subject, bool allowWildcards)
    {
        if (subject is null || subject.Length == 0)
        {
            return "a subject cannot be empty";
        }

        var tokens = subject.Split('.');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var number = (i + 1).ToString(CultureInfo.InvariantCulture);
            if (token.Length == 0)
            {
                return $"token {number} is empty (a subject cannot start or end with '.', or contain '..')";
            }

            foreach (var c in token)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return $"token {number} ('{token}') contains white space or a control character";
                }
            }

            if (token is "*" or ">")
            {
                if (!allowWildcards)
                {
                    return $"token {number} is the wildcard '{token}', which only a subscription may use";
                }

                if (token == ">" && i != tokens.Length - 1)
                {
                    return "'>' may only be the last token";
                }
            }
            else if (token.IndexOf('*') >= 0 || token.IndexOf('>') >= 0)
            {
                return $"token {number} ('{token}') mixes a wildcard with other characters";
            }
        }

        return null;
    }
}
