using System.Security.Cryptography;
using System.Text;
using FlowSdk.State;

namespace FlowSdk;

/// <summary>The outcome of a deployment verb.</summary>
/// <param name="Flow">The flow id.</param>
/// <param name="Action">The verb.</param>
/// <param name="Before">The state before the verb.</param>
/// <param name="Record">The record the verb wrote.</param>
public sealed record DeploymentChange(string Flow, DeploymentAction Action, DeploymentState Before, DeploymentRecord Record)
{
    /// <summary>For a deploy: the result of validating the flow with the flows deployed in the cluster (its warnings, or the errors a forced deploy overrode); <see langword="null"/> for the other verbs.</summary>
    public FlowValidationResult? Validation { get; init; }
}

/// <summary>
/// Deploy, start, stop and undeploy flows: the desired state of each flow, kept as a
/// <see cref="DeploymentRecord"/> in the state store under <c>_deployment.&lt;flow&gt;</c> and changed
/// with compare-and-set writes, so two operators' verbs on the same flow resolve to one winner and the
/// other gets a <see cref="DeploymentException"/> naming the state the winner left. Every
/// <see cref="FlowRuntime"/> watches the records and converges: a Running flow is subscribed on every
/// host that has it with the deployed version; a Deployed (stopped) or NotDeployed flow is not.
/// <see cref="FlowRuntime"/>, <see cref="FlowClient{TState}"/> and the command line of generated hosts
/// (<c>deploy</c>, <c>start</c>, <c>stop</c>, <c>undeploy</c>, <c>deployments</c>) call it.
/// </summary>
/// <remarks>
/// Valid transitions: NotDeployed to Deployed (deploy), Deployed to Running (start), Running to
/// Deployed (stop), Deployed to NotDeployed (undeploy). A flow without a record is NotDeployed; a
/// runtime with <see cref="FlowRuntimeOptions.AutoDeploy"/> (the default) creates a Running record
/// for a flow that has none when it starts, so a single process runs its flows as before.
/// </remarks>
public static class FlowDeployments
{
    /// <summary>Who a verb is recorded as coming from when the caller does not say: <c>api</c>.</summary>
    public const string DefaultBy = "api";

    /// <summary>The prefix of the deployment records' keys; outside every flow's key prefix, so listings of executions never see them.</summary>
    public const string KeyPrefix = "_deployment.";

    private const int MaxWriteAttempts = 10;

    /// <summary>The store key of a flow's deployment record.</summary>
    /// <param name="flowId">The flow id.</param>
    /// <returns><c>_deployment.&lt;flow&gt;</c>.</returns>
    public static string Key(string flowId) => KeyPrefix + flowId;

