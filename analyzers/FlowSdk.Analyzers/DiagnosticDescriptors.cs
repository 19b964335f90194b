using FlowSdk.Common;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers;

/// <summary>
/// Every diagnostic FlowSdk's analyzers report. IDs are written out here, once, and never reused;
/// each has a page under <c>docs/diagnostics/</c> and a line in <c>AnalyzerReleases.*.md</c>.
/// </summary>
public static class DiagnosticDescriptors
{
    /// <summary>The category of every FlowSdk diagnostic.</summary>
    public const string Category = "FlowSdk.Usage";

    /// <summary>A class marked <c>[Flow&lt;TPhase&gt;]</c> is not <c>partial</c>.</summary>
    public const string FlowStateNotPartialId = "FLOW0001";

    /// <summary>A class marked <c>[Rules&lt;TState&gt;]</c> is not <c>static partial</c>.</summary>
    public const string RulesClassNotStaticPartialId = "FLOW0002";

    /// <summary>A <c>[Rule]</c> method is not <c>static</c>, or is declared outside a <c>[Rules&lt;TState&gt;]</c> class.</summary>
    public const string InvalidRuleMethodId = "FLOW0003";

    /// <summary>A rule's parameters are not <c>(TState, TMessage)</c>, <c>(TMessage)</c> or <c>(TState)</c> (each optionally followed by a <c>RuleContext</c>), or the rule is generic.</summary>
    public const string InvalidRuleParametersId = "FLOW0004";

    /// <summary>A rule returns something other than <see langword="void"/> or a <c>[Message]</c> type.</summary>
    public const string InvalidRuleReturnTypeId = "FLOW0005";

    /// <summary>The <c>TState</c> of a <c>[Rules&lt;TState&gt;]</c> class is not a <c>[Flow]</c> class.</summary>
    public const string UnknownFlowId = "FLOW0006";

    /// <summary>A flow state class, rules class or message type has a shape the generator cannot use (nested, generic, no usable constructor).</summary>
    public const string UnsupportedDeclarationId = "FLOW0007";

    /// <summary>A rule's <c>From</c> or <c>To</c> is not a member of the flow's phase enum.</summary>
    public const string UnknownPhaseId = "FLOW0008";

    /// <summary>A rule's <c>From</c> is a terminal phase.</summary>
    public const string TransitionFromTerminalPhaseId = "FLOW0009";

    /// <summary>A phase cannot be reached from the initial phase.</summary>
    public const string UnreachablePhaseId = "FLOW0010";

    /// <summary>A non-terminal phase has no rule that leaves it.</summary>
    public const string PhaseWithoutExitId = "FLOW0011";

    /// <summary>A flow has no rule that can create an execution.</summary>
    public const string NoStartRuleId = "FLOW0012";

    /// <summary>A <c>[When]</c> names no method, or one without a condition's signature.</summary>
    public const string InvalidConditionId = "FLOW0013";

    /// <summary>A flow whose rules can loop sets no <c>MaxIterations</c>.</summary>
    public const string LoopWithoutMaxIterationsId = "FLOW0014";

    /// <summary>A subject is not valid subject syntax.</summary>
    public const string InvalidSubjectId = "FLOW0015";

    /// <summary>Two message types are bound to one subject.</summary>
    public const string DuplicateSubjectId = "FLOW0016";

    /// <summary>A message has no <c>[CorrelationKey]</c> where a rule needs one, or more than one.</summary>
    public const string CorrelationKeyId = "FLOW0017";

    /// <summary>Two flows in the assembly have the same id.</summary>
    public const string DuplicateFlowIdId = "FLOW0018";

    /// <summary>A flow id is not valid flow id syntax.</summary>
    public const string InvalidFlowIdId = "FLOW0019";

    /// <summary>Two rules of one flow have the same name.</summary>
    public const string DuplicateRuleNameId = "FLOW0020";

    /// <summary>A condition reads the clock, random numbers, new GUIDs or does I/O.</summary>
    public const string NondeterministicConditionId = "FLOW0021";

    /// <summary>A message a rule publishes is consumed by no rule and not declared external.</summary>
    public const string OutputPortWithoutConsumerId = "FLOW0022";

    /// <summary>A message a rule takes is produced by nothing in the assembly and not declared external.</summary>
    public const string InputPortWithoutProducerId = "FLOW0023";

    /// <summary>An assembly uses FlowSdk's attributes but declares no flow the generator can use.</summary>
    public const string NoUsableFlowId = "FLOW0024";

    /// <summary>A state-triggered rule can trigger itself again with its own state write.</summary>
    public const string StateRuleRetriggersItselfId = "FLOW0025";

    /// <summary>A <c>Timeout</c> or <c>Cooldown</c> is not a positive duration.</summary>
    public const string InvalidDurationId = "FLOW0026";

    /// <summary>A publish-and-await rule does not return a request the runtime can give a task id.</summary>
    public const string AwaitReplyWithoutTaskIdId = "FLOW0027";

    /// <summary>A publish-and-await rule's flow has no rule that takes a reply.</summary>
    public const string AwaitReplyWithoutReplyRuleId = "FLOW0028";


    /// <summary>A rule is <c>async</c> or returns a task: the runtime does not await it.</summary>
    public const string AsyncRuleId = "FLOW0029";

    /// <summary>A member of a flow state would not survive the state's serialization round trip.</summary>
    public const string StateMemberNotRoundTrippedId = "FLOW0030";

    /// <summary>A condition writes to the state or the message it is given.</summary>
    public const string ConditionWritesId = "FLOW0031";

    /// <summary>A correlation key's type does not turn into a valid execution id.</summary>
    public const string CorrelationKeyTypeId = "FLOW0032";

    /// <summary>A rule without a state parameter sets what only a rule with an execution can use.</summary>
    public const string StatelessRuleActsOnExecutionId = "FLOW0033";

    /// <summary>A reply rule fires in another phase than the one the awaiting rule parks the execution in.</summary>
    public const string ReplyRulePhaseId = "FLOW0034";

    /// <summary>A flow's lifecycle subject is the subject of a message type.</summary>
    public const string LifecycleSubjectIsMessageSubjectId = "FLOW0035";

