using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Generators;

public sealed partial class FlowGenerator
{
    /// <summary>The MSBuild property that turns the flow manifest off: <c>&lt;FlowSdk_EmitManifest&gt;false&lt;/FlowSdk_EmitManifest&gt;</c>.</summary>
    internal const string EmitManifestProperty = "build_property.FlowSdk_EmitManifest";

    /// <summary>The key of the <c>AssemblyMetadata</c> attribute that carries the manifest; FlowSdk.Build reads it.</summary>
    internal const string ManifestKey = "FlowSdk.Manifest";

    /// <summary>The version of the manifest's JSON shape; a reader refuses a newer one.</summary>
    internal const int ManifestVersion = 1;

    /// <summary>
    /// Emits the flow manifest: <c>[assembly: AssemblyMetadata("FlowSdk.Manifest", json)]</c> describing
    /// every flow of the compilation (phases, rules, ports, limits, lifecycle subjects, schedules) and every message
    /// type it declares, with source locations and message schema fingerprints. FlowSdk.Build reads it
    /// from the built assembly and its references, without loading them, to check flows across projects
    /// and draw their graphs.
    /// </summary>
    /// <remarks>
    /// Source positions come from pipelines of their own, joined with the flow model only here: an edit
    /// that moves a declaration regenerates the manifest, never the flows' code.
    /// </remarks>
    private static void RegisterManifest(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<FlowSpec> flows)
    {
        var emit = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => ManifestEnabled(options))
            .WithTrackingName(TrackingNames.ManifestOptions);

