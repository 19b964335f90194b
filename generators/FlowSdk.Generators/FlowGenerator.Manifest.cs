using System;
using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
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
    private static void RegisterManifest(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<FlowSpec> flows,
        IncrementalValuesProvider<FlowSourceSpec> flowSources,
        IncrementalValuesProvider<RuleSourceSpec> ruleSources,
        IncrementalValuesProvider<MessageSchemaSpec> messages)
    {
        // The assembly's name and whether the build asks for the manifest, as one class.
        var settings = context.CompilationProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => new ManifestSettings(pair.Left.AssemblyName ?? "", ManifestEnabled(pair.Right)))
            .WithTrackingName(TrackingNames.ManifestOptions);

        flowSources = flowSources.WithTrackingName(TrackingNames.ManifestFlowSources);
        messages = messages.WithTrackingName(TrackingNames.ManifestMessages);

        ruleSources = ruleSources.WithTrackingName(TrackingNames.ManifestRuleSources);

        // Each pair of collected arrays is joined into a class before it is combined further: a chain of
        // Combine over the arrays and a bool would nest value tuples, each a value type of its own for
        // Roslyn's generic pipeline nodes. What is combined below is classes only.
        var flowParts = flows.Collect()
            .Combine(flowSources.Collect())
            .Select(static (pair, _) => new ManifestFlows(pair.Left, pair.Right));
        var declarationParts = ruleSources.Collect()
            .Combine(messages.Collect())
            .Select(static (pair, _) => new ManifestDeclarations(pair.Left, pair.Right));

        var manifest = flowParts
            .Combine(declarationParts)
            .Combine(settings)
            .Select(static (all, _) =>
            {
                var ((flowPart, declarations), manifestSettings) = all;
                return manifestSettings.Enabled && (flowPart.Flows.Length > 0 || declarations.Messages.Length > 0)
                    ? ManifestJson.Build(manifestSettings.AssemblyName, flowPart.Flows, flowPart.Sources, declarations.RuleSources, declarations.Messages)
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

    /// <summary>The flows and where their state classes are, as collected.</summary>
    private sealed record ManifestFlows(ImmutableArray<FlowSpec> Flows, ImmutableArray<FlowSourceSpec> Sources);

    /// <summary>Where the rules are and the declared message types, as collected.</summary>
    private sealed record ManifestDeclarations(ImmutableArray<RuleSourceSpec> RuleSources, ImmutableArray<MessageSchemaSpec> Messages);

    /// <summary>The assembly's name, and whether the build asks for the manifest (<see cref="EmitManifestProperty"/>).</summary>
    private sealed record ManifestSettings(string AssemblyName, bool Enabled);

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
}