    /// <summary>A <c>MaxIterations</c> or <c>MaxFirings</c> written out as 0 or less.</summary>
    public const string InvalidLimitId = "FLOW0036";

    /// <summary>User code calls <c>RuleContext.Request</c>, which only the generated dispatch may call.</summary>
    public const string RequestCalledByUserCodeId = "FLOW0037";

    /// <summary>A message type on a flow's lifecycle event subject does not read an <c>ExecutionEvent</c>.</summary>
    public const string EventMessageDoesNotMatchId = "FLOW0038";

    /// <summary>A schedule's <c>Cron</c> is not a valid cron expression.</summary>
    public const string InvalidCronId = "FLOW0050";

    /// <summary>A schedule is invalid: its name, neither or both of <c>Every</c> and <c>Cron</c>, its interval, policy or catch-up bound, or a name used twice in one flow.</summary>
    public const string InvalidScheduleId = "FLOW0051";

    /// <summary>The ID of <see cref="ScheduleTickWithoutRule"/>.</summary>
    public const string ScheduleTickWithoutRuleId = "FLOW0052";

    /// <summary>The ID of <see cref="ApprovalWithoutRejectedPath"/>.</summary>
    public const string ApprovalWithoutRejectedPathId = "FLOW0053";

    /// <summary>The ID of <see cref="ApprovalOnWrongTrigger"/>.</summary>
    public const string ApprovalOnWrongTriggerId = "FLOW0054";

    /// <summary>The ID of <see cref="InvalidFanOut"/>.</summary>
    public const string InvalidFanOutId = "FLOW0055";

    /// <summary>The ID of <see cref="FanOutChildWithoutResult"/>.</summary>
    public const string FanOutChildWithoutResultId = "FLOW0056";

    /// <summary>The ID of <see cref="FanOutInputStartsNoChild"/>.</summary>
    public const string FanOutInputStartsNoChildId = "FLOW0057";

    /// <summary>The ID of <see cref="EventPrefixShared"/>.</summary>
    public const string EventPrefixSharedId = "FLOW0058";

    /// <summary>The ID of <see cref="ScheduleTickTakenByAnotherFlow"/>.</summary>
    public const string ScheduleTickTakenByAnotherFlowId = "FLOW0059";

    /// <summary>FLOW0001. Arguments: the flow state class.</summary>
    public static readonly DiagnosticDescriptor FlowStateNotPartial = new(
        id: FlowStateNotPartialId,
        title: "Flow state class must be partial",
        messageFormat: "Flow state class '{0}' must be partial: the generator adds the execution bookkeeping to it. Add the 'partial' modifier.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A class marked [Flow<TPhase>] is the state of a flow. The generator adds the execution bookkeeping (Id, Phase, Status, Iteration, timestamps and Timeline) to it, which needs the class to be partial.",
        helpLinkUri: HelpLink(FlowStateNotPartialId));

    /// <summary>FLOW0002. Arguments: the rules class, the flow state class it names, the missing modifiers.</summary>
    public static readonly DiagnosticDescriptor RulesClassNotStaticPartial = new(
        id: RulesClassNotStaticPartialId,
        title: "Rules class must be static partial",
        messageFormat: "Rules class '{0}' of flow state '{1}' must be static partial: the generator adds the rule dispatch to it. Add the missing {2}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A class marked [Rules<TState>] holds the rules of a flow as static methods. The generator adds the rule dispatch to it, which needs the class to be static and partial.",
        helpLinkUri: HelpLink(RulesClassNotStaticPartialId));

    /// <summary>FLOW0003, when the rule is an instance method. Arguments: the method, its class.</summary>
    public static readonly DiagnosticDescriptor RuleMethodNotStatic = new(
        id: InvalidRuleMethodId,
        title: "Rule method must be static",
        messageFormat: "Rule method '{0}' of '{1}' must be static: the flow's state and message are its parameters and the generated dispatch calls it without an instance. Add the 'static' modifier.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked [Rule] is a rule of a flow: a static method of a static partial class marked [Rules<TState>]. The generated dispatch calls it without an instance.",
        helpLinkUri: HelpLink(InvalidRuleMethodId));

    /// <summary>FLOW0003, when the rule's class is not a rules class. Arguments: the method, its class.</summary>
    public static readonly DiagnosticDescriptor RuleMethodOutsideRulesClass = new(
        id: InvalidRuleMethodId,
        title: "Rule method must be declared in a rules class",
        messageFormat: "Rule method '{0}' is declared in '{1}', which is not marked [Rules<TState>]: it belongs to no flow and would never fire. Move it to the flow's rules class, or mark '{1}' with [Rules<TState>].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked [Rule] is a rule of a flow: a static method of a static partial class marked [Rules<TState>]. The rules class names the flow; a rule declared elsewhere belongs to no flow.",
        helpLinkUri: HelpLink(InvalidRuleMethodId));

    /// <summary>FLOW0004, when the parameters are no rule shape. Arguments: the rule, the flow, the parameter types, the state class.</summary>
    public static readonly DiagnosticDescriptor RuleParametersInvalid = new(
        id: InvalidRuleParametersId,
        title: "Rule parameters must be the flow's state and a message",
        messageFormat: "Rule '{0}' of flow '{1}' takes ({2}), which is not a rule's shape: a rule takes ({3} state, TMessage message), (TMessage message) or ({3} state), optionally followed by a RuleContext, where TMessage is a type marked [Message]. Change the parameters to one of these.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule's parameters choose its trigger: the flow's state and a message (message + state), a message (message only) or the state (state only), each optionally followed by a RuleContext. The generator skips a rule with other parameters, so it would never fire.",
        helpLinkUri: HelpLink(InvalidRuleParametersId));

    /// <summary>FLOW0004, when the message comes before the state. Arguments: the rule, the flow, the parameters as written, the parameters in the right order.</summary>
    public static readonly DiagnosticDescriptor RuleParametersSwapped = new(
        id: InvalidRuleParametersId,
        title: "Rule parameters must be the flow's state and a message",
        messageFormat: "Rule '{0}' of flow '{1}' takes ({2}): the state comes first. Swap the parameters: ({3}).",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A message + state rule takes the flow's state first and the message second. The generator skips a rule with its parameters the other way round, so it would never fire.",
        helpLinkUri: HelpLink(InvalidRuleParametersId));

