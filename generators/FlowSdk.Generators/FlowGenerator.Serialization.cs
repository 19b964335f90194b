using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators;

public sealed partial class FlowGenerator
{
    private const string ResolverHintName = "FlowSdk.Resolver.g.cs";
    private const string SchemaHintName = "FlowSdk.Schema.g.cs";

    /// <summary>
    /// The serialization pipeline: the formatters of every class, record, struct and enum a flow state or
    /// message reaches (their own formatters come with the flow and message outputs), the assembly's
    /// resolver and, when the build asks for it, the new text of the schema file.
    /// </summary>
    private static void RegisterSerialization(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<SerializationRootSpec> states,
        IncrementalValuesProvider<SerializationRootSpec> messages)
    {
        states = states.WithTrackingName(TrackingNames.SerializedStates);
        messages = messages.WithTrackingName(TrackingNames.SerializedMessages);

        var set = states.Collect()
            .Combine(messages.Collect())
            .Select(static (pair, _) => Merge(pair.Left.AddRange(pair.Right)))
            .WithTrackingName(TrackingNames.Serialization);

        // Each formatter is compared with its previous version on its own: an edit regenerates only what it touches.
        var formatters = set.SelectMany(static (s, _) => s.Formatters);
        context.RegisterSourceOutput(formatters, static (spc, formatter) => spc.AddSource(formatter.HintName, Emitter.EmitTypeFormatter(formatter)));

        var resolver = set
            .Select(static (s, _) => s.Resolver)
            .WithTrackingName(TrackingNames.Resolver);
        context.RegisterSourceOutput(resolver, static (spc, r) =>
        {
            if (r.Entries.Count > 0)
            {
                spc.AddSource(ResolverHintName, Emitter.EmitResolver(r));
            }
        });

        // Stage values are classes (a record per Combine): Roslyn's pipeline nodes over a value type such as a
        // bool, or a tuple holding one, are JIT-compiled anew in every compiler process.
        var schemaFiles = context.AdditionalTextsProvider
            .Where(static text => string.Equals(System.IO.Path.GetFileName(text.Path), SchemaFile.FileName, StringComparison.OrdinalIgnoreCase))
            .Select(static (text, ct) => text.GetText(ct)?.ToString() ?? "")
            .Collect();
        var update = context.AnalyzerConfigOptionsProvider
            .Combine(schemaFiles)
            .Select(static (pair, _) => pair.Left.GlobalOptions.TryGetValue("build_property." + SchemaFile.UpdateProperty, out var value)
                && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase)
                    ? new SchemaUpdate(Enabled: true, pair.Right.IsEmpty ? null : pair.Right[0])
                    : SchemaUpdate.Off);
        var schema = set
            .Select(static (s, _) => s.Schema)
            .Combine(update)
            .Select(static (input, _) => input.Right.Enabled ? UpdatedSchema(input.Left, input.Right.File) : null)
            .WithTrackingName(TrackingNames.Schema);
        context.RegisterSourceOutput(schema, static (spc, json) =>
        {
            if (json is not null)
            {
                spc.AddSource(SchemaHintName, Emitter.EmitSchema(json));
            }
        });
    }

    /// <summary>Everything the roots need, each formatter, resolver entry and schema entry once, in ordinal order.</summary>
    private static SerializationSetSpec Merge(ImmutableArray<SerializationRootSpec> roots)
    {
        var formatters = new Dictionary<string, TypeFormatterSpec>(StringComparer.Ordinal);
        var entries = new Dictionary<string, ResolverEntrySpec>(StringComparer.Ordinal);
        var schema = new Dictionary<string, SchemaTypeSpec>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            foreach (var formatter in root.Formatters)
            {
                formatters[formatter.HintName] = formatters.TryGetValue(formatter.HintName, out var known) ? known : formatter;
            }

            foreach (var entry in root.Resolver)
            {
                entries[entry.Type] = entries.TryGetValue(entry.Type, out var known) && known.Formatter is not null ? known : entry;
            }

            foreach (var type in root.Schema)
            {
                // A state is also an object when a message reaches it: the state's entry wins.
                schema[type.Name] = schema.TryGetValue(type.Name, out var known) && known.Kind != "object" ? known : type;
            }
        }

        return new SerializationSetSpec(
            formatters.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value).ToEquatableArray(),
            new ResolverSpec(
                roots.IsEmpty ? "" : roots[0].ResolverNamespace,
                entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToEquatableArray()),
            schema.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value).ToEquatableArray());
    }

    /// <summary>The schema file's new text: the code's types, with the keys the file retired and those the code dropped.</summary>
    private static string UpdatedSchema(EquatableArray<SchemaTypeSpec> code, string? text)
    {
        var file = text is null ? Array.Empty<SchemaType>() : SchemaFile.Parse(text, out _, out _);
        var current = code
            .Select(t => new SchemaType(t.Name, t.Kind, t.Members.Select(m => new SchemaKey(m.Key, m.Type)).ToList()))
            .ToList();
        return SchemaFile.Write(SchemaFile.Merge(file, current));
    }

    /// <summary>Whether the build asks for the schema file's new text (<see cref="SchemaFile.UpdateProperty"/>), and the file's current text.</summary>
    private sealed record SchemaUpdate(bool Enabled, string? File)
    {
        /// <summary>The build does not ask for it.</summary>
        public static readonly SchemaUpdate Off = new(Enabled: false, File: null);
    }
}
