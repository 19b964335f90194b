using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowSdk.Hosting;

/// <summary>The human approval commands: <c>approve</c> (and <c>approve --reject</c>) and <c>approvals</c>.</summary>
public static partial class FlowCli
{
    /// <summary>Adds <c>approve</c> and <c>approvals</c>.</summary>
    private static void AddApprovalCommands(RootCommand root, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, Option<string?> nats, Option<string?> db)
    {
        var id = new Argument<string>("id") { Description = "The execution id (its correlation key) that waits for approval." };
        var reject = new Option<bool>("--reject") { Description = "Reject instead of approve: the rule does not apply, and the flow's rules see the rejection in LastApproval." };
        var flow = new Option<string?>("--flow") { Description = "The flow id: which flow the execution belongs to (needed when several flows have one by that id)." };
        var by = new Option<string?>("--by") { Description = "Who decides, recorded in the execution's timeline (default: cli:<user name>)." };
        var reason = new Option<string?>("--reason") { Description = "Why, recorded in the execution's timeline." };
        var approve = new Command("approve", "Approves the rule a WaitingForApproval execution waits on (a host of the flow evaluates it again and applies it), or rejects it with --reject. A write of the execution's state in the database file (or on NATS), which every host running the flow sees; deciding twice is an error.\nExample: dotnet run -- approve refund-7 --by alice --reason \"receipt checked\"")
        {
            id, reject, flow, by, reason, nats, db,
        };
        approve.SetAction((result, cancellationToken) => Guard(env, () => ControlAsync(
            flows, env, result.GetValue(reject) ? ExecutionControlAction.Reject : ExecutionControlAction.Approve, result.GetValue(id), result.GetValue(flow), status: null, result.GetValue(reason), result.GetValue(by),
            Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(approve);

        var listFlow = new Option<string?>("--flow") { Description = "Only this flow's requests." };
        var rule = new Option<string?>("--rule") { Description = "Only requests for this rule (its method name)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on one line instead of a table." };
        var approvals = new Command("approvals", "Lists the approval requests that wait for a decision, oldest first: execution, rule, request id, when it was requested and when it expires.\nExample: dotnet run -- approvals --flow refund --json")
        {
            listFlow, rule, json, nats, db,
        };
        approvals.SetAction((result, cancellationToken) => Guard(env, () => ListApprovalsAsync(
            flows, env, result.GetValue(listFlow), result.GetValue(rule), result.GetValue(json), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(approvals);
    }

    private static async Task<int> ListApprovalsAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, string? flowId, string? rule, bool asJson, BackendChoice choice, CancellationToken cancellationToken)
    {
        var selected = SelectFlows(flows, flowId);
        if (rule is not null && !selected.Any(f => f.Rules.Any(r => r.Approval is not null && r.Name == rule)))
        {
            var known = selected.SelectMany(f => f.Rules.Where(r => r.Approval is not null).Select(r => $"{f.Id}.{r.Name}")).ToList();
            throw new FlowCliException($"No rule '{rule}' that requires approval in flow(s) {string.Join(", ", selected.Select(f => f.Id))}; {(known.Count == 0 ? "none of their rules requires approval" : "those that do: " + string.Join(", ", known))}.");
        }

        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        var pending = new List<PendingApproval>();
        if (connection is not null)
        {
            foreach (var candidate in selected)
            {
                try
                {
                    pending.AddRange(await Approvals.ListAsync(connection.Store, candidate, rule, cancellationToken).ConfigureAwait(false));
                }
                catch (MessagePack.MessagePackSerializationException ex)
                {
                    throw new FlowCliException($"An execution of flow '{candidate.Id}' cannot be read: {ex.Message}", Failed);
                }
            }
        }

        await env.Out.WriteAsync(asJson ? ApprovalsJson(pending) : ApprovalsTable(pending)).ConfigureAwait(false);
        return Success;
    }

    /// <summary>One row per pending request, or a line saying there is none.</summary>
    internal static string ApprovalsTable(IReadOnlyList<PendingApproval> pending)
    {
        if (pending.Count == 0)
        {
            return "No approval requests wait for a decision.\n";
        }

        var text = new StringBuilder();
        var execution = Math.Max("EXECUTION".Length, pending.Max(p => p.Flow.Length + 1 + p.ExecutionId.Length));
        var rule = Math.Max("RULE".Length, pending.Max(p => p.Rule.Length));
        var request = Math.Max("REQUEST".Length, pending.Max(p => p.RequestId.Length));
        text.Append("EXECUTION".PadRight(execution)).Append("  ").Append("RULE".PadRight(rule)).Append("  ").Append("REQUEST".PadRight(request)).Append("  ").Append("REQUESTED AT".PadRight(33)).Append("  EXPIRES AT\n");
        foreach (var p in pending)
        {
            text.Append((p.Flow + "/" + p.ExecutionId).PadRight(execution)).Append("  ")
                .Append(p.Rule.PadRight(rule)).Append("  ")
                .Append(p.RequestId.PadRight(request)).Append("  ")
                .Append(p.RequestedAt.ToString("O", CultureInfo.InvariantCulture).PadRight(33)).Append("  ")
                .Append(p.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-").Append('\n');
        }

        return text.ToString();
    }

    /// <summary>One JSON object on one line: <c>{"approvals": [{"flow", "execution", "rule", "request", "requestedAt", "expiresAt"}]}</c>.</summary>
    internal static string ApprovalsJson(IReadOnlyList<PendingApproval> pending)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("approvals");
            foreach (var p in pending)
            {
                json.WriteStartObject();
                json.WriteString("flow", p.Flow);
                json.WriteString("execution", p.ExecutionId);
                json.WriteString("rule", p.Rule);
                json.WriteString("request", p.RequestId);
                json.WriteString("requestedAt", p.RequestedAt);
                if (p.ExpiresAt is { } expires)
                {
                    json.WriteString("expiresAt", expires);
                }
                else
                {
                    json.WriteNull("expiresAt");
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