    /// <summary>FLOW0004, when the rule is generic. Arguments: the rule, the flow.</summary>
    public static readonly DiagnosticDescriptor RuleMethodGeneric = new(
        id: InvalidRuleParametersId,
        title: "Rule parameters must be the flow's state and a message",
        messageFormat: "Rule '{0}' of flow '{1}' is generic: the generated dispatch calls it with the flow's state and message types. Remove its type parameters.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated dispatch calls each rule directly with concrete types. The generator skips a generic rule, so it would never fire.",
        helpLinkUri: HelpLink(InvalidRuleParametersId));

    /// <summary>FLOW0005. Arguments: the rule, the flow, the return type.</summary>
    public static readonly DiagnosticDescriptor RuleReturnTypeInvalid = new(
        id: InvalidRuleReturnTypeId,
        title: "Rule must return void or a message",
        messageFormat: "Rule '{0}' of flow '{1}' returns '{2}', which is not a message type: the runtime publishes what a rule returns on its message's subject. Return void, or a type marked [Message(\"subject\")].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule returns void, or the message it publishes: a type marked [Message]. The generator skips a rule with another return type, so it would never fire.",
        helpLinkUri: HelpLink(InvalidRuleReturnTypeId));

    /// <summary>FLOW0006. Arguments: the rules class, the type it names.</summary>
    public static readonly DiagnosticDescriptor RulesClassUnknownFlow = new(
        id: UnknownFlowId,
        title: "Rules class must name a flow state",
        messageFormat: "Rules class '{0}' names '{1}', which is not a flow state: its rules belong to no flow and would never fire. Mark '{1}' with [Flow<TPhase>(\"id\")], or name the flow's state class in [Rules<TState>].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The type argument of [Rules<TState>] names the flow whose rules the class holds: a class marked [Flow<TPhase>].",
        helpLinkUri: HelpLink(UnknownFlowId));

    /// <summary>FLOW0007, for a flow state class. Arguments: the class, the flow, what is wrong, what to do.</summary>
    public static readonly DiagnosticDescriptor FlowStateNotUsable = new(
        id: UnsupportedDeclarationId,
        title: "Declaration cannot be used by the generator",
        messageFormat: "Flow state class '{0}' of flow '{1}' {2}, so the generator skips the flow. {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds to a flow state class and creates its instances: it must be a top-level, non-generic, non-abstract class with a public parameterless constructor.",
        helpLinkUri: HelpLink(UnsupportedDeclarationId));

    /// <summary>FLOW0007, for a rules class. Arguments: the class, the flow, what is wrong, what to do.</summary>
    public static readonly DiagnosticDescriptor RulesClassNotUsable = new(
        id: UnsupportedDeclarationId,
        title: "Declaration cannot be used by the generator",
        messageFormat: "Rules class '{0}' of flow '{1}' {2}, so the generator skips its rules. {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the rule dispatch to a rules class: it must be a top-level, non-generic static partial class.",
        helpLinkUri: HelpLink(UnsupportedDeclarationId));

    /// <summary>FLOW0007, for a message type. Arguments: the type, its subject, what is wrong, what to do.</summary>
    public static readonly DiagnosticDescriptor MessageNotSerializable = new(
        id: UnsupportedDeclarationId,
        title: "Declaration cannot be used by the generator",
        messageFormat: "Message '{0}' ({1}) {2}, so the generator writes no serializer for it and sending it fails at run time. {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator writes a serializer for every message type: it must be non-generic, with a public constructor whose parameters each match a public property by name and type (or a public parameterless one).",
        helpLinkUri: HelpLink(UnsupportedDeclarationId));

    /// <summary>FLOW0008. Arguments: the rule, the flow, <c>From</c> or <c>To</c>, the argument as written, the phase enum, its members.</summary>
    public static readonly DiagnosticDescriptor PhaseNotInFlow = new(
        id: UnknownPhaseId,
        title: "Transition must name a phase of the flow",
        messageFormat: "Rule '{0}' of flow '{1}' has {2} = {3}, which is not a phase of the flow. Use a member of '{4}' ({5}).",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule's From and To name phases of its flow: members of the enum the flow's [Flow<TPhase>] attribute names. The generator skips a rule with any other value, so it would never fire.",
        helpLinkUri: HelpLink(UnknownPhaseId));

    /// <summary>FLOW0009. Arguments: the rule, the flow, the phase.</summary>
    public static readonly DiagnosticDescriptor TransitionFromTerminalPhase = new(
        id: TransitionFromTerminalPhaseId,
        title: "Rule cannot fire from a terminal phase",
        messageFormat: "Rule '{0}' of flow '{1}' fires From = {2}, a terminal phase: an execution in '{2}' has ended and no rule fires for it again. Start the rule from a non-terminal phase, or remove it.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An execution that enters a phase marked [TerminalPhase] is complete and never fires a rule again, so a rule whose From is a terminal phase can never fire.",
        helpLinkUri: HelpLink(TransitionFromTerminalPhaseId));

