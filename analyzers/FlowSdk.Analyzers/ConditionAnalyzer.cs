using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace FlowSdk.Analyzers;

/// <summary>
/// Reports FLOW0021 where the body of a condition (a method a rule's <c>[When]</c> names) reads the
/// wall clock, random numbers or new GUIDs, or does file or network I/O: conditions are evaluated
/// again on every retry and must decide the same way each time. Only the condition's own body is
/// checked, not the methods it calls. Reports FLOW0031 where a condition writes to a member of the state
/// or the message it is given.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConditionAnalyzer : DiagnosticAnalyzer
{
    private const string TimeAdvice = "Take a RuleContext parameter and use its Now, or compare with a time the message or the state carries";
    private const string RandomAdvice = "Draw the value once, outside the condition, and carry it in the message or the state";
    private const string IoAdvice = "Do the I/O outside the flow, or in a rule, and carry its result in a message or the state";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.NondeterministicCondition, DiagnosticDescriptors.ConditionWrites);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            var sources = new NondeterminismSources(start.Compilation);
            start.RegisterSymbolStartAction(symbolStart => AnalyzeRulesClass(symbolStart, symbols, sources), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeRulesClass(SymbolStartAnalysisContext context, FlowSymbols symbols, NondeterminismSources sources)
    {
        var rulesClass = (INamedTypeSymbol)context.Symbol;
        if (rulesClass.RulesState(symbols) is not { } state)
        {
            return;
        }

        // The conditions of this class: the methods its rules' [When] attributes resolve to.
        var conditions = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var member in rulesClass.GetMembers())
        {
            if (member is IMethodSymbol method && RuleDeclaration.Read(method, state, symbols) is { Trigger: not RuleTrigger.Invalid } rule)
            {
                foreach (var (_, name) in rule.Conditions(symbols))
                {
                    if (ConditionResolver.Resolve(rulesClass, name, rule, state, symbols) is (ConditionLookup.Found, { } condition))
                    {
                        conditions.Add(condition);
                    }
                }
            }
        }

        if (conditions.Count == 0)
        {
            return;
        }

        var flowName = SymbolExtensions.FlowName(FlowDeclaration.Read(state, symbols), state);
        context.RegisterOperationAction(
            operationContext =>
            {
                if (operationContext.ContainingSymbol is IMethodSymbol method
                    && conditions.Contains(method)
                    && sources.Classify(operationContext.Operation) is { } found)
                {
                    operationContext.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.NondeterministicCondition,
                        operationContext.Operation.Syntax.GetLocation(),
                        method.Name,
                        flowName,
                        found.What,
                        found.Advice));
                }
            },
            OperationKind.PropertyReference,
            OperationKind.Invocation,
            OperationKind.ObjectCreation);

        // FLOW0031: a write to the state or the message the condition is given.
        context.RegisterOperationAction(
            operationContext =>
            {
                if (operationContext.ContainingSymbol is IMethodSymbol method
                    && conditions.Contains(method)
                    && WrittenMember(operationContext.Operation) is { } target)
                {
                    operationContext.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.ConditionWrites,
                        operationContext.Operation.Syntax.GetLocation(),
                        method.Name,
                        flowName,
                        "'" + target.Syntax + "'"));
                }
            },
            OperationKind.SimpleAssignment,
            OperationKind.CompoundAssignment,
            OperationKind.CoalesceAssignment,
            OperationKind.Increment,
            OperationKind.Decrement,
            OperationKind.Invocation);
    }

    /// <summary>Methods that change the collection they are called on.</summary>
    private static readonly string[] MutatingMethods =
    [
        "Add", "AddRange", "Clear", "Insert", "InsertRange", "Remove", "RemoveAll", "RemoveAt", "RemoveRange",
        "TryAdd", "TryRemove", "Enqueue", "Dequeue", "Push", "Pop", "Sort", "Reverse", "UnionWith", "ExceptWith", "IntersectWith",
    ];

    /// <summary>
    /// The member of a parameter (the state or the message) that <paramref name="operation"/> writes:
    /// an assignment, increment or decrement of one, or a call that changes a collection one holds;
    /// <see langword="null"/> when it writes none.
    /// </summary>
    private static IOperation? WrittenMember(IOperation operation)
    {
        var target = operation switch
        {
            IAssignmentOperation assignment => assignment.Target,
            IIncrementOrDecrementOperation increment => increment.Target,
            IInvocationOperation { TargetMethod: { IsStatic: false } called, Instance: { } instance }
                when Array.IndexOf(MutatingMethods, called.Name) >= 0 => instance,
            _ => null,
        };

        // A local or the parameter itself is the condition's own; a member reached from a parameter is not.
        return target is IMemberReferenceOperation or IArrayElementReferenceOperation && IsReachedFromParameter(target) ? target : null;
    }

    private static bool IsReachedFromParameter(IOperation? operation)
    {
        while (operation is not null)
        {
            switch (operation)
            {
                case IParameterReferenceOperation:
                    return true;
                case IMemberReferenceOperation { Instance: var instance }:
                    operation = instance;
                    break;
                case IArrayElementReferenceOperation { ArrayReference: var array }:
                    operation = array;
                    break;
                case IConversionOperation { Operand: var operand }:
                    operation = operand;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The APIs whose result differs from one call to the next.</summary>
    private sealed class NondeterminismSources
    {
        /// <summary>Types whose members (and whose subclasses' members) do file or network I/O.</summary>
        private static readonly string[] IoTypeNames =
        [
            "System.IO.File",
            "System.IO.Directory",
            "System.IO.FileSystemInfo",
            "System.IO.FileStream",
            "System.Net.Http.HttpMessageInvoker",
            "System.Net.Sockets.Socket",
            "System.Net.Dns",
        ];

        private readonly INamedTypeSymbol? _dateTime;
        private readonly INamedTypeSymbol? _dateTimeOffset;
        private readonly INamedTypeSymbol? _environment;
        private readonly INamedTypeSymbol? _guid;
        private readonly INamedTypeSymbol? _random;
        private readonly INamedTypeSymbol? _randomNumberGenerator;
        private readonly INamedTypeSymbol? _stopwatch;
        private readonly INamedTypeSymbol? _timeProvider;
        private readonly ImmutableArray<INamedTypeSymbol> _io;

        public NondeterminismSources(Compilation compilation)
        {
            _dateTime = compilation.GetSpecialType(SpecialType.System_DateTime);
            _dateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
            _environment = compilation.GetTypeByMetadataName("System.Environment");
            _guid = compilation.GetTypeByMetadataName("System.Guid");
            _random = compilation.GetTypeByMetadataName("System.Random");
            _randomNumberGenerator = compilation.GetTypeByMetadataName("System.Security.Cryptography.RandomNumberGenerator");
            _stopwatch = compilation.GetTypeByMetadataName("System.Diagnostics.Stopwatch");
            _timeProvider = compilation.GetTypeByMetadataName("System.TimeProvider");
            _io = IoTypeNames
            .Select(compilation.GetTypeByMetadataName)
            .Where(static t => t is not null)
            .Select(static t => t!)
            .ToImmutableArray();
        }

        /// <summary>What <paramref name="operation"/> reads and what to do instead, or <see langword="null"/> when it is deterministic.</summary>
        public (string What, string Advice)? Classify(IOperation operation)
        {
            switch (operation)
            {
                case IPropertyReferenceOperation { Property: var property }:
                    var owner = property.ContainingType;
                    if ((Is(owner, _dateTime) && property.Name is "Now" or "UtcNow" or "Today")
                        || (Is(owner, _dateTimeOffset) && property.Name is "Now" or "UtcNow")
                        || (Is(owner, _environment) && property.Name is "TickCount" or "TickCount64")
                        || (Is(owner, _timeProvider) && property.Name == "System"))
                    {
                        return (owner.Name + "." + property.Name, TimeAdvice);
                    }

                    if (Is(owner, _random) && property.Name == "Shared")
                    {
                        return ("Random.Shared", RandomAdvice);
                    }

                    return null;

                case IInvocationOperation { TargetMethod: var method } invocation:
                    // Random.Shared.Next() or TimeProvider.System.GetUtcNow(): the receiver is already reported.
                    if (invocation.Instance is { } instance && Classify(Unwrap(instance)) is not null)
                    {
                        return null;
                    }

                    var type = method.ContainingType;
                    var call = type.Name + "." + method.Name + "()";
                    if ((Is(type, _guid) && method.Name is "NewGuid" or "CreateVersion7") || DerivesFrom(type, _random) || Is(type, _randomNumberGenerator))
                    {
                        return (call, RandomAdvice);
                    }

                    if ((Is(type, _stopwatch) && method.IsStatic) || DerivesFrom(type, _timeProvider))
                    {
                        return (call, TimeAdvice);
                    }

                    return IsIo(type) ? (call, IoAdvice) : null;

                case IObjectCreationOperation { Type: INamedTypeSymbol created }:
                    if (DerivesFrom(created, _random))
                    {
                        return ("new " + created.Name + "()", RandomAdvice);
                    }

                    return IsIo(created) ? ("new " + created.Name + "()", IoAdvice) : null;

                default:
                    return null;
            }
        }

        private static IOperation Unwrap(IOperation operation) =>
            operation is IConversionOperation { Operand: var operand } ? Unwrap(operand) : operation;

        private bool IsIo(INamedTypeSymbol type)
        {
            foreach (var io in _io)
            {
                if (DerivesFrom(type, io))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Is(INamedTypeSymbol? type, INamedTypeSymbol? expected) =>
            expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

        private static bool DerivesFrom(INamedTypeSymbol? type, INamedTypeSymbol? expected)
        {
            for (var t = type; t is not null; t = t.BaseType)
            {
                if (Is(t, expected))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
