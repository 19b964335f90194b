using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators;

public sealed partial class FlowGenerator
{
    /// <summary>The MSBuild property that turns the generated entry point off: <c>&lt;FlowSdk_GenerateEntryPoint&gt;false&lt;/FlowSdk_GenerateEntryPoint&gt;</c>.</summary>
    internal const string GenerateEntryPointProperty = "build_property.FlowSdk_GenerateEntryPoint";

    /// <summary>The type of FlowSdk.Nats the generated entry point connects through, when the project references it.</summary>
    internal const string NatsInfrastructureType = "FlowSdk.Nats.NatsFlowInfrastructure";

    /// <summary>What the generator emits besides the flow catalog.</summary>
    internal enum EntryPoint
    {
        /// <summary>No entry point: a library, an Exe with its own Main, no FlowSdk.Hosting, or switched off.</summary>
        None,

        /// <summary>A Main that runs the command line; <c>--nats</c> says which package it needs.</summary>
        CommandLine,

        /// <summary>A Main that runs the command line and connects <c>--nats</c> through FlowSdk.Nats, which the project references.</summary>
        CommandLineWithNats,
    }

    /// <summary>
    /// Emits the assembly's flow catalog (every flow's definition, for registration without assembly
    /// scanning) and, for an Exe that references FlowSdk.Hosting and has no Main of its own, an entry
    /// point that runs the FlowSdk command line; when the Exe also references FlowSdk.Nats, the entry
    /// point connects <c>--nats</c> through it.
    /// </summary>
    private static void RegisterHost(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<FlowStateSpec> states)
    {
        var flows = states
            .Select(static (s, _) => "global::" + (s.State.Namespace.Length > 0 ? s.State.Namespace + "." : "") + s.State.Name + "Flow.Definition")
            .Collect()
            .Select(static (all, _) => all.OrderBy(f => f, System.StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Catalog);

        // Every stage value below is a class (a record per Combine): Roslyn's pipeline nodes over a value type
        // (a bool, an enum, a tuple holding one) are JIT-compiled anew in every compiler process.
        var ownEntryPoints = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is GlobalStatementSyntax || (node is MethodDeclarationSyntax { Identifier.Text: "Main" } method && method.Modifiers.Any(m => m.Text == "static")),
                static (_, _) => OwnEntryPoint.Present)
            .Collect()
            .Select(static (found, _) => found.IsEmpty ? OwnEntryPoint.Absent : OwnEntryPoint.Present);

        var settings = context.CompilationProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => new EntryPointSettings(
                pair.Left.Options.OutputKind is not (OutputKind.ConsoleApplication or OutputKind.WindowsApplication)
                || !pair.Left.ReferencedAssemblyNames.Any(a => a.Name == "FlowSdk.Hosting")
                    ? EntryPoint.None
                    : pair.Left.ReferencedAssemblyNames.Any(a => a.Name == "FlowSdk.Nats") && pair.Left.GetTypeByMetadataName(NatsInfrastructureType) is not null
                        ? EntryPoint.CommandLineWithNats
                        : EntryPoint.CommandLine,
                !pair.Right.GlobalOptions.TryGetValue(GenerateEntryPointProperty, out var value) || !string.Equals(value, "false", System.StringComparison.OrdinalIgnoreCase)));

        var wantsEntryPoint = settings
            .Combine(ownEntryPoints)
            .Select(static (pair, _) => new CatalogSpec(pair.Left.Enabled && !pair.Right.Found ? pair.Left.Kind : EntryPoint.None))
            .WithTrackingName(TrackingNames.EntryPoint);