    /// <summary>FLOW0010. Arguments: the phase, the flow, the initial phase, the phase enum.</summary>
    public static readonly DiagnosticDescriptor UnreachablePhase = new(
        id: UnreachablePhaseId,
        title: "Phase is unreachable",
        messageFormat: "Phase '{0}' of flow '{1}' is unreachable: no sequence of rules moves an execution there from the initial phase '{2}'. Add a rule with To = {3}.{0} that fires in a reachable phase, or remove the phase.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Every execution starts in the first phase of the flow's phase enum and moves only by the To of its rules. A phase no chain of rules leads to is dead code, usually a missing or mistyped rule.",
        helpLinkUri: HelpLink(UnreachablePhaseId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0011. Arguments: the phase, the flow, the phase enum.</summary>
    public static readonly DiagnosticDescriptor PhaseWithoutExit = new(
        id: PhaseWithoutExitId,
        title: "Non-terminal phase has no way out",
        messageFormat: "Phase '{0}' of flow '{1}' has no way out: no rule moves an execution from it to another phase, so an execution that reaches it never ends. Add a rule with From = {2}.{0} and a To, or mark the phase [TerminalPhase].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An execution in a phase that is not terminal waits for a rule to move it on. When no rule fires in the phase with a To of another phase, the execution stays there until it times out.",
        helpLinkUri: HelpLink(PhaseWithoutExitId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0012. Arguments: the flow, the initial phase, the state class, the phase enum.</summary>
    public static readonly DiagnosticDescriptor NoStartRule = new(
        id: NoStartRuleId,
        title: "Flow has no rule that can start an execution",
        messageFormat: "Flow '{0}' has no rule that can start an execution: a new execution starts in '{1}', and only a rule that takes ({2} state, TMessage message) with From = {3}.{1} or no From creates one. Add such a rule.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An execution is created when a message + state rule fires for a correlation key that has no execution yet, in the initial phase (the first member of the phase enum). Without such a rule the flow never runs.",
        helpLinkUri: HelpLink(NoStartRuleId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0013, when no method has the name. Arguments: the condition, the rule, the flow, the rules class, the parameters a condition may take.</summary>
    public static readonly DiagnosticDescriptor ConditionMissing = new(
        id: InvalidConditionId,
        title: "Condition must name a condition method",
        messageFormat: "Condition '{0}' of rule '{1}' (flow '{2}') names no method of '{3}'. Declare 'static bool {0}({4})' in '{3}', or name an existing condition with nameof.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "[When] names a condition: a static bool method of the rule's class. The generator skips a rule whose condition it cannot find, so the rule would never fire.",
        helpLinkUri: HelpLink(InvalidConditionId));

    /// <summary>FLOW0013, when the method has the wrong signature. Arguments: the condition, the rule, the flow, the rules class, the parameter types a condition may take.</summary>
    public static readonly DiagnosticDescriptor ConditionWrongSignature = new(
        id: InvalidConditionId,
        title: "Condition must name a condition method",
        messageFormat: "Condition '{0}' of rule '{1}' (flow '{2}') has the wrong signature: a condition is a static, non-generic bool method of '{3}' whose parameters are each {4}. Change '{0}' to match.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A condition is a static, non-generic bool method of the rule's class whose parameters are each the flow's state (for a rule that has one), the rule's message (for a rule that has one) or a RuleContext. The generator skips a rule whose condition it cannot call.",
        helpLinkUri: HelpLink(InvalidConditionId));

    /// <summary>FLOW0014. Arguments: the rule, the flow, the phase it fires in, the phase it moves back to.</summary>
    public static readonly DiagnosticDescriptor LoopWithoutMaxIterations = new(
        id: LoopWithoutMaxIterationsId,
        title: "Flow that can loop needs MaxIterations",
        messageFormat: "Rule '{0}' of flow '{1}' moves an execution from '{2}' back to '{3}', a loop, but the flow sets no MaxIterations, so an execution can cycle forever. Set MaxIterations on the flow's [Flow] attribute.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A rule that moves an execution to the same or an earlier phase starts a new iteration. MaxIterations bounds them: the firing that would exceed it escalates the execution instead of cycling on.",
        helpLinkUri: HelpLink(LoopWithoutMaxIterationsId));

    /// <summary>FLOW0015. Arguments: the subject, what it belongs to, what is wrong.</summary>
    public static readonly DiagnosticDescriptor InvalidSubject = new(
        id: InvalidSubjectId,
        title: "Subject is not valid",
        messageFormat: "Subject '{0}' of {1} is not valid: {2}. Use dot-separated tokens without white space or wildcards, for example 'plans.submitted'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A subject is a list of non-empty tokens separated by dots, without white space. The wildcards '*' and '>' select subjects in a subscription; a message is published on one concrete subject.",
        helpLinkUri: HelpLink(InvalidSubjectId));

    /// <summary>FLOW0016. Arguments: the subject, the message type, the other message type.</summary>
    public static readonly DiagnosticDescriptor DuplicateSubject = new(
        id: DuplicateSubjectId,
        title: "Subject is bound to two message types",
        messageFormat: CrossFlowChecks.CompilationFormat(CheckKind.SubjectBoundToTwoTypes),
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatch finds a message's type, and the rules it may fire, by its subject, so each subject carries exactly one message type.",
        helpLinkUri: HelpLink(DuplicateSubjectId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0017, when a message+state rule's message has no key. Arguments: the rule, the flow, the message type.</summary>
    public static readonly DiagnosticDescriptor MessageWithoutCorrelationKey = new(
        id: CorrelationKeyId,
        title: "Message needs exactly one correlation key",
        messageFormat: "Rule '{0}' of flow '{1}' loads the execution by the correlation key of '{2}', but '{2}' has no public property marked [CorrelationKey]: the rule could never find its execution. Mark the property that holds the execution id with [CorrelationKey].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A message + state rule loads (or creates) the execution whose id is the value of the message's [CorrelationKey] property. A reply to a publish-and-await request names its execution by its [TaskId] property instead.",
        helpLinkUri: HelpLink(CorrelationKeyId));

    /// <summary>FLOW0017, when a message has several keys. Arguments: the message type, how many, their names.</summary>
    public static readonly DiagnosticDescriptor MessageWithSeveralCorrelationKeys = new(
        id: CorrelationKeyId,
        title: "Message needs exactly one correlation key",
        messageFormat: "Message '{0}' has {1} properties marked [CorrelationKey] ({2}): an execution id comes from exactly one. Keep [CorrelationKey] on the property that holds the execution id.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The execution a message belongs to is named by one property. With several marked, which one names the execution would depend on declaration order.",
        helpLinkUri: HelpLink(CorrelationKeyId));

    /// <summary>FLOW0018. Arguments: the flow id, the state class, the other state class.</summary>
    public static readonly DiagnosticDescriptor DuplicateFlowId = new(
        id: DuplicateFlowIdId,
        title: "Flow id is declared twice",
        messageFormat: CrossFlowChecks.CompilationFormat(CheckKind.DuplicateFlowId),
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A flow id is part of the flow's state keys, lifecycle subjects, deployment records, logs and CLI commands. Two flows with one id would share all of them.",
        helpLinkUri: HelpLink(DuplicateFlowIdId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0019. Arguments: the id, the state class, what is wrong.</summary>
    public static readonly DiagnosticDescriptor InvalidFlowId = new(
        id: InvalidFlowIdId,
        title: "Flow id is not valid",
        messageFormat: "Flow id '{0}' of '{1}' is not valid: {2}. Use lowercase letters, digits and dashes, starting with a letter or digit, for example 'plan-review'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A flow id becomes part of subjects and state keys, so it is made of lowercase letters, digits and dashes. The runtime refuses to start a flow with another id.",
        helpLinkUri: HelpLink(InvalidFlowIdId));

    /// <summary>FLOW0020. Arguments: the flow, the rule name, the first rule's class, this rule's class.</summary>
    public static readonly DiagnosticDescriptor DuplicateRuleName = new(
        id: DuplicateRuleNameId,
        title: "Rule name is used twice in one flow",
        messageFormat: "Flow '{0}' already has a rule named '{1}' (in '{2}'): a rule's name identifies it in the timeline, its firing counters and the graph. Rename this rule in '{3}'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule is named by its method. Rules of one flow, across all its rules classes, need distinct names, or their timeline entries, cooldowns and firing counts mix.",
        helpLinkUri: HelpLink(DuplicateRuleNameId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0021. Arguments: the condition, the flow, what it reads, what to do instead.</summary>
    public static readonly DiagnosticDescriptor NondeterministicCondition = new(
        id: NondeterministicConditionId,
        title: "Condition must be deterministic",
        messageFormat: "Condition '{0}' of flow '{1}' reads {2}: conditions are evaluated again whenever an event is retried, so they must give the same answer for the same state and message. {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The runtime re-evaluates conditions when a state write conflicts or an event is redelivered. A condition that reads the clock, random numbers or new GUIDs, or does I/O, can decide differently each time.",
        helpLinkUri: HelpLink(NondeterministicConditionId));

    /// <summary>FLOW0022. Arguments: the message type, its subject, the rule that publishes it, its flow.</summary>
    public static readonly DiagnosticDescriptor OutputPortWithoutConsumer = new(
        id: OutputPortWithoutConsumerId,
        title: "Output port has no consumer",
        messageFormat: CrossFlowChecks.CompilationFormat(CheckKind.OrphanedOutput),
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A message a rule publishes is an output port. When no rule takes it and it is not declared external, it is published to nobody: usually a missing rule or a mistyped message type.",
        helpLinkUri: HelpLink(OutputPortWithoutConsumerId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0023. Arguments: the message type, its subject, the rule that takes it, its flow.</summary>
    public static readonly DiagnosticDescriptor InputPortWithoutProducer = new(
        id: InputPortWithoutProducerId,
        title: "Input port has no producer",
        messageFormat: CrossFlowChecks.CompilationFormat(CheckKind.UnproducedInput),
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A message a rule takes is an input port. When no rule returns it, no code in the assembly creates one and it is not declared external, the rule can never fire.",
        helpLinkUri: HelpLink(InputPortWithoutProducerId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0024. Arguments: the assembly, what it declares.</summary>
    public static readonly DiagnosticDescriptor NoUsableFlow = new(
        id: NoUsableFlowId,
        title: "Assembly declares no flow the generator can use",
        messageFormat: "Assembly '{0}' declares {1} but no flow the generator can use, so no flow is generated. Declare a partial class marked [Flow<TPhase>(\"id\")] and fix the errors reported on it, or declare messages this assembly only shares with others External = true.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An assembly that annotates rules or messages expects the generator to turn them into flows. When it declares no [Flow] class the generator can use, nothing runs them; this says so instead of generating nothing in silence.",
        helpLinkUri: HelpLink(NoUsableFlowId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0025. Arguments: the rule, the flow, why it fires again.</summary>
    public static readonly DiagnosticDescriptor StateRuleRetriggersItself = new(
        id: StateRuleRetriggersItselfId,
        title: "State-triggered rule triggers itself",
        messageFormat: "State-triggered rule '{0}' of flow '{1}' {2}, so its own state write triggers it again. Give it a To that leaves the phase it fires in, or a condition its firing makes false.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A rule that takes only the state fires on every committed change of an execution's state, its own included. Unless its firing moves the execution to a phase it does not fire in, it fires again and again until the runtime's chain limit stops it.",
        helpLinkUri: HelpLink(StateRuleRetriggersItselfId));

    /// <summary>FLOW0026. Arguments: the property, the text, what it belongs to, what the generator skips.</summary>
    public static readonly DiagnosticDescriptor InvalidDuration = new(
        id: InvalidDurationId,
        title: "Duration is not valid",
        messageFormat: "{0} = \"{1}\" of {2} is not a positive duration, so the generator skips {3}. Write a TimeSpan greater than zero, such as \"00:10:00\" (ten minutes) or \"1.00:00:00\" (one day).",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Timeout and Cooldown are TimeSpan values written as strings in the invariant culture ([d.]hh:mm[:ss[.fffffff]]) and must be greater than zero. The generator skips a flow or rule whose duration it cannot read.",
        helpLinkUri: HelpLink(InvalidDurationId));

    /// <summary>FLOW0027. Arguments: the rule, the flow, what is wrong, what to do.</summary>
    public static readonly DiagnosticDescriptor AwaitReplyWithoutTaskId = new(
        id: AwaitReplyWithoutTaskIdId,
        title: "Publish-and-await rule must return a request with a task id",
        messageFormat: "Rule '{0}' of flow '{1}' publishes and awaits a reply (AwaitReply = true), but {2}: the runtime could not give the request a task id, so the generator skips the rule. {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule with AwaitReply = true returns the request it publishes. The runtime writes a task id into the request's string property marked [TaskId] (settable, or init-only on a record or struct) and parks the execution until the reply carrying that task id arrives.",
        helpLinkUri: HelpLink(AwaitReplyWithoutTaskIdId));

    /// <summary>FLOW0028. Arguments: the rule, the flow, the request type.</summary>
    public static readonly DiagnosticDescriptor AwaitReplyWithoutReplyRule = new(
        id: AwaitReplyWithoutReplyRuleId,
        title: "Publish-and-await rule needs a rule that takes the reply",
        messageFormat: "Rule '{0}' of flow '{1}' publishes '{2}' and parks the execution until a reply arrives, but no rule of the flow takes a reply (a message with a [TaskId] property, with the flow's state): the execution would wait forever. Add the rule that handles the reply.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "While an execution waits for the reply to a request, only a message carrying the request's task id fires its rules. A flow that awaits replies needs a message + state rule whose message has a [TaskId] property.",
        helpLinkUri: HelpLink(AwaitReplyWithoutReplyRuleId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0007, for a member of a flow state class the generator adds too. Arguments: the class, the flow, the member, the members the generator adds.</summary>
    public static readonly DiagnosticDescriptor FlowStateMemberReserved = new(
        id: UnsupportedDeclarationId,
        title: "Declaration cannot be used by the generator",
        messageFormat: "Flow state class '{0}' of flow '{1}' declares '{2}', a name the generator gives to the execution bookkeeping it adds to every flow state ({3}), so the generator skips the flow. Rename '{2}'; the execution id is the generated 'Id'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the execution bookkeeping (Id, Phase, Status, StatusReason, Iteration, CreatedAt, UpdatedAt, Timeline) and a nested FlowFormatter to every flow state class, and a static class <State>Flow beside it. A member or type of the same name would be declared twice.",
        helpLinkUri: HelpLink(UnsupportedDeclarationId));

    /// <summary>FLOW0007, for a phase enum without members. Arguments: the flow, the enum.</summary>
    public static readonly DiagnosticDescriptor PhaseEnumEmpty = new(
        id: UnsupportedDeclarationId,
        title: "Declaration cannot be used by the generator",
        messageFormat: "Flow '{0}' has phase enum '{1}', which has no members: a new execution starts in the first phase, so the generator skips the flow. Declare the phases in '{1}', the initial one first.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A flow's phases are the members of the enum its [Flow<TPhase>] attribute names; an execution starts in the first. The runtime refuses a flow without phases.",
        helpLinkUri: HelpLink(UnsupportedDeclarationId));

    /// <summary>FLOW0026, when a duration parses but reads as something other than it seems. Arguments: the property, the text, what it belongs to, what it reads as, the full form of that, an alternative reading's full form.</summary>
    public static readonly DiagnosticDescriptor AmbiguousDuration = new(
        id: InvalidDurationId,
        title: "Duration is not valid",
        messageFormat: "{0} = \"{1}\" of {2} reads as {3}, which is easy to mistake for another duration. Write every part, [d.]hh:mm:ss: \"{4}\" for {3}, or, for example, \"{5}\".",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A TimeSpan string without seconds means something other than it seems: \"10\" is ten days and \"00:05\" five minutes (hh:mm), not five seconds. Timeout and Cooldown are written with hours, minutes and seconds, and days before a dot when needed.",
        helpLinkUri: HelpLink(InvalidDurationId));

    /// <summary>FLOW0029. Arguments: the rule, the flow, what it does.</summary>
    public static readonly DiagnosticDescriptor AsyncRule = new(
        id: AsyncRuleId,
        title: "Rule must be synchronous",
        messageFormat: "Rule '{0}' of flow '{1}' {2}: the runtime calls a rule and commits its state change as soon as it returns, so what runs after an await is lost or races the next event. Make the rule synchronous; do asynchronous work outside the flow, or in a service a published message reaches, and feed its result back as a message.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule is a synchronous decision on the state and the message. The runtime does not await it: an async void rule returns at its first await, and a rule that returns a task publishes nothing.",
        helpLinkUri: HelpLink(AsyncRuleId));

    /// <summary>FLOW0030. Arguments: the member, the state class, the flow, why, what to do.</summary>
    public static readonly DiagnosticDescriptor StateMemberNotRoundTripped = new(
        id: StateMemberNotRoundTrippedId,
        title: "State member would not survive a round trip",
        messageFormat: "Member '{0}' of flow state '{1}' (flow '{2}') {3}, so what a rule writes to it is lost when the state is stored and read back. {4}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An execution's state is serialized after every firing and read back before the next, on any host. The generated formatter writes the public properties and fields it can set again: a get-only property, a field or property it cannot set, or a get-only collection filled with Add comes back empty or as its initial value.",
        helpLinkUri: HelpLink(StateMemberNotRoundTrippedId));

    /// <summary>FLOW0031. Arguments: the condition, the flow, what it writes.</summary>
    public static readonly DiagnosticDescriptor ConditionWrites = new(
        id: ConditionWritesId,
        title: "Condition must not write to the state or the message",
        messageFormat: "Condition '{0}' of flow '{1}' writes to {2}: a condition decides whether a rule fires and is evaluated for rules that do not fire, again on every retry, so the write happens when no rule fired and is lost or repeated. Move the write into the rule.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Conditions are evaluated in declaration order for every rule that may fire, and again when a state write conflicts or an event is redelivered. A write in a condition changes the state without a firing, without a timeline entry, and possibly many times.",
        helpLinkUri: HelpLink(ConditionWritesId));

    /// <summary>FLOW0032. Arguments: the property, the message, its type.</summary>
    public static readonly DiagnosticDescriptor CorrelationKeyType = new(
        id: CorrelationKeyTypeId,
        title: "Correlation key must be a string, an integer or a Guid",
        messageFormat: "Correlation key '{0}' of message '{1}' is a '{2}': the runtime turns the key into the execution id with ToString(), which for '{2}' is not a valid execution id (letters, digits, '-', '_' and '='), so every such message is rejected at run time. Make the key a string, an integer type or a Guid, for example the strongly typed id's underlying value.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The execution id is the correlation key's text. A string is used as it is; integers, Guids and enums are formatted in the invariant culture. Any other type, a strongly typed id record included, is formatted by its ToString(), which a record writes as '{ Value = ... }' and the runtime rejects.",
        helpLinkUri: HelpLink(CorrelationKeyTypeId));

    /// <summary>FLOW0033. Arguments: the rule, the flow, what it sets, what happens to it, the state class.</summary>
    public static readonly DiagnosticDescriptor StatelessRuleActsOnExecution = new(
        id: StatelessRuleActsOnExecutionId,
        title: "Rule without the state cannot act on an execution",
        messageFormat: "Rule '{0}' of flow '{1}' takes no state, so it runs for no execution, yet it {2}, which {3}. Take the flow's state as the rule's first parameter ({4} state, ...), or remove it.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A rule that takes only a message runs for no execution: it has no phase to check or change, no firing counters for Cooldown and MaxFirings, nothing to park for a reply, and nothing to complete, fail or escalate.",
        helpLinkUri: HelpLink(StatelessRuleActsOnExecutionId));

    /// <summary>FLOW0034. Arguments: the reply rule, the flow, its From, the awaiting rule, the phase it parks in, the request.</summary>
    public static readonly DiagnosticDescriptor ReplyRulePhase = new(
        id: ReplyRulePhaseId,
        title: "Reply rule must fire in the phase the request waits in",
        messageFormat: "Rule '{0}' of flow '{1}' takes the reply to '{5}' but fires From = {2}, while rule '{3}' publishes that request and parks the execution in '{4}': the reply finds the execution in '{4}', the rule never fires, and the execution waits forever. Set From = {4} on '{0}', or the To of '{3}' to {2}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A publish-and-await rule moves the execution to its To (or keeps its phase) and parks it until the reply arrives. Only the reply's rules fire meanwhile, and only in the phase the execution waits in.",
        helpLinkUri: HelpLink(ReplyRulePhaseId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0035. Arguments: the lifecycle property, the subject, the flow, the message type.</summary>
    public static readonly DiagnosticDescriptor LifecycleSubjectIsMessageSubject = new(
        id: LifecycleSubjectIsMessageSubjectId,
        title: "Lifecycle subject is a message's subject",
        messageFormat: CrossFlowChecks.CompilationFormat(CheckKind.LifecycleSubjectConflict),
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Each subject carries one message type. A flow's OnCompleted, OnFailed, OnEscalated and OnTimedOut subjects carry ExecutionEnded events; a message type on the same subject would receive them and fail to decode.",
        helpLinkUri: HelpLink(LifecycleSubjectIsMessageSubjectId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0036. Arguments: the property, the value, what it belongs to, what the value means.</summary>
    public static readonly DiagnosticDescriptor InvalidLimit = new(
        id: InvalidLimitId,
        title: "Limit must be a positive number",
        messageFormat: "{0} = {1} of {2} {3}. Set a limit of 1 or more, or leave {0} out for no limit.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "MaxIterations and MaxFirings are limits of 1 or more. Left out, there is no limit; 0 written out means the same, which reads as 'never'; a negative value is refused by the runtime when the flow is loaded.",
        helpLinkUri: HelpLink(InvalidLimitId));

    /// <summary>FLOW0037. No arguments.</summary>
    public static readonly DiagnosticDescriptor RequestCalledByUserCode = new(
        id: RequestCalledByUserCodeId,
        title: "RuleContext.Request is called by the generated code only",
        messageFormat: "RuleContext.Request publishes the request a publish-and-await rule returns and is called by the generated code: called here, it throws at run time (a rule without AwaitReply = true has no task id to give, and one with it would publish a second request). Return the request from a rule declared with [Rule(AwaitReply = true)], or publish the message with context.Publish.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A publish-and-await rule returns its request; the generated dispatch gives it the task id and parks the execution. RuleContext.Request is public for that code only, and throws when a rule calls it.",
        helpLinkUri: HelpLink(RequestCalledByUserCodeId));

    /// <summary>FLOW0050. Arguments: the schedule, the flow, the cron text, what is wrong.</summary>
    public static readonly DiagnosticDescriptor InvalidCron = new(
        id: InvalidCronId,
        title: "Schedule's cron expression is not valid",
        messageFormat: "Schedule '{0}' of flow '{1}': Cron = \"{2}\" is not a valid cron expression: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A schedule's Cron is read with Cronos when the flow is loaded: five fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @daily. Text it cannot read would stop the flow from loading, so it is an error at compile time.",
        helpLinkUri: HelpLink(InvalidCronId));

    /// <summary>FLOW0051. Arguments: the schedule, the flow, what is wrong.</summary>
    public static readonly DiagnosticDescriptor InvalidSchedule = new(
        id: InvalidScheduleId,
        title: "Schedule is not valid",
        messageFormat: "Schedule '{0}' of flow '{1}' is not valid: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A schedule has a name unique in its flow (lowercase letters, digits and dashes), exactly one of Every (an interval written [d.]hh:mm:ss) and Cron, a MissedTickPolicy and a MaxCatchUp of 1 or more. The runtime refuses anything else when the flow is loaded.",
        helpLinkUri: HelpLink(InvalidScheduleId));

    /// <summary>FLOW0052. Arguments: the schedule, the flow, the tick message type.</summary>
    public static readonly DiagnosticDescriptor ScheduleTickWithoutRule = new(
        id: ScheduleTickWithoutRuleId,
        title: "Schedule's tick message has no rule",
        messageFormat: "Schedule '{0}' of flow '{1}' sends {2} ticks, but no rule of the flow takes a {2}: the runtime refuses the flow when it loads. Add a rule that takes {2}, or remove the schedule.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A schedule's ticks arrive as its tick message on the flow's input. A flow none of whose rules takes that message would only ever dead-letter its ticks, so the runtime refuses the flow's definition when it loads; the analyzer says so at compile time.",
        helpLinkUri: HelpLink(ScheduleTickWithoutRuleId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0053. Arguments: the rule, the flow id.</summary>
    public static readonly DiagnosticDescriptor ApprovalWithoutRejectedPath = new(
        id: ApprovalWithoutRejectedPathId,
        title: "Approval rule has no path for the rejected case",
        messageFormat: "Rule '{0}' of flow '{1}' requires approval, but no rule of the flow reads LastApproval: when the rule is rejected (by a person, by the policy, or because its request expired) nothing takes the rejected path and the execution stays where it was. Add a rule whose condition reads LastApproval (for example LastApproval is {{ Approved: false }}).",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A rule that requires approval does not apply when it is rejected; the execution runs again in the same phase with LastApproval saying who rejected it and why. A flow none of whose rules reads LastApproval has no way to react: the execution waits for another message or its timeout. Rules whose declared policy is Approve are not reported.",
        helpLinkUri: HelpLink(ApprovalWithoutRejectedPathId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0054. Arguments: the rule, what triggers it.</summary>
    public static readonly DiagnosticDescriptor ApprovalOnWrongTrigger = new(
        id: ApprovalOnWrongTriggerId,
        title: "Only a rule triggered by a message and the execution can require approval",
        messageFormat: "Rule '{0}' is triggered by {1}, so it cannot require approval: approval keeps the message that triggered the rule and applies it to the execution once approved. Take the message and the state ((TState state, TMessage message)), or remove [RequiresApproval].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An approval request parks an execution with the message that made its rule fire, and applies that message to the execution when approved. A message-only rule has no execution to park, and a state-only rule no message to keep (it would ask again on every change). The generator leaves such a rule out.",
        helpLinkUri: HelpLink(ApprovalOnWrongTriggerId));

    /// <summary>FLOW0038. Arguments: the message type, the subject, the flow, what does not match.</summary>
    public static readonly DiagnosticDescriptor EventMessageDoesNotMatch = new(
        id: EventMessageDoesNotMatchId,
        title: "Message on a lifecycle event subject must read the event",
        messageFormat: "Message '{0}' is on '{1}', where flow '{2}' publishes its ExecutionEvents, but {3}. Declare only members of ExecutionEvent, with its types (for example string ExecutionId, ExecutionStatus Status, string? Reason, DateTimeOffset At), or give the message another subject.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A flow with [Flow(Events = \"prefix\")] publishes an ExecutionEvent on <prefix>.started, .step, .waiting, .paused, .resumed, .cancelled, .retried, .ended, .approved and .rejected. A message type on one of these subjects receives those events: it reads them when each of its members is a member of ExecutionEvent with the event's type (members the event may leave out must be nullable). Any other member would fail to decode at run time.",
        helpLinkUri: HelpLink(EventMessageDoesNotMatchId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0055. Arguments: the group, the flow id, what is wrong.</summary>
    public static readonly DiagnosticDescriptor InvalidFanOut = new(
        id: InvalidFanOutId,
        title: "Fan-out group is not valid",
        messageFormat: "Fan-out group '{0}' of flow '{1}' is not valid: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A [FanOut<TChild, TInput, TResult>] needs a name (lowercase letters, digits and dashes) unique within the flow, a child that is a flow, a start message with a correlation key (it carries the child's execution id), a FanOutMode and a valid timeout. The generator leaves an invalid group out.",
        helpLinkUri: HelpLink(InvalidFanOutId));

    /// <summary>FLOW0056. Arguments: the group, the flow id, the child flow id, the result type.</summary>
    public static readonly DiagnosticDescriptor FanOutChildWithoutResult = new(
        id: FanOutChildWithoutResultId,
        title: "Fan-out child flow has no terminal phase that yields the result",
        messageFormat: "Fan-out group '{0}' of flow '{1}' waits for a {3} from each child, but no rule of flow '{2}' returns a {3} as it moves into a terminal phase: no child would ever report a result. Return the {3} from the rule that ends the child (To = a [TerminalPhase]).",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A child reports its end to the group that started it, with the messages the firing that ended it published; its result is the one of the group's result type. A child flow none of whose rules returns that type while moving into a terminal phase can never yield a result. Checked when the child flow is declared in the same compilation.",
        helpLinkUri: HelpLink(FanOutChildWithoutResultId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0057. Arguments: the group, the flow id, the child flow id, the start message type, the child's first phase.</summary>
    public static readonly DiagnosticDescriptor FanOutInputStartsNoChild = new(
        id: FanOutInputStartsNoChildId,
        title: "Fan-out start message does not start the child flow",
        messageFormat: "Fan-out group '{0}' of flow '{1}' starts each child with a {3}, but no rule of flow '{2}' takes a {3} with the state in its first phase ({4}): no child execution would be created and the group would wait for children that never run. Add a rule (TChild state, {3} message) with From = {4} or no From, or start the children with a message such a rule takes.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The runtime publishes the start message of each child with the child's execution id as its correlation key. An execution is created only when a message-and-state rule of the child flow fires for it in the flow's first phase; when no such rule takes the start message, the message has no effect and the group waits for its timeout, or forever without one. Checked when the child flow is declared in the same compilation.",
        helpLinkUri: HelpLink(FanOutInputStartsNoChildId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0058. Arguments: the flow, the prefix, the other flows with that prefix.</summary>
    public static readonly DiagnosticDescriptor EventPrefixShared = new(
        id: EventPrefixSharedId,
        title: "Two flows publish their lifecycle events under one prefix",
        messageFormat: "Flow '{0}' publishes its ExecutionEvents under '{1}', as flow {2} does: a consumer of '{1}.<kind>' receives the events of both, and one keyed by ExecutionId takes an execution of one flow for the other's execution with the same id. Give each flow a prefix of its own, or, when one stream of events is meant, have the consumers tell the flows apart by the event's Flow.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The lifecycle events of a flow with [Flow(Events = \"prefix\")] go to <prefix>.<kind>. Two flows with the same prefix mix their events on the same subjects, which is usually a copied attribute; a consumer then needs the event's Flow member to tell them apart.",
        helpLinkUri: HelpLink(EventPrefixSharedId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0059. Arguments: the schedule, its flow, the tick message type, its subject, the other flows.</summary>
    public static readonly DiagnosticDescriptor ScheduleTickTakenByAnotherFlow = new(
        id: ScheduleTickTakenByAnotherFlowId,
        title: "A schedule's tick message is taken by another flow",
        messageFormat: "Schedule '{0}' of flow '{1}' publishes its ticks as {2} on '{3}', which rules of flow {4} take too: they receive every tick of '{0}' as if a schedule of their own had ticked (a tick keyed by the schedule's name starts an execution named '{0}' there). Give each flow's schedule a tick message of its own.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The runtime publishes a schedule's ticks on its tick message's subject, like any message. A rule of another flow on the same message type receives them all, whichever schedule ticked; the usual cause is a tick record shared by the schedules of two flows.",
        helpLinkUri: HelpLink(ScheduleTickTakenByAnotherFlowId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>The documentation page of a diagnostic.</summary>
    /// <param name="id">The diagnostic ID, for example <c>FLOW0001</c>.</param>
    /// <returns>The address of the page that explains the diagnostic, or empty when the build was given no docs address (the page ships in the package, docs/diagnostics/).</returns>
    public static string HelpLink(string id) => FlowSdkDocs.BaseUrl.Length == 0 ? "" : $"{FlowSdkDocs.BaseUrl}diagnostics/{id}.md";
}
