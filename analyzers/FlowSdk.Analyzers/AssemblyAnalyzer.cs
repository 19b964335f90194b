using System.Collections.Concurrent;
using System.Collections.Immutable;
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
        DiagnosticDescriptors.EventMessageDoesNotMatch);

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
    private static IEnumerable<Location> AdditionalLocations(Location declaration, IEnumerable<RuleDeclaration> rules, RuleDeclaration reported, bool output, CancellationToken cancellationToken)
    {
        yield return declaration;
        foreach (var rule in rules)
        {
            if (!ReferenceEquals(rule, reported))
            {
                yield return RuleSite(rule, output, cancellationToken);
            }
        }
    }

    private static void Analyze(CompilationAnalysisContext context, FlowIndex index, ConcurrentDictionary<INamedTypeSymbol, bool> created)
    {
        var cancellationToken = context.CancellationToken;
        var flows = index.Flows;
        var messages = index.Messages;
        var rulesClasses = index.RulesClasses;

        // FLOW0018: one id, two flows.
        foreach (var group in flows.Where(static f => f.Id is not null).GroupBy(static f => f.Id!, StringComparer.Ordinal))
        {
            var declared = group.ToList();
            for (var i = 0; i < declared.Count && declared.Count > 1; i++)
            {
                var other = declared[i == 0 ? 1 : 0];
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateFlowId,
                    declared[i].Attribute.ConstructorArgumentLocation(0, cancellationToken),
                    group.Key,
                    declared[i].State.ToDisplayString(),
                    other.State.ToDisplayString()));
            }
        }

        // The rules of every rules class, with the flow they belong to.
        var rules = new List<(RuleDeclaration Rule, string Flow, bool IsTestFlow)>();
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
                rules.Add((rule, flowName, flow?.IsTestFlow == true));
            }
        }

        // FLOW0016: one subject, two message types. Message types of referenced assemblies that rules here use count too.
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

        foreach (var message in messages)
        {
            if (message.Subject is { } subject && bySubject[subject] is { Count: > 1 } types)
            {
                var other = types.First(t => !SymbolEqualityComparer.Default.Equals(t, message.Type));
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateSubject,
                    message.Attribute.ConstructorArgumentLocation(0, cancellationToken),
                    subject,
                    message.Type.ToDisplayString(),
                    other.ToDisplayString()));
            }
        }

        // FLOW0035: a lifecycle event published on a message type's subject.
        foreach (var flow in flows)
        {
            foreach (var named in flow.Attribute.NamedArguments)
            {
                if (named.Key is "OnCompleted" or "OnFailed" or "OnEscalated" or "OnTimedOut"
                    && named.Value.Value is string lifecycle
                    && bySubject.TryGetValue(lifecycle, out var carried))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.LifecycleSubjectIsMessageSubject,
                        flow.Attribute.NamedArgumentLocation(named.Key, cancellationToken),
                        named.Key,
                        lifecycle,
                        flow.DisplayName,
                        carried[0].ToDisplayString()));
                }
            }
        }

        // FLOW0052: a schedule whose ticks no rule of its flow takes. A schedule produces its tick
        // message, so a tick port is never an input without a producer (FLOW0023); nor is a message on
        // a flow's lifecycle event subject, which the runtime publishes.
        var ticks = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        EventMessages.Check(context, flows, messages, bySubject, ticks, cancellationToken);
        foreach (var flow in flows)
        {
            foreach (var schedule in ScheduleDeclaration.ReadAll(flow.State))
            {
                if (schedule.Tick is not { } tick)
                {
                    continue;
                }

                ticks.Add(tick.OriginalDefinition);
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

        // FLOW0022 / FLOW0023: ports of this assembly that nothing here consumes or produces, reported at
        // the first rule that publishes or takes the message, with the message's declaration (where the
        // port is declared External) as the first additional location. Rules of [TestFlow] flows are
        // fed and read by tests, so they are not reported.
        foreach (var message in messages)
        {
            if (message.IsExternal)
            {
                continue;
            }

            var consumers = rules.Where(r => SymbolEqualityComparer.Default.Equals(r.Rule.Input, message.Type)).ToList();
            var producers = rules.Where(r => SymbolEqualityComparer.Default.Equals(r.Rule.Output, message.Type)).ToList();
            var declaration = message.Type.DeclarationLocation(message.Attribute, cancellationToken);
            if (producers.Count > 0 && consumers.Count == 0 && producers.FirstOrDefault(static r => !r.IsTestFlow) is { Rule: { } producer } reported)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.OutputPortWithoutConsumer,
                    RuleSite(producer, output: true, cancellationToken),
                    AdditionalLocations(declaration, producers.Select(static r => r.Rule), producer, output: true, cancellationToken),
                    message.Type.Name,
                    message.Subject ?? "",
                    producer.Name,
                    reported.Flow));
            }
            else if (consumers.Count > 0 && producers.Count == 0 && !created.ContainsKey(message.Type) && !ticks.Contains(message.Type)
                && consumers.FirstOrDefault(static r => !r.IsTestFlow) is { Rule: { } consumer } taken)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InputPortWithoutProducer,
                    RuleSite(consumer, output: false, cancellationToken),
                    AdditionalLocations(declaration, consumers.Select(static r => r.Rule), consumer, output: false, cancellationToken),
                    message.Type.Name,
                    message.Subject ?? "",
                    consumer.Name,
                    taken.Flow));
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
