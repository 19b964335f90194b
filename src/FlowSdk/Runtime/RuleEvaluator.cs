namespace FlowSdk.Runtime;

/// <summary>Decides whether one rule fires for one event: phase, guards, then conditions, in that order.</summary>
internal static class RuleEvaluator
{
    /// <summary>Checks the rule against the state and message; when <paramref name="explain"/> is given, says why.</summary>
    public static bool Passes<TState, TMessage>(Rule<TState, TMessage> rule, TState? state, TMessage message, RuleContext context, List<RuleEvaluation>? explain)
        where TState : class, IFlowState, new()
    {
        var info = rule.Info;
        if (rule.NeedsState)
        {
            var execution = state!.Execution;
            if (info.From is { } from && !string.Equals(from, execution.Phase, StringComparison.Ordinal))
            {
                return Passed(explain, info, $"the execution is in phase {execution.Phase}; the rule needs {from}");
            }

            // The firing counters are read only for a rule that has a guard on them: most rules have none,
            // and the lookup by rule name would otherwise be the largest cost of evaluating them.
            if (info.MaxFirings > 0 || info.Cooldown is not null)
            {
                execution.Rules.TryGetValue(info.Name, out var counter);
                if (info.MaxFirings > 0 && counter.Firings >= info.MaxFirings)
                {
                    return Passed(explain, info, $"it fired {counter.Firings} time(s) for this execution; MaxFirings is {info.MaxFirings}");
                }

                if (info.Cooldown is { } cooldown && counter.Firings > 0 && context.Now < counter.LastFiredAt + cooldown)
                {
                    return Passed(explain, info, $"it is cooling down until {counter.LastFiredAt + cooldown:O} (Cooldown {cooldown})");
                }
            }
        }

        var outcomes = explain is null ? null : new List<ConditionOutcome>(info.Conditions.Count);
        var holds = rule.ConditionsHold(state!, message, context, outcomes);
        if (explain is not null)
        {
            var reason = info.Conditions.Count == 0
                ? "it has no conditions"
                : string.Join(info.ConditionMode == ConditionMode.All ? " and " : " or ", outcomes!.Select(o => $"'{o.Condition.Description}' is {(o.Holds ? "true" : "false")}"));
            explain.Add(new RuleEvaluation(info, holds, reason, outcomes!));
        }

        return holds;
    }

    public static bool Passed(List<RuleEvaluation>? explain, RuleInfo info, string reason)
    {
        explain?.Add(new RuleEvaluation(info, false, reason, []));
        return false;
    }
}
