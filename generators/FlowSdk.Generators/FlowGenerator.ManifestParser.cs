using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators;
/// <summary>The flow manifest: what it reads from symbols beyond the flow model (source locations, message schemas).</summary>
public sealed partial class FlowGenerator
{
    /// <summary>Reads what only the manifest needs from symbols: source locations and message schemas.</summary>
    internal static class ManifestParser
    {
        private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>
        /// Member types as the schema sees them: without namespaces (a consumer's copy of a message in its
        /// own namespace has the same shape) and without reference-type nullability (a project without
        /// nullable annotations sends the same bytes); <c>int?</c> stays distinct from <c>int</c>.
        /// </summary>
        private static readonly SymbolDisplayFormat SchemaType = new(
            globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
            miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        public static FlowSourceSpec? FlowSource(INamedTypeSymbol type) =>
            Locate(type) is { } location ? new FlowSourceSpec(type.ToDisplayString(FullyQualified), location) : null;

        /// <summary>Where the rules of a rules class are, each rule method once, in declaration order.</summary>
        public static EquatableArray<RuleSourceSpec> RuleSources(INamedTypeSymbol type, RulesClassSpec rules, FlowReadContext context)
        {
            var names = new HashSet<string>(rules.Rules.Select(static r => r.Name), StringComparer.Ordinal);
            var sources = new List<RuleSourceSpec>();
            foreach (var member in type.GetMembers())
            {
                // The manifest looks a rule's source up by its class and method name: the first [Rule] method of that name.
                if (member is IMethodSymbol method && names.Contains(method.Name)
                    && FlowSymbols.Find(method, context.Symbols.RuleAttribute) is not null
                    && names.Remove(method.Name)
                    && RuleSource(method, context) is { } source)
                {
                    sources.Add(source);
                }
            }

            return sources.ToEquatableArray();
        }

        public static RuleSourceSpec? RuleSource(IMethodSymbol method, FlowReadContext context)
        {
            if (method.ContainingType is null || Locate(method) is not { } location)
            {
                return null;
            }

            var messages = method.Parameters.Select(p => p.Type)
                .Concat(method.ReturnsVoid ? Enumerable.Empty<ITypeSymbol>() : [method.ReturnType])
                .Select(context.Schema)
                .OfType<MessageSchemaSpec>()
                .ToEquatableArray();
            return new RuleSourceSpec(method.ContainingType.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), method.Name, location, messages);
        }

        /// <summary>The schema of a <c>[Message]</c> type, whether declared in this compilation or referenced; <see langword="null"/> for any other type.</summary>
        public static MessageSchemaSpec? Schema(ITypeSymbol type, FlowReadContext context)
        {
            if (context.Declaration(type) is not { Subject: { } subject } message)
            {
                return null;
            }

            var named = (INamedTypeSymbol)type;
            var sorted = MessageDeclaration.PublicProperties(named)
                .Select(p => p.Name + ":" + p.Type.ToDisplayString(SchemaType))
                .ToArray();
            Array.Sort(sorted, StringComparer.Ordinal);
            var members = sorted.ToEquatableArray();
            return new MessageSchemaSpec(
                named.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified),
                subject,
                message.IsExternal,
                members,
                Fingerprint(members),
                Locate(named));
        }

        /// <summary>A stable hash of the members (64-bit FNV-1a over their UTF-8 text, one per line), as 16 hex digits.</summary>
        public static string Fingerprint(IEnumerable<string> members)
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(string.Concat(members.Select(m => m + "\n"))))
            {
                hash = unchecked((hash ^ b) * 1099511628211UL);
            }

            return hash.ToString("x16", CultureInfo.InvariantCulture);
        }

        private static SourceLocationSpec? Locate(ISymbol symbol)
        {
            var location = symbol.Locations.FirstOrDefault(static l => l.IsInSource);
            if (location is null)
            {
                return null;
            }

            var span = location.GetMappedLineSpan();
            return new SourceLocationSpec(span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
        }
    }
}
