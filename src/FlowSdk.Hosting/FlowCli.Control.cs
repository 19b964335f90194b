using System.CommandLine;

namespace FlowSdk.Hosting;

/// <summary>The execution control commands: <c>pause</c>, <c>resume</c>, <c>cancel</c>, <c>retry</c>.</summary>
public static partial class FlowCli
{
    /// <summary>Adds <c>pause</c>, <c>resume</c>, <c>cancel</c> and <c>retry</c>: one execution by id, or every execution of a flow in a status.</summary>
    private static void AddControlCommands(RootCommand root, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, Option<string?> nats, Option<string?> db)
    {
        var examples = new Dictionary<ExecutionControlAction, (string Summary, string Example)>
        {
            [ExecutionControlAction.Pause] = ("Pauses a Running or Waiting execution: no rule fires for it, its messages are kept and handled in order on resume, its deadline waits.", "pause order-1 --reason \"checking stock\""),
            [ExecutionControlAction.Resume] = ("Resumes a Paused execution: the messages kept meanwhile are handled in order, a deadline that passed fires.", "resume order-1"),
            [ExecutionControlAction.Cancel] = ("Cancels a Running, Waiting, Paused or WaitingForApproval execution for good (Cancelled is terminal); rule work in flight for it is cancelled.", "cancel --flow order --status Waiting --reason \"shop closed\""),
            [ExecutionControlAction.Retry] = ("Retries a Failed or TimedOut execution from its last committed state, with a fresh deadline.", "retry order-1"),
        };

        foreach (var (action, (summary, example)) in examples)
        {
            var id = new Argument<string?>("id") { Description = "The execution id (its correlation key). Leave it out and give --status to control every execution of the flow in that status.", Arity = ArgumentArity.ZeroOrOne };
            var flow = new Option<string?>("--flow") { Description = "The flow id: which flow the execution belongs to (needed when several flows have one by that id, and for --status when the host has several flows)." };
            var status = new Option<ExecutionStatus?>("--status") { Description = "Control every execution of the flow in this status instead of one execution." };
            var reason = new Option<string?>("--reason") { Description = "Why, recorded in the execution's timeline." };
            var by = new Option<string?>("--by") { Description = "Who, recorded in the execution's timeline (default: cli:<user name>)." };
            var command = new Command(action.ToString().ToLowerInvariant(), $"{summary} A write of the execution's state in the database file (or on NATS), which every host running the flow sees.\nExample: dotnet run -- {example}")
            {
                id, flow, status, reason, by, nats, db,
            };
            command.SetAction((result, cancellationToken) => Guard(env, () => ControlAsync(
                flows, env, action, result.GetValue(id), result.GetValue(flow), result.GetValue(status), result.GetValue(reason), result.GetValue(by),
                Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
            root.Subcommands.Add(command);
        }
    }

    private static async Task<int> ControlAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, ExecutionControlAction action, string? id, string? flowId, ExecutionStatus? status, string? reason, string? by, BackendChoice choice, CancellationToken cancellationToken)
    {
        var verb = action.ToString().ToLowerInvariant();
        if (id is null && status is null)
        {
            throw new FlowCliException($"{verb} needs an execution id, or --status to {verb} every execution of a flow in that status (for example: {verb} --flow {flows[0].Id} --status Running).");
        }

        if (id is not null && status is not null)
        {
            throw new FlowCliException($"{verb} takes an execution id or --status, not both.");
        }

        var selected = SelectFlows(flows, flowId);
        by ??= "cli:" + Environment.UserName;
        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false)
            ?? throw new FlowCliException($"No executions {backend.Where()}.");
        if (status is { } wanted)
        {
            if (selected.Count > 1)
            {
                throw new FlowCliException($"{verb} --status needs --flow: the flows are {string.Join(", ", flows.Select(f => f.Id))}.");
            }

            IReadOnlyList<ExecutionControlResult> results;
            try
            {
                results = await ExecutionControl.ApplyManyAsync(connection.Store, selected[0], action, wanted, by, reason, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (ExecutionControlException ex)
            {
                throw new FlowCliException(ex.Message);
            }

            foreach (var result in results)
            {
                await env.Out.WriteLineAsync(Describe(result)).ConfigureAwait(false);
            }

            var refused = results.Count(r => !r.Applied);
            await env.Out.WriteLineAsync($"{action}: {results.Count - refused} of {results.Count} {wanted} execution(s) of flow {selected[0].Id}{(refused > 0 ? $", {refused} refused" : "")}.").ConfigureAwait(false);
            return refused > 0 ? Failed : Success;
        }

        var owners = new List<FlowDefinition>();
        foreach (var candidate in selected)
        {
            if (await connection.Store.GetAsync(candidate.Id + "." + id, cancellationToken).ConfigureAwait(false) is not null)
            {
                owners.Add(candidate);
            }
        }

        if (owners.Count == 0)
        {
            throw new FlowCliException($"No execution '{id}' in flow(s) {string.Join(", ", selected.Select(f => f.Id))} {backend.Where()}.");
        }

        if (owners.Count > 1)
        {
            throw new FlowCliException($"Flows {string.Join(" and ", owners.Select(f => f.Id))} both have an execution '{id}': say which with --flow.");
        }

        try
        {
            var result = await ExecutionControl.ApplyAsync(connection.Store, owners[0], id!, action, by, reason, cancellationToken: cancellationToken).ConfigureAwait(false);
            await env.Out.WriteLineAsync(Describe(result)).ConfigureAwait(false);
            return Success;
        }
        catch (ExecutionControlException ex)
        {
            // The execution exists (looked up above), so a refusal is about its status.
            throw new FlowCliException(ex.Message, ex.Status is null ? UsageError : Failed);
        }
    }

    private static string Describe(ExecutionControlResult result) => result.Applied
        ? $"{result.Flow}/{result.ExecutionId}: {result.Before} -> {result.After} ({result.Action})"
        : $"{result.Flow}/{result.ExecutionId}: refused: {result.Error}";
}
