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
    public static string? Validate(string? subject, bool allowWildcards) => Common.SubjectRules.Validate(subject, allowWildcards);

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
    /// <remarks>
    /// Both arguments are strings, so call it with named arguments (<c>Matches(pattern: "orders.*", subject: s)</c>),
    /// or use <see cref="SubjectPattern.Matches(string)"/>, whose types keep the pattern and the subject apart.
    /// Neither argument is validated here (this is the transport's routing path): a swapped call compiles and returns a wrong answer.
    /// </remarks>
    /// <param name="pattern">The subscription's subject, possibly with wildcards.</param>
    /// <param name="subject">The subject a message was published on (no wildcards).</param>
    /// <returns><see langword="true"/> when the pattern matches.</returns>
    public static bool Matches(string pattern, string subject) => Common.SubjectRules.Matches(pattern, subject);
}

/// <summary>
/// A validated subject pattern, as a subscription uses it: tokens separated by dots, <c>*</c> matches
/// one token, <c>&gt;</c> (last token only) matches one or more. Its own type, so a pattern and the
/// subject it is matched against cannot be swapped silently.
/// </summary>
/// <example>
/// <code>
/// var orders = new SubjectPattern("orders.*");
/// orders.Matches("orders.placed");        // true
/// orders.Matches("orders.eu.placed");     // false
/// orders.Matches("orders.*");             // ArgumentException: a subject has no wildcards
/// </code>
/// </example>
public readonly struct SubjectPattern : IEquatable<SubjectPattern>
{
    private readonly string? _value;

    /// <summary>Creates a pattern.</summary>
    /// <param name="pattern">The pattern, possibly with <c>*</c> and <c>&gt;</c> tokens.</param>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a valid subject pattern; the message says what is wrong.</exception>
    public SubjectPattern(string pattern)
    {
        Subjects.EnsureValid(pattern, allowWildcards: true, nameof(pattern));
        _value = pattern;
    }

    /// <summary>The pattern that matches every subject: <c>&gt;</c>.</summary>
    public static SubjectPattern All { get; } = new(">");

    /// <summary>The pattern's text.</summary>
    /// <exception cref="InvalidOperationException">The pattern is <see langword="default"/>, not made with the constructor.</exception>
    public string Value => _value ?? throw new InvalidOperationException("This SubjectPattern is default: create one with new SubjectPattern(\"orders.*\").");

    /// <summary>Whether the pattern has a <c>*</c> or <c>&gt;</c> token.</summary>
    public bool HasWildcards => Subjects.Validate(Value, allowWildcards: false) is not null;

    /// <summary>Whether a subscription with this pattern receives a message published on <paramref name="subject"/>.</summary>
    /// <param name="subject">The subject a message was published on.</param>
    /// <returns><see langword="true"/> when the pattern matches.</returns>
    /// <exception cref="ArgumentException"><paramref name="subject"/> is not a valid subject, or has wildcards (it is a pattern, not a subject).</exception>
    public bool Matches(string subject)
    {
        Subjects.EnsureValid(subject, allowWildcards: false, nameof(subject));
        return Subjects.Matches(pattern: Value, subject: subject);
    }

    /// <inheritdoc/>
    public bool Equals(SubjectPattern other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SubjectPattern other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>The pattern's text.</summary>
    /// <returns>The pattern, or an empty string for a default pattern.</returns>
    public override string ToString() => _value ?? "";

    /// <summary>Whether two patterns are the same text.</summary>
    /// <param name="left">A pattern.</param>
    /// <param name="right">Another pattern.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(SubjectPattern left, SubjectPattern right) => left.Equals(right);

    /// <summary>Whether two patterns differ.</summary>
    /// <param name="left">A pattern.</param>
    /// <param name="right">Another pattern.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(SubjectPattern left, SubjectPattern right) => !left.Equals(right);
}
