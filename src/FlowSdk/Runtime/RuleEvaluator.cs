namespace FlowSdk.Runtime;

/// <summary>Decides whether one rule fires for one event: phase, guards, then conditions, in that order.</summary>
internal static class RuleEvaluator
{
    /// <summary>What a rule's <see cref="RuleInfo.MaxFirings"/> and <see cref="RuleInfo.Cooldown"/> say about firing now.</summary>
    internal enum Guard
    {
        /// <summary>The guards allow the rule to fire (or it has none).</summary>
        Allows,

        /// <summary>The rule fired <see cref="RuleInfo.MaxFirings"/> times for this execution.</summary>
        MaxFiringsReached,

        /// <summary>The rule fired less than <see cref="RuleInfo.Cooldown"/> ago.</summary>
        CoolingDown,
    }

    /// <summary>Checks the rule against the state and message; when <paramref name="explain"/> is given, says why.</summary>
    public static bool Passes<TState, TMessage>(Rule<TState, TMessage> rule, TState? state, TMessage message, RuleContext context, List<RuleEvaluation>? explain)
        where TState : class, IFlowState, new()
    {
        if (explain is null)
        {
            // The allocation-free path every event takes when nobody asks why (Debug logging off).
            return rule.Passes(rule.NeedsState ? state!.Execution : null, state!, message, context);
        }

        var info = rule.Info;
        if (rule.NeedsState)
        {
            var execution = state!.Execution;
            if (info.From is { } from && !string.Equals(from, execution.Phase, StringComparison.Ordinal))
            {
                return Passed(explain, info, $"the execution is in phase {execution.Phase}; the rule needs {from}");
            }

            switch (CheckGuards(info, execution, context.Now, out var counter))
            {
                case Guard.MaxFiringsReached:
                    return Passed(explain, info, $"it fired {counter.Firings} time(s) for this execution; MaxFirings is {info.MaxFirings}");
                case Guard.CoolingDown:
                    return Passed(explain, info, $"it is cooling down until {counter.LastFiredAt + info.Cooldown!.Value:O} (Cooldown {info.Cooldown})");
            }
        }

        var outcomes = new List<ConditionOutcome>(info.Conditions.Count);
        var holds = rule.ConditionsHold(state!, message, context, outcomes);
        var reason = info.Conditions.Count == 0
            ? "it has no conditions"
            : string.Join(info.ConditionMode == ConditionMode.All ? " and " : " or ", outcomes.Select(o => $"'{o.Condition.Description}' is {(o.Holds ? "true" : "false")}"));
        explain.Add(new RuleEvaluation(info, holds, reason, outcomes));
        return holds;
    }

    /// <summary>
    /// Reads the rule's firing counters and checks its guards. The counters are read only for a rule
    /// that has a guard on them: most rules have none, and the lookup by rule name would otherwise be the
    /// largest cost of evaluating them.
    /// </summary>
    internal static Guard CheckGuards(RuleInfo info, ExecutionInfo execution, DateTimeOffset now, out RuleCounter counter)
    {
        counter = default;
        if (info.MaxFirings <= 0 && info.Cooldown is null)
        {
            return Guard.Allows;
        }

        execution.Rules.TryGetValue(info.Name, out counter);
        if (info.MaxFirings > 0 && counter.Firings >= info.MaxFirings)
        {
            return Guard.MaxFiringsReached;
        }

        if (info.Cooldown is { } cooldown && counter.Firings > 0 && now < counter.LastFiredAt + cooldown)
        {
            return Guard.CoolingDown;
        }

        return Guard.Allows;
    }

    public static bool Passed(List<RuleEvaluation>? explain, RuleInfo info, string reason)
    {
        explain?.Add(new RuleEvaluation(info, false, reason, []));
        return false;
    }
}
