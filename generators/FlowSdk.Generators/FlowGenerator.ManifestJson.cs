using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators;
/// <summary>The flow manifest: its JSON, written in a stable order.</summary>
public sealed partial class FlowGenerator
{
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
                json.Property("trigger").String(rule.Trigger.ToString());
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
