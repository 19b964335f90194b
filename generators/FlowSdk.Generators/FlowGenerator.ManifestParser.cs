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

            // Every rule method's class is this one: its name is displayed once, not once per rule.
            var className = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
            foreach (var member in type.GetMembers())
            {
                // The manifest looks a rule's source up by its class and method name: the first [Rule] method of that name.
                if (member is IMethodSymbol method && names.Contains(method.Name)
                    && FlowSymbols.Find(method, context.Symbols.RuleAttribute) is not null
                    && names.Remove(method.Name)
                    && RuleSource(method, className, context) is { } source)
                {
                    sources.Add(source);
                }
            }

            return sources.ToEquatableArray();
        }

        /// <summary>Where a rule method is and the schemas of the messages it takes and returns; <paramref name="className"/> is its class as messages name it.</summary>
        public static RuleSourceSpec? RuleSource(IMethodSymbol method, string className, FlowReadContext context)
        {
            if (Locate(method) is not { } location)
            {
                return null;
            }

            var schemas = new List<MessageSchemaSpec>(2);
            foreach (var parameter in method.Parameters)
            {
                if (context.Schema(parameter.Type) is { } schema)
                {
                    schemas.Add(schema);
                }
            }

            if (!method.ReturnsVoid && context.Schema(method.ReturnType) is { } output)
            {
                schemas.Add(output);
            }

            var messages = schemas.ToEquatableArray();
            return new RuleSourceSpec(className, method.Name, location, messages);
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
                .Select(p => p.Name + ":" + TypeNames.Display(p.Type, SchemaType))
                .ToArray();
            Array.Sort(sorted, StringComparer.Ordinal);
            var members = EquatableArray<string>.Own(sorted);
            return new MessageSchemaSpec(
                context.FullName(named),
                subject,
                message.IsExternal,
                members,
                Fingerprint(members),
                Locate(named));
        }

        /// <summary>A stable hash of the members (64-bit FNV-1a over their UTF-8 text, one per line), as 16 hex digits.</summary>
        public static string Fingerprint(IEnumerable<string> members)
        {
            // The bytes of each member then a line feed, as UTF-8 encodes their concatenation (a member is a
            // whole string, so no surrogate pair is split between two of them).
            const ulong Prime = 1099511628211UL;
            var hash = 14695981039346656037UL;
            var buffer = Array.Empty<byte>();
            foreach (var member in members)
            {
                if (IsAscii(member))
                {
                    // Each character is its own UTF-8 byte: hashed as it is, with no buffer to encode into.
                    foreach (var c in member)
                    {
                        hash = unchecked((hash ^ (byte)c) * Prime);
                    }
                }
                else
                {
                    var count = Encoding.UTF8.GetMaxByteCount(member.Length);
                    if (buffer.Length < count)
                    {
                        buffer = new byte[Math.Max(count, 256)];
                    }

                    var written = Encoding.UTF8.GetBytes(member, 0, member.Length, buffer, 0);
                    for (var i = 0; i < written; i++)
                    {
                        hash = unchecked((hash ^ buffer[i]) * Prime);
                    }
                }

                hash = unchecked((hash ^ (byte)'\n') * Prime);
            }

            return hash.ToString("x16", CultureInfo.InvariantCulture);
        }

        private static bool IsAscii(string text)
        {
            foreach (var c in text)
            {
                if (c >= 0x80)
                {
                    return false;
                }
            }

            return true;
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