    /// <summary>
    /// The manifest version of a flow: a stable hash (16 hex digits of SHA-256) of what the generator
    /// emits for it: its id, phases, limits, input ports (subject, message type, fields), rules
    /// (name, trigger, phases, conditions, output, cooldown, firings, reply, approval), schedules, fan-out
    /// groups and lifecycle subjects (the last three only when the flow declares any). Two builds
    /// of the same flow code have the same version; changing a rule, port or phase changes it.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <returns>The version, for example <c>3f2a9c0d41b7e6a2</c>.</returns>
    public static string VersionOf(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var text = new StringBuilder();
        void Line(params object?[] parts) => text.AppendJoin('\u001f', parts.Select(p => p switch
        {
            null => "",
            TimeSpan t => t.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => p.ToString(),
        })).Append('\n');

        Line("flow", flow.Id, flow.MaxIterations, flow.Timeout);
        Line("phases", string.Join(",", flow.Phases));
        Line("terminal", string.Join(",", flow.TerminalPhases));
        foreach (var port in flow.InputPorts)
        {
            Line("input", port.Subject, port.MessageType, port.Fields is null ? null : string.Join(",", port.Fields));
        }

        foreach (var rule in flow.Rules)
        {
            Line("rule", rule.DeclaringType, rule.Name, rule.Trigger, rule.Source, rule.From, rule.To, rule.ConditionMode, string.Join(",", rule.Conditions.Select(c => c.Name)), rule.Output, rule.Cooldown, rule.MaxFirings, rule.AwaitsReply);
        }

        foreach (var schedule in flow.Schedules)
        {
            Line("schedule", schedule.Name, schedule.Subject, schedule.Every, schedule.Cron, schedule.TimeZone, schedule.MissedTicks, schedule.MaxCatchUp);
        }

        // What only some flows declare adds a line only when declared, so the versions of flows without it stay.
        foreach (var rule in flow.Rules)
        {
            if (rule.Approval is { } approval)
            {
                Line("approval", rule.DeclaringType, rule.Name, approval.Policy, approval.Expires);
            }
        }

        foreach (var group in flow.FanOuts)
        {
            Line("fanout", group.Name, group.ChildFlow, group.InputSubject, group.ResultSubject, group.ResultType, group.Mode, group.Timeout);
        }

        var lifecycle = flow.Lifecycle;
        if (lifecycle.Completed is not null || lifecycle.Failed is not null || lifecycle.Escalated is not null || lifecycle.TimedOut is not null || lifecycle.Events is not null)
        {
            Line("lifecycle", lifecycle.Completed, lifecycle.Failed, lifecycle.Escalated, lifecycle.TimedOut, lifecycle.Events);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>Whether <paramref name="action"/> applies to a flow in <paramref name="state"/> (without force).</summary>
    /// <param name="action">The verb.</param>
    /// <param name="state">The flow's deployment state.</param>
    /// <returns>Deploy: NotDeployed. Start: Deployed. Stop: Running. Undeploy: Deployed.</returns>
    public static bool Allows(DeploymentAction action, DeploymentState state) => action switch
    {
        DeploymentAction.Deploy => state == DeploymentState.NotDeployed,
        DeploymentAction.Start => state == DeploymentState.Deployed,
        DeploymentAction.Stop => state == DeploymentState.Running,
        DeploymentAction.Undeploy => state == DeploymentState.Deployed,
        _ => false,
    };

    /// <summary>Why <paramref name="action"/> does not apply to flow <paramref name="flow"/> in <paramref name="state"/>, the text of the <see cref="DeploymentException"/>; <see langword="null"/> when it applies.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="action">The verb.</param>
    /// <param name="state">The flow's deployment state.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static string? Refusal(string flow, DeploymentAction action, DeploymentState state)
    {
        if (Allows(action, state))
        {
            return null;
        }

        var verb = action.ToString().ToLowerInvariant();
        var allowed = action switch
        {
            DeploymentAction.Deploy => "NotDeployed",
            DeploymentAction.Stop => "Running",
            _ => "Deployed",
        };
        var hint = (action, state) switch
        {
            (DeploymentAction.Start, DeploymentState.NotDeployed) => " (deploy it first)",
            (DeploymentAction.Undeploy, DeploymentState.Running) => " (stop it first)",
            (DeploymentAction.Deploy, _) => " (deploy --force replaces the deployed version and keeps the state)",
            _ => "",
        };
        return $"Cannot {verb} flow '{flow}': it is {state}; {verb} applies to {allowed} flows{hint}.";
    }

    /// <summary>Reads a flow's deployment record.</summary>
    /// <param name="store">The state store.</param>
    /// <param name="flowId">The flow id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when the flow has none (it is NotDeployed, or a runtime with auto-deploy will create it).</returns>
    /// <exception cref="FormatException">The stored value is not a deployment record.</exception>
    public static async Task<DeploymentRecord?> GetAsync(IStateStore store, string flowId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(flowId);
        var entry = await store.GetAsync(Key(flowId), cancellationToken).ConfigureAwait(false);
        return entry is null ? null : DeploymentRecord.FromJson(entry.Value, entry.Revision);
    }

    /// <summary>Reads the deployment records of every flow that has one, ordered by flow id.</summary>
    /// <param name="store">The state store.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The records.</returns>
    /// <exception cref="FormatException">A stored value is not a deployment record.</exception>
    public static async Task<IReadOnlyList<DeploymentRecord>> ListAsync(IStateStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var records = new List<DeploymentRecord>();
        await foreach (var key in store.ListKeysAsync(KeyPrefix, cancellationToken).ConfigureAwait(false))
        {
            var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is not null)
            {
                records.Add(DeploymentRecord.FromJson(entry.Value, entry.Revision));
            }
        }

        records.Sort((a, b) => string.CompareOrdinal(a.Flow, b.Flow));
        return records;
    }

    /// <summary>Applies a verb to a flow's deployment record with a compare-and-set write.</summary>
    /// <param name="store">The state store the cluster's hosts use.</param>
    /// <param name="flow">The flow; <see cref="DeploymentAction.Deploy"/> records its <see cref="VersionOf"/>.</param>
    /// <param name="action">The verb.</param>
    /// <param name="by">Who, recorded in the record; <see cref="DefaultBy"/> when <see langword="null"/>.</param>
    /// <param name="force">With <see cref="DeploymentAction.Deploy"/>: also on a Deployed or Running flow, replacing its version and keeping its state (hosts with the new version take over, hosts with the old one stop running it); and also when validating the flow with the flows deployed in the cluster finds errors.</param>
    /// <param name="time">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the verb before its write.</param>
    /// <returns>The state before and the record written.</returns>
    /// <exception cref="DeploymentException">The verb does not apply to the flow's state (also when another operator changed it first); the message names the state.</exception>
    /// <exception cref="DeploymentValidationException">Deploy without force, and validating the flow with the flows deployed in the cluster (<see cref="FlowValidation.ValidateWithDeployed"/>) found errors; the message lists them.</exception>
    public static async Task<DeploymentChange> ApplyAsync(IStateStore store, FlowDefinition flow, DeploymentAction action, string? by = null, bool force = false, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        if (!Enum.IsDefined(action))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "Not a deployment verb: Deploy, Start, Stop or Undeploy.");
        }