        var flowSources = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.FlowAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => ManifestParser.FlowSource((INamedTypeSymbol)ctx.TargetSymbol))
            .Where(static f => f is not null)
            .Select(static (f, _) => f!)
            .WithTrackingName(TrackingNames.ManifestFlowSources);

        var ruleSources = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.RuleAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, _) => ManifestParser.RuleSource((IMethodSymbol)ctx.TargetSymbol))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(TrackingNames.ManifestRuleSources);

        var messages = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.MessageAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => ManifestParser.Schema((INamedTypeSymbol)ctx.TargetSymbol))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ManifestMessages);

        var assemblyName = context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName ?? "");

        var manifest = flows.Collect()
            .Combine(flowSources.Collect())
            .Combine(ruleSources.Collect())
            .Combine(messages.Collect())
            .Combine(assemblyName)
            .Combine(emit)
            .Select(static (all, _) =>
            {
                var (((((flowSpecs, flowLocations), rules), declared), assembly), enabled) = all;
                return enabled && (flowSpecs.Length > 0 || declared.Length > 0)
                    ? ManifestJson.Build(assembly, flowSpecs, flowLocations, rules, declared)
                    : null;
            })
            .WithTrackingName(TrackingNames.Manifest);

        context.RegisterSourceOutput(manifest, static (spc, json) =>
        {
            if (json is not null)
            {
                spc.AddSource("FlowSdk.Manifest.g.cs", Emitter.EmitManifest(json));
            }
        });
    }

    private static bool ManifestEnabled(AnalyzerConfigOptionsProvider options) =>
        !options.GlobalOptions.TryGetValue(EmitManifestProperty, out var value) || !string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase);

    internal static partial class Emitter
    {
        public static string EmitManifest(string json)
        {
            var w = Header();
            w.Line("// The flow manifest FlowSdk.Build reads (docs/msbuild.md). Turn it off with <FlowSdk_EmitManifest>false</FlowSdk_EmitManifest>.");
            w.Line("[assembly: global::System.Reflection.AssemblyMetadata(\"" + ManifestKey + "\", " + SourceWriter.Escape(json) + ")]");
            return w.ToString();
        }
    }

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

        public static RuleSourceSpec? RuleSource(IMethodSymbol method)
        {
            if (method.ContainingType is null || Locate(method) is not { } location)
            {
                return null;
            }

            var messages = method.Parameters.Select(p => p.Type)
                .Concat(method.ReturnsVoid ? Enumerable.Empty<ITypeSymbol>() : [method.ReturnType])
                .Select(Schema)
                .OfType<MessageSchemaSpec>()
                .ToEquatableArray();
            return new RuleSourceSpec(method.ContainingType.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), method.Name, location, messages);
        }

        /// <summary>The schema of a <c>[Message]</c> type, whether declared in this compilation or referenced; <see langword="null"/> for any other type.</summary>
        public static MessageSchemaSpec? Schema(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named)
            {
                return null;
            }

            var attribute = named.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.MessageAttribute");
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string subject)
            {
                return null;
            }

            var external = attribute.NamedArguments.Any(static n => n.Key == "External" && n.Value.Value is true);
            var members = MessageDeclaration.PublicProperties(named)
                .Select(p => p.Name + ":" + p.Type.ToDisplayString(SchemaType))
                .OrderBy(m => m, StringComparer.Ordinal)
                .ToEquatableArray();
            return new MessageSchemaSpec(
                named.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified),
                subject,
                external,
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

    /// <summary>Writes the manifest's JSON: ordinal order, invariant culture, no white space, so the same flows give the same bytes.</summary>
    internal static class ManifestJson
    {
        public static string Build(
            string assembly,
            ImmutableArray<FlowSpec> flows,
            ImmutableArray<FlowSourceSpec> flowSources,
            ImmutableArray<RuleSourceSpec> ruleSources,
            ImmutableArray<MessageSchemaSpec> declared)
        {
            var json = new JsonWriter();
            json.StartObject();
            json.Property("manifestVersion").Number(ManifestVersion);
            json.Property("assembly").String(assembly);
            json.Property("flows").StartArray();
            foreach (var flow in flows.OrderBy(f => f.State.FlowId, StringComparer.Ordinal).ThenBy(f => f.State.State.FullName, StringComparer.Ordinal))
            {
                WriteFlow(json, flow, flowSources, ruleSources);
            }

            json.EndArray();
            json.Property("messages").StartArray();
            foreach (var message in declared.OrderBy(m => m.FullName, StringComparer.Ordinal))
            {
                json.StartObject();
                WriteSchema(json, message);
                WriteLocation(json, message.Declaration);
                json.EndObject();
            }

            json.EndArray();
            json.EndObject();
            return json.ToString();
        }

        private static void WriteFlow(JsonWriter json, FlowSpec flow, ImmutableArray<FlowSourceSpec> flowSources, ImmutableArray<RuleSourceSpec> ruleSources)
        {
            var state = flow.State;
            json.StartObject();
            json.Property("id").String(state.FlowId);
            json.Property("state").String(Display(state.State.FullName));
            WriteLocation(json, flowSources.FirstOrDefault(f => f.StateFullName == state.State.FullName)?.Location);
            json.Property("phaseEnum").String(Display(state.PhaseEnumFullName));
            json.Property("initialPhase").String(state.Phases.Count > 0 ? state.Phases[0].Name : null);
            json.Property("phases").StartArray();
            for (var i = 0; i < state.Phases.Count; i++)
            {
                json.StartObject();
                json.Property("name").String(state.Phases[i].Name);
                json.Property("initial").Bool(i == 0);
                json.Property("terminal").Bool(state.Phases[i].IsTerminal);
                json.EndObject();
            }

            json.EndArray();
            json.Property("timeout").String(state.TimeoutTicks is { } ticks ? Duration(ticks) : null);
            json.Property("maxIterations").Number(state.MaxIterations);
            json.Property("lifecycle").StartObject();
            json.Property("completed").String(state.OnCompleted);
            json.Property("failed").String(state.OnFailed);
            json.Property("escalated").String(state.OnEscalated);
            json.Property("timedOut").String(state.OnTimedOut);
            if (state.Events is not null)
            {
                // Events on <events>.started, .step, ... (ExecutionEvent.Subject).
                json.Property("events").String(state.Events);
            }
            json.EndObject();

            // Each schedule with its tick message: the build task draws it and counts it as the tick's producer.
            json.Property("schedules").StartArray();
            foreach (var schedule in state.Schedules.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                json.StartObject();
                json.Property("name").String(schedule.Name);
                json.Property("subject").String(schedule.Tick.Subject);
                json.Property("message").String(Display(schedule.Tick.FullName));
                json.Property("when").String(Common.ScheduleText.Describe(schedule.EveryTicks is { } every ? TimeSpan.FromTicks(every) : null, schedule.Cron, schedule.TimeZone));
                json.Property("missedTicks").String(Common.ScheduleText.MissedTicks(schedule.MissedTicks));
                json.Property("maxCatchUp").Number(schedule.MaxCatchUp);
                json.EndObject();
            }

            json.EndArray();

            // Each fan-out group with its child flow, only when the flow has some: manifests of other flows stay as they were.
            if (state.FanOuts.Count > 0)
            {
                json.Property("fanOuts").StartArray();
                foreach (var group in state.FanOuts.OrderBy(g => g.Name, StringComparer.Ordinal))
                {
                    json.StartObject();
                    json.Property("name").String(group.Name);
                    json.Property("childFlow").String(group.ChildFlow);
                    json.Property("input").String(group.Input.Subject);
                    json.Property("result").String(group.Result.Subject);
                    json.Property("mode").String(group.Mode switch { 1 => "First", 2 => "AnyError", _ => "All" });
                    json.Property("timeout").String(group.TimeoutTicks is { } timeoutTicks ? Duration(timeoutTicks) : null);
                    json.EndObject();
                }

                json.EndArray();
            }

            // Each rule with its source; each port (message type and direction) once, at the first rule that uses it.
            var ports = new Dictionary<(string Direction, string Message), (MessageSchemaSpec? Schema, MessageSpec Message, SourceLocationSpec? Rule)>();
            var order = new List<(string Direction, string Message)>();
            json.Property("rules").StartArray();
            foreach (var rule in flow.Rules)
            {
                var source = ruleSources.FirstOrDefault(r => r.DeclaringTypeFullName == rule.DeclaringTypeFullName && r.Method == rule.Name);
                json.StartObject();
                json.Property("name").String(rule.Name);
                json.Property("class").String(rule.DeclaringTypeFullName);
                json.Property("trigger").String(rule.Trigger);
                json.Property("from").String(rule.From);
                json.Property("to").String(rule.To);
                json.Property("conditionMode").String(rule.AnyCondition ? "any" : "all");
                json.Property("conditions").StartArray();
                foreach (var condition in rule.Conditions)
                {
                    json.StartObject();
                    json.Property("method").String(condition.Method);
                    json.Property("description").String(condition.Description);
                    json.EndObject();
                }

                json.EndArray();
                WriteEndpoint(json, "input", rule.Message);
                WriteEndpoint(json, "output", rule.Output);
                json.Property("awaitReply").Bool(rule.AwaitReply);
                json.Property("cooldown").String(rule.CooldownTicks is { } cooldown ? Duration(cooldown) : null);
                json.Property("maxFirings").Number(rule.MaxFirings);
                if (rule.ApprovalPolicy is { } approval)
                {
                    // Only on rules that require approval: the manifests of other flows stay as they were.
                    json.Property("approval").StartObject();
                    json.Property("policy").String(approval);
                    json.Property("expires").String(rule.ApprovalExpiresTicks is { } expires ? Duration(expires) : null);
                    json.EndObject();
                }

                WriteLocation(json, source?.Location);
                json.EndObject();

                foreach (var (direction, message) in new[] { ("in", rule.Message), ("out", rule.Output) })
                {
                    if (message is not null && !ports.ContainsKey((direction, message.FullName)))
                    {
                        var key = (direction, message.FullName);
                        ports[key] = (source?.Messages.FirstOrDefault(m => m.FullName == message.FullName), message, source?.Location);
                        order.Add(key);
                    }
                }
            }

            json.EndArray();
            json.Property("ports").StartArray();
            foreach (var key in order.OrderBy(k => k.Direction, StringComparer.Ordinal)
                .ThenBy(k => ports[k].Message.Subject, StringComparer.Ordinal)
                .ThenBy(k => k.Message, StringComparer.Ordinal))
            {
                var (schema, message, ruleLocation) = ports[key];
                json.StartObject();
                json.Property("direction").String(key.Direction);
                if (schema is not null)
                {
                    WriteSchema(json, schema);
                }
                else
                {
                    json.Property("subject").String(message.Subject);
                    json.Property("message").String(Display(message.FullName));
                }

                // The port is declared by its message type when this compilation declares it, otherwise by the rule that uses it.
                WriteLocation(json, schema?.Declaration ?? ruleLocation);
                json.EndObject();
            }

            json.EndArray();
            json.EndObject();
        }

        private static void WriteEndpoint(JsonWriter json, string name, MessageSpec? message)
        {
            json.Property(name);
            if (message is null)
            {
                json.Null();
                return;
            }

            json.StartObject();
            json.Property("subject").String(message.Subject);
            json.Property("message").String(Display(message.FullName));
            json.EndObject();
        }

        private static void WriteSchema(JsonWriter json, MessageSchemaSpec schema)
        {
            json.Property("subject").String(schema.Subject);
            json.Property("message").String(Display(schema.FullName));
            json.Property("external").Bool(schema.External);
            json.Property("fingerprint").String(schema.Fingerprint);
            json.Property("members").StartArray();
            foreach (var member in schema.Members)
            {
                json.String(member);
            }

            json.EndArray();
        }

        private static void WriteLocation(JsonWriter json, SourceLocationSpec? location)
        {
            json.Property("file").String(location?.File);
            json.Property("line").Number(location?.Line ?? 0);
            json.Property("column").Number(location?.Column ?? 0);
        }

        private static string Duration(long ticks) => TimeSpan.FromTicks(ticks).ToString("c", CultureInfo.InvariantCulture);

        private static string Display(string fullName) => fullName.StartsWith("global::", StringComparison.Ordinal) ? fullName.Substring("global::".Length) : fullName;
    }

    /// <summary>A minimal JSON writer (the generator targets netstandard2.0 and takes no dependency on System.Text.Json).</summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _builder = new();
        private bool _needsComma;

        public JsonWriter StartObject() => Open('{');

        public JsonWriter EndObject() => Close('}');

        public JsonWriter StartArray() => Open('[');

        public JsonWriter EndArray() => Close(']');

        public JsonWriter Property(string name)
        {
            Value();
            Quote(name);
            _builder.Append(':');
            _needsComma = false;
            return this;
        }

        public JsonWriter String(string? value)
        {
            if (value is null)
            {
                return Null();
            }

            Value();
            Quote(value);
            _needsComma = true;
            return this;
        }

        public JsonWriter Number(int value)
        {
            Value();
            _builder.Append(value.ToString(CultureInfo.InvariantCulture));
            _needsComma = true;
            return this;
        }

        public JsonWriter Bool(bool value)
        {
            Value();
            _builder.Append(value ? "true" : "false");
            _needsComma = true;
            return this;
        }

        public JsonWriter Null()
        {
            Value();
            _builder.Append("null");
            _needsComma = true;
            return this;
        }

        public override string ToString() => _builder.ToString();

        private JsonWriter Open(char c)
        {
            Value();
            _builder.Append(c);
            _needsComma = false;
            return this;
        }

        private JsonWriter Close(char c)
        {
            _builder.Append(c);
            _needsComma = true;
            return this;
        }

        private void Value()
        {
            if (_needsComma)
            {
                _builder.Append(',');
            }
        }

        /// <summary>
        /// Writes a JSON string. Besides what JSON requires, the characters C# counts as line breaks
        /// (U+0085, U+2028, U+2029) are escaped: the JSON goes into a C# string literal.
        /// </summary>
        private void Quote(string value)
        {
            _builder.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': _builder.Append("\\\""); break;
                    case '\\': _builder.Append("\\\\"); break;
                    case '\n': _builder.Append("\\n"); break;
                    case '\r': _builder.Append("\\r"); break;
                    case '\t': _builder.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == '\u0085' || c == '\u2028' || c == '\u2029')
                        {
                            _builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            _builder.Append(c);
                        }

                        break;
                }
            }

            _builder.Append('"');
        }
    }
}
