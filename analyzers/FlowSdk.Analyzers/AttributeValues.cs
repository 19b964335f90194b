using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers;

/// <summary>Checks of attribute values that compile but would mean something else than written: FLOW0026 and FLOW0036.</summary>
internal static class AttributeValues
{
    /// <summary>Reports FLOW0026 when the named argument <paramref name="name"/> is a duration that is not valid or reads ambiguously.</summary>
    /// <param name="report">Reports a diagnostic.</param>
    /// <param name="attribute">The attribute.</param>
    /// <param name="name"><c>Timeout</c> or <c>Cooldown</c>.</param>
    /// <param name="owner">What the duration belongs to, in words.</param>
    /// <param name="skipped">What the generator skips when the duration is not valid, in words.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public static void CheckDuration(Action<Diagnostic> report, AttributeData attribute, string name, string owner, string skipped, CancellationToken cancellationToken)
    {
        string? text = null;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == name && named.Value.Value is string value)
            {
                text = value;
            }
        }

        if (text is null)
        {
            return;
        }

        var (kind, span) = DurationSyntax.Read(text);
        var location = attribute.NamedArgumentLocation(name, cancellationToken);
        if (kind == DurationKind.Invalid)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InvalidDuration, location, name, text, owner, skipped));
        }
        else if (kind == DurationKind.Ambiguous)
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.AmbiguousDuration,
                location,
                name,
                text,
                owner,
                DurationSyntax.Describe(span),
                DurationSyntax.Format(span),
                DurationSyntax.OtherReading(text)));
        }
    }

    /// <summary>Reports FLOW0036 when the named argument <paramref name="name"/> (<c>MaxIterations</c>, <c>MaxFirings</c>) is written out as 0 or less.</summary>
    public static void CheckLimit(Action<Diagnostic> report, AttributeData attribute, string name, string owner, CancellationToken cancellationToken)
    {
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == name && named.Value.Value is int value && value <= 0)
            {
                var meaning = value == 0
                    ? "means no limit, the same as leaving it out, though it reads as none at all"
                    : "is refused by the runtime when the flow is loaded, so the flow would never run";
                report(Diagnostic.Create(DiagnosticDescriptors.InvalidLimit, attribute.NamedArgumentLocation(name, cancellationToken), name, value, owner, meaning));
            }
        }
    }
}
