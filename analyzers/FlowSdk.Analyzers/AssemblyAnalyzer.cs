using System.Collections.Concurrent;
using System.Collections.Immutable;
using FlowSdk.Common;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks across the flows and messages of the assembly, once all are known: FLOW0018 (duplicate
/// flow ids) and FLOW0016 (a subject bound to two message types) at the attribute argument;
/// FLOW0022 / FLOW0023 (a port nothing in the assembly consumes or produces, unless declared
/// <c>External</c>) at the rule that publishes or takes it, with the message type as an additional location; FLOW0024 (FlowSdk annotations but no flow the generator
/// can use); FLOW0035 (a lifecycle subject that is also a message's subject) at the argument;
/// FLOW0052 (a schedule whose tick message no rule of its flow takes) at the schedule.
/// FLOW0016, FLOW0018, FLOW0022, FLOW0023 and FLOW0035 come from the checks across flows that the
/// MSBuild task and the hosts' validate and deploy share (<c>src/Common/CrossFlowChecks.cs</c>).
/// </summary>
/// <remarks>
/// Ports are checked for message types declared in this assembly only: a message type from a
/// referenced assembly is shared by design, and the cross-project check sees both sides. A message
/// is produced by a rule that returns it or by any code of the assembly that creates one (a
/// controller sending it through the generated client, for example); it is consumed by a rule
/// that takes it.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AssemblyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.DuplicateFlowId,
        DiagnosticDescriptors.DuplicateSubject,
        DiagnosticDescriptors.OutputPortWithoutConsumer,
        DiagnosticDescriptors.InputPortWithoutProducer,
        DiagnosticDescriptors.NoUsableFlow,
        DiagnosticDescriptors.LifecycleSubjectIsMessageSubject,
        DiagnosticDescriptors.ScheduleTickWithoutRule,
        DiagnosticDescriptors.EventMessageDoesNotMatch,
        DiagnosticDescriptors.EventPrefixShared);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // Generated code is not analyzed: the generated serializers create every message type.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowIndex.Start(start) is not { } index)
            {
                return;
            }

            var created = new ConcurrentDictionary<INamedTypeSymbol, bool>(SymbolEqualityComparer.Default);
            start.RegisterOperationAction(
                operationContext =>
                {
                    if (operationContext.Operation.Type is INamedTypeSymbol type && index.Symbols.IsMessage(type))
                    {
                        created.TryAdd(type.OriginalDefinition, true);
                    }
                },
                OperationKind.ObjectCreation,
                OperationKind.With);
            start.RegisterCompilationEndAction(end => Analyze(end, index, created));
        });
    }

    /// <summary>Where a rule publishes (its return type) or takes (its message parameter) a message; its name when neither is in source.</summary>
    private static Location RuleSite(RuleDeclaration rule, bool output, CancellationToken cancellationToken)
    {
        var declaration = rule.Method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax;
        if (output && declaration is not null)
        {
            return declaration.ReturnType.GetLocation();
        }

        return (output ? null : rule.MessageParameter?.Locations.FirstOrDefault(static l => l.IsInSource))
            ?? rule.Method.Locations.FirstOrDefault(static l => l.IsInSource)
            ?? Location.None;
    }

    /// <summary>The message's declaration first (the code fix declares the port External there), then the other rules' sites.</summary>
    private static IEnumerable<Location> AdditionalLocations(Location declaration, IEnumerable<RuleDeclaration> others, bool output, CancellationToken cancellationToken)
    {
        yield return declaration;
        foreach (var rule in others)
        {
            yield return RuleSite(rule, output, cancellationToken);
        }
    }

    /// <summary>A type's identity across the compilation and its references.</summary>
    private static string TypeKey(ITypeSymbol type) => type.OriginalDefinition.ToDisplayString() + ", " + type.ContainingAssembly?.Name;

    private static void Analyze(CompilationAnalysisContext context, FlowIndex index, ConcurrentDictionary<INamedTypeSymbol, bool> created)
    {
        var cancellationToken = context.CancellationToken;
        var flows = index.Flows;
        var messages = index.Messages;
        var rulesClasses = index.RulesClasses;
        var owner = context.Compilation.AssemblyName ?? "";

        // The rules of every rules class, with the flow they belong to.
        var rules = new List<(RuleDeclaration Rule, string Flow, bool IsTestFlow, ITypeSymbol State)>();
        foreach (var rulesClass in rulesClasses)
        {
            if (rulesClass.RulesState(index.Symbols) is not { } state)
            {
                continue;
            }

            var flow = FlowDeclaration.Read(state, index.Symbols);
            var flowName = SymbolExtensions.FlowName(flow, state);
            foreach (var rule in index.Rules(rulesClass, state))
            {
                rules.Add((rule, flowName, flow?.IsTestFlow == true, state));
            }
        }

        // FLOW0016, FLOW0018, FLOW0022, FLOW0023 and FLOW0035 are the checks across flows every tool
        // shares (CrossFlowChecks): the compilation is mapped to their model, and their issues back to
        // the declarations to report at.
        var declared = new Dictionary<INamedTypeSymbol, MessageDeclaration>(SymbolEqualityComparer.Default);
        var checkMessages = new List<CheckMessage>();
        foreach (var message in messages)
        {
            declared[message.Type] = message;
            if (message.Subject is { } subject)
            {
                checkMessages.Add(new CheckMessage(subject, message.Type.ToDisplayString(), TypeKey(message.Type), "", [], message.IsExternal, owner, null) { Reported = true, Tag = message });
            }
        }

        CheckPort? Port(RuleDeclaration rule, bool isTestFlow, INamedTypeSymbol? type, bool isInput)
        {
            if (type is null || MessageDeclaration.Read(type, index.Symbols)?.Subject is not { } subject)
            {
                return null;
            }

            declared.TryGetValue(type, out var declaration);
            var message = new CheckMessage(subject, type.ToDisplayString(), TypeKey(type), "", [], declaration?.IsExternal == true, owner, null) { Tag = declaration };

            // Ports are judged for message types of this assembly; rules of [TestFlow] flows are fed and read by tests.
            return new CheckPort(rule.Name, isInput, message) { Reported = declaration is { IsExternal: false } && !isTestFlow, Tag = rule };
        }

        var checkFlows = new List<CheckFlow>();
        var states = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var group in rules.GroupBy(static r => r.State, SymbolEqualityComparer.Default).Select(static g => g.ToList()))
        {
            var state = group[0].State;
            states.Add(state);
            var ports = group.SelectMany(r => new[] { Port(r.Rule, r.IsTestFlow, r.Rule.Input, isInput: true), Port(r.Rule, r.IsTestFlow, r.Rule.Output, isInput: false) })
                .OfType<CheckPort>()
                .ToList();
            var declaration = flows.FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.State, state));
            checkFlows.Add(Flow(declaration, group[0].Flow, ports));
        }

        foreach (var flow in flows.Where(f => !states.Contains(f.State)))
        {
            checkFlows.Add(Flow(flow, SymbolExtensions.FlowName(flow, flow.State), []));
        }

        CheckFlow Flow(FlowDeclaration? declaration, string name, List<CheckPort> ports)
        {
            // A schedule produces its tick message, so a tick port is never an input without a producer.
            List<string> ticks = declaration is null ? [] : ScheduleDeclaration.ReadAll(declaration.State, index.Symbols)
                .Select(s => s.Tick is { } tick ? MessageDeclaration.Read(tick, index.Symbols)?.Subject : null)
                .OfType<string>()
                .ToList();
            List<KeyValuePair<string, string>> lifecycle = declaration is null ? [] : declaration.Attribute.NamedArguments
                .Where(static n => n.Key is "OnCompleted" or "OnFailed" or "OnEscalated" or "OnTimedOut" && n.Value.Value is string)
                .Select(static n => new KeyValuePair<string, string>(n.Key, (string)n.Value.Value!))
                .ToList();
            return new CheckFlow(declaration?.Id ?? name, declaration?.State.ToDisplayString() ?? name, owner, null, ports, ticks)
            {
                Lifecycle = lifecycle,
                Reported = declaration is not null,
                IdDeclared = declaration?.Id is not null,
                Tag = declaration,
            };
        }

        // FLOW0038: a message on a flow's lifecycle event subject must read an ExecutionEvent; the
        // runtime publishes it, so, like a message code of the assembly creates, it is produced.
        var bySubject = new Dictionary<string, List<INamedTypeSymbol>>(StringComparer.Ordinal);
        var known = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var type in messages.Select(static m => m.Type).Concat(rules.SelectMany(static r => new[] { r.Rule.Input, r.Rule.Output })))
        {
            if (type is not null && known.Add(type) && MessageDeclaration.Read(type, index.Symbols)?.Subject is { } subject)
            {
                if (!bySubject.TryGetValue(subject, out var types))
                {
                    bySubject[subject] = types = [];
                }

                types.Add(type);
            }
        }

        var producedByRuntime = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        EventMessages.Check(context, flows, messages, bySubject, producedByRuntime, cancellationToken);
        var sent = created.Keys.Concat(producedByRuntime).Select(t => MessageDeclaration.Read(t, index.Symbols)?.Subject).OfType<string>().ToList();
        var result = CrossFlowChecks.Run(new CheckInput(CheckScope.Compilation, owner, checkFlows, checkMessages) { Sent = sent });
        foreach (var issue in result.Issues)
        {
            var arguments = issue.Arguments.ToArray();
            switch (issue.Kind)
            {
                case CheckKind.DuplicateFlowId when issue.Tag is FlowDeclaration flow:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateFlowId, flow.Attribute.ConstructorArgumentLocation(0, cancellationToken), arguments));
                    break;
                case CheckKind.SubjectBoundToTwoTypes when issue.Tag is MessageDeclaration message:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateSubject, message.Attribute.ConstructorArgumentLocation(0, cancellationToken), arguments));
                    break;
                case CheckKind.LifecycleSubjectConflict when issue.Tag is FlowDeclaration flow:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LifecycleSubjectIsMessageSubject, flow.Attribute.NamedArgumentLocation((string)arguments[0], cancellationToken), arguments));
                    break;
                case CheckKind.OrphanedOutput or CheckKind.UnproducedInput when issue.Tag is RuleDeclaration rule:
                {
                    // At the first rule that publishes or takes the message, with the message's declaration
                    // (where the port is declared External) as the first additional location.
                    var output = issue.Kind == CheckKind.OrphanedOutput;
                    var type = output ? rule.Output! : rule.Input!;
                    var message = declared[type];
                    var declaration = message.Type.DeclarationLocation(message.Attribute, cancellationToken);
                    arguments[0] = message.Type.Name;
                    context.ReportDiagnostic(Diagnostic.Create(
                        output ? DiagnosticDescriptors.OutputPortWithoutConsumer : DiagnosticDescriptors.InputPortWithoutProducer,
                        RuleSite(rule, output, cancellationToken),
                        AdditionalLocations(declaration, issue.Related.OfType<RuleDeclaration>(), output, cancellationToken),
                        arguments));
                    break;
                }
            }
        }

        // FLOW0052: a schedule whose ticks no rule of its flow takes.
        foreach (var flow in flows)
        {
            foreach (var schedule in ScheduleDeclaration.ReadAll(flow.State, index.Symbols))
            {
                if (schedule.Tick is not { } tick)
                {
                    continue;
                }

                var flowName = SymbolExtensions.FlowName(flow, flow.State);
                if (!rules.Any(r => r.Flow == flowName && SymbolEqualityComparer.Default.Equals(r.Rule.Input, tick)))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.ScheduleTickWithoutRule,
                        schedule.Attribute.TypeArgumentLocation(cancellationToken),
                        schedule.Name ?? "",
                        flowName,
                        tick.Name));
                }
            }
        }

        // FLOW0024: annotations, but nothing the generator turns into a flow.
        if (!flows.Any(static f => f.IsUsable))
        {
            var (symbol, what) =
                rulesClasses.Select(static r => ((ISymbol?)r, $"rules class '{r.Name}'")).FirstOrDefault() is ({ } r, var rw) ? (r, rw)
                : flows.Select(static f => ((ISymbol?)f.State, $"flow state class '{f.State.Name}'")).FirstOrDefault() is ({ } f, var fw) ? (f, fw)
                : messages.Where(static m => !m.IsExternal).Select(static m => ((ISymbol?)m.Type, $"message '{m.Type.Name}'")).FirstOrDefault();
            if (symbol is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.NoUsableFlow,
                    symbol.Locations.FirstOrDefault(static l => l.IsInSource) ?? Location.None,
                    context.Compilation.AssemblyName ?? "",
                    what));
            }
        }
    }
}