        context.RegisterSourceOutput(flows.Combine(wantsEntryPoint), static (spc, pair) =>
        {
            if (pair.Left.Count == 0)
            {
                return;
            }

            spc.AddSource("FlowSdk.Catalog.g.cs", Emitter.EmitCatalog(pair.Left, pair.Right.EntryPoint));
        });
    }

    /// <summary>Whether the compilation declares a Main or top-level statements of its own.</summary>
    private sealed record OwnEntryPoint(bool Found)
    {
        /// <summary>A Main or a global statement (each one the syntax step finds), or the compilation has one.</summary>
        public static readonly OwnEntryPoint Present = new(true);

        /// <summary>The compilation has none.</summary>
        public static readonly OwnEntryPoint Absent = new(false);
    }

    /// <summary>The entry point the compilation's kind and references allow, and whether the build leaves it on (<see cref="GenerateEntryPointProperty"/>).</summary>
    private sealed record EntryPointSettings(EntryPoint Kind, bool Enabled);

    /// <summary>The entry point the catalog's file declares.</summary>
    private sealed record CatalogSpec(EntryPoint EntryPoint);

    internal static partial class Emitter
    {
        public static string EmitCatalog(EquatableArray<string> definitions, EntryPoint entryPoint)
        {
            var w = Header();
            w.Open("namespace FlowSdk.Generated");
            w.Doc("<summary>Every flow this assembly defines, for registration without assembly scanning: <c>services.AddFlowSdk().AddFlows(AssemblyFlows.All)</c>.</summary>");
            w.Line(GeneratedCodeAttribute);
            w.Open("internal static class AssemblyFlows");
            w.Doc("<summary>The definitions, ordered by flow class name.</summary>");
            w.Line("public static global::System.Collections.Generic.IReadOnlyList<global::FlowSdk.FlowDefinition> All { get; } = new global::FlowSdk.FlowDefinition[]");
            w.Line("{");
            foreach (var definition in definitions)
            {
                w.Line("    " + definition + ",");
            }

            w.Line("};");
            w.Close();
            if (entryPoint != EntryPoint.None)
            {
                w.Line();
                w.Doc("<summary>The entry point FlowSdk generates for an Exe without a Main of its own: the FlowSdk command line over this assembly's flows. Set the MSBuild property <c>FlowSdk_GenerateEntryPoint</c> to <c>false</c> to write your own.</summary>");
                w.Line(GeneratedCodeAttribute);
                w.Open("internal static class FlowSdkEntryPoint");
                if (entryPoint == EntryPoint.CommandLine)
                {
                    w.Line("private static global::System.Threading.Tasks.Task<int> Main(string[] args) => global::FlowSdk.Hosting.FlowCli.RunAsync(args, AssemblyFlows.All);");
                }
                else
                {
                    w.Line("private static global::System.Threading.Tasks.Task<int> Main(string[] args) =>");
                    w.Line("    global::FlowSdk.Hosting.FlowCli.RunAsync(args, AssemblyFlows.All, new global::FlowSdk.Hosting.FlowCliEnvironment { Connect = ConnectNatsAsync });");
                    w.Line();
                    w.Doc("<summary>Connects the command line to NATS (<c>--nats</c>, or the configuration's <c>FlowSdk:Nats:Url</c>, with the other options of its <c>FlowSdk:Nats</c> section) through FlowSdk.Nats, which this project references.</summary>");
                    w.Open("private static async global::System.Threading.Tasks.Task<global::FlowSdk.Hosting.FlowConnection> ConnectNatsAsync(global::FlowSdk.Hosting.FlowCliConnectRequest request, global::System.Threading.CancellationToken cancellationToken)");
                    w.Line("// Every NATS option from the configuration's FlowSdk:Nats section (docs/hosting.md), then the URL the command chose.");
                    w.Line("var options = new global::FlowSdk.Nats.NatsFlowOptions { LoggerFactory = request.LoggerFactory };");
                    w.Open("if (request.NatsConfiguration is { } section)");
                    w.Line("options.Bind(section);");
                    w.Close();
                    w.Line();
                    w.Line("options.Url = request.Url;");
                    w.Line("var nats = await global::FlowSdk.Nats.NatsFlowInfrastructure.ConnectAsync(options, request.Flows, cancellationToken).ConfigureAwait(false);");
                    w.Line("return new global::FlowSdk.Hosting.FlowConnection(nats.Transport, nats.Store, nats);");
                    w.Close();
                }

                w.Close();
            }

            w.Close();
            return w.ToString();
        }
    }
}
