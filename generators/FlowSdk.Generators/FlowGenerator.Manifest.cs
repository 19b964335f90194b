using System;
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
        var emit = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => ManifestEnabled(options))
            .WithTrackingName(TrackingNames.ManifestOptions);

        flowSources = flowSources.WithTrackingName(TrackingNames.ManifestFlowSources);
        messages = messages.WithTrackingName(TrackingNames.ManifestMessages);

        ruleSources = ruleSources.WithTrackingName(TrackingNames.ManifestRuleSources);

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
}