        by = string.IsNullOrWhiteSpace(by) ? DefaultBy : by.Trim();
        time ??= TimeProvider.System;
        var key = Key(flow.Id);
        var version = VersionOf(flow);
        DeploymentState state = DeploymentState.NotDeployed;

        // Deploy checks the flow with every flow deployed in the cluster, as their records describe
        // them: errors refuse the deploy unless forced; warnings are returned with the change.
        FlowValidationResult? validation = null;
        if (action == DeploymentAction.Deploy)
        {
            var deployed = await ListAsync(store, cancellationToken).ConfigureAwait(false);
            validation = FlowValidation.ValidateWithDeployed([flow], deployed, reportDeployed: false);
            if (!validation.IsValid && !force)
            {
                throw new DeploymentValidationException(flow.Id, deployed.FirstOrDefault(r => r.Flow == flow.Id)?.State ?? DeploymentState.NotDeployed, validation);
            }
        }

        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await GetAsync(store, flow.Id, cancellationToken).ConfigureAwait(false);
            state = current?.State ?? DeploymentState.NotDeployed;
            var forced = force && action == DeploymentAction.Deploy && state != DeploymentState.NotDeployed;
            if (!forced && Refusal(flow.Id, action, state) is { } refusal)
            {
                throw new DeploymentException(flow.Id, action, state, refusal);
            }

            var next = action switch
            {
                DeploymentAction.Deploy => forced ? state : DeploymentState.Deployed,
                DeploymentAction.Start => DeploymentState.Running,
                DeploymentAction.Stop => DeploymentState.Deployed,
                _ => DeploymentState.NotDeployed,
            };
            var record = new DeploymentRecord(flow.Id, next, action == DeploymentAction.Deploy ? version : current!.Version, by, time.GetUtcNow(), action, 0)
            {
                Shape = action == DeploymentAction.Deploy ? FlowValidation.ShapeOf(flow) : current!.Shape,
            };
            var written = current is null
                ? await store.TryCreateAsync(key, record.ToJson(), CancellationToken.None).ConfigureAwait(false)
                : await store.TryUpdateAsync(key, record.ToJson(), current.Revision, CancellationToken.None).ConfigureAwait(false);
            if (written.Succeeded)
            {
                return new DeploymentChange(flow.Id, action, state, record with { Revision = written.Revision }) { Validation = validation };
            }

            // Another operator (or a host's auto-deploy) changed the record meanwhile: decide again on
            // what they left, which refuses a verb that no longer applies.
        }

        throw new DeploymentException(flow.Id, action, state, $"Cannot {action.ToString().ToLowerInvariant()} flow '{flow.Id}': its deployment record changed under each of {MaxWriteAttempts} write attempts; another writer changes it continuously.");
    }

    /// <summary>
    /// Reads a flow's record and, when it has none and <paramref name="autoDeploy"/> is set, creates it
    /// Running with the flow's version (what a runtime does at start). When another host creates it
    /// first, returns theirs.
    /// </summary>
    /// <param name="store">The state store.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="autoDeploy">Whether to create a Running record when there is none.</param>
    /// <param name="by">Who, recorded in a created record.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when there is none and <paramref name="autoDeploy"/> is off.</returns>
    internal static async Task<DeploymentRecord?> EnsureAsync(IStateStore store, FlowDefinition flow, bool autoDeploy, string by, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(store, flow.Id, cancellationToken).ConfigureAwait(false);
            if (current is not null || !autoDeploy)
            {
                return current;
            }

            var record = new DeploymentRecord(flow.Id, DeploymentState.Running, VersionOf(flow), by, time.GetUtcNow(), null, 0) { Shape = FlowValidation.ShapeOf(flow) };
            var written = await store.TryCreateAsync(Key(flow.Id), record.ToJson(), cancellationToken).ConfigureAwait(false);
            if (written.Succeeded)
            {
                return record with { Revision = written.Revision };
            }

            if (attempt >= MaxWriteAttempts)
            {
                throw new DeploymentException(flow.Id, DeploymentAction.Deploy, DeploymentState.NotDeployed, $"Cannot auto-deploy flow '{flow.Id}': its deployment record was created and removed under each of {MaxWriteAttempts} attempts.");
            }
        }
    }
}
