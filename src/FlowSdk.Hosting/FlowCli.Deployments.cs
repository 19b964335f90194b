using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowSdk.Hosting;

/// <summary>The deployment commands: <c>deploy</c>, <c>start</c>, <c>stop</c>, <c>undeploy</c> and <c>deployments</c>.</summary>
public static partial class FlowCli
{
    /// <summary>Adds <c>deploy &lt;flow&gt; [--force]</c>, <c>start &lt;flow&gt;</c>, <c>stop &lt;flow&gt;</c>, <c>undeploy &lt;flow&gt;</c> and <c>deployments [--json]</c>.</summary>
    private static void AddDeploymentCommands(RootCommand root, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, Option<string?> nats, Option<string?> db)
    {
        var verbs = new Dictionary<DeploymentAction, string>
        {
            [DeploymentAction.Deploy] = "Deploys a flow (NotDeployed -> Deployed, stopped), recording this build's manifest version and ports of it. It first validates the flow with every flow deployed in the cluster (as validate --cluster does): errors refuse the deploy (exit code 1), warnings are printed. --force deploys despite errors, and replaces the version of a Deployed or Running flow, keeping its state, so hosts of this build take it over.",
            [DeploymentAction.Start] = "Starts a Deployed flow (-> Running): every host that has it with the deployed version subscribes and handles the messages that waited, in order.",
            [DeploymentAction.Stop] = "Stops a Running flow (-> Deployed): every host drains the events in flight and takes the flow's subscriptions down; its state is kept, its messages wait in the stream.",
            [DeploymentAction.Undeploy] = "Undeploys a Deployed (stopped) flow (-> NotDeployed); its executions stay in the store.",
        };

        foreach (var (action, summary) in verbs)
        {
            var verb = action.ToString().ToLowerInvariant();
            var flow = new Argument<string>("flow") { Description = "The flow id." };
            var by = new Option<string?>("--by") { Description = "Who, recorded in the deployment record (default: cli:<user name>)." };
            var command = new Command(verb, $"{summary} A compare-and-set write of the flow's deployment record in the database file (or on NATS), which every host watches.\nExample: dotnet run -- {verb} {flows[0].Id} --nats nats://127.0.0.1:4222")
            {
                flow, by, nats, db,
            };
            Option<bool>? force = null;
            if (action == DeploymentAction.Deploy)
            {
                force = new Option<bool>("--force") { Description = "Deploy also when the flow is Deployed or Running (replace its manifest version with this build's and keep its state), and also when validating it with the flows deployed in the cluster finds errors." };
                command.Options.Add(force);
            }

            command.SetAction((result, cancellationToken) => Guard(env, () => DeploymentVerbAsync(
                flows, env, action, result.GetValue(flow)!, force is not null && result.GetValue(force), result.GetValue(by),
                Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
            root.Subcommands.Add(command);
        }

        var json = new Option<bool>("--json") { Description = "Print JSON: {\"flows\": [{\"flow\", \"state\", \"version\", \"localVersion\", \"versionMatches\", \"changedBy\", \"changedAt\", \"lastAction\"}]}." };
        var list = new Command("deployments", "Shows each flow's deployment: its state (NotDeployed, Deployed, Running), the deployed manifest version and this build's, and who changed it when. A flow whose deployed version is not this build's is not run by hosts of this build.\nExample: dotnet run -- deployments --nats nats://127.0.0.1:4222")
        {
            json, nats, db,
        };
        list.SetAction((result, cancellationToken) => Guard(env, () => DeploymentsAsync(flows, env, result.GetValue(json), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(list);
    }

    private static async Task<int> DeploymentVerbAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, DeploymentAction action, string flowId, bool force, string? by, BackendChoice choice, CancellationToken cancellationToken)
    {
        var flow = SelectFlows(flows, flowId)[0];
        by ??= "cli:" + Environment.UserName;
        var backend = Resolve(choice, env);
        await using var connection = await DeploymentStoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        try
        {
            var change = await FlowDeployments.ApplyAsync(connection.Store, flow, action, by, force, cancellationToken: cancellationToken).ConfigureAwait(false);
            await env.Out.WriteLineAsync($"{change.Flow}: {change.Before} -> {change.Record.State} ({action.ToString().ToLowerInvariant()}{(force && action == DeploymentAction.Deploy ? " --force" : "")}, version {change.Record.Version}, by {change.Record.ChangedBy}) {backend.Where()}.").ConfigureAwait(false);

            // Warnings do not block a deploy; errors only a forced one gets past.
            foreach (var issue in change.Validation?.Issues ?? [])
            {
                var what = issue.Severity == ValidationSeverity.Error ? "error" : "warning";
                var forced = issue.Severity == ValidationSeverity.Error ? " (deployed anyway: --force)" : "";
                await env.Out.WriteLineAsync($"{what} {issue.Id} {issue.Kind}: {issue.Message}{forced}").ConfigureAwait(false);
            }

            return Success;
        }
        catch (DeploymentException ex)
        {
            throw new FlowCliException(ex.Message, Failed);
        }
        catch (FormatException ex)
        {
            throw new FlowCliException($"The deployment record of flow '{flow.Id}' {backend.Where()} cannot be read: {ex.Message}", Failed);
        }
    }

    private static async Task<int> DeploymentsAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, bool asJson, BackendChoice choice, CancellationToken cancellationToken)
    {
        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        var rows = new List<(FlowDefinition Flow, string Local, DeploymentRecord? Record)>();
        foreach (var flow in flows)
        {
            DeploymentRecord? record = null;
            if (connection is not null)
            {
                try
                {
                    record = await FlowDeployments.GetAsync(connection.Store, flow.Id, cancellationToken).ConfigureAwait(false);
                }
                catch (FormatException ex)
                {
                    throw new FlowCliException($"The deployment record of flow '{flow.Id}' {backend.Where()} cannot be read: {ex.Message}", Failed);
                }
            }

            rows.Add((flow, FlowDeployments.VersionOf(flow), record));
        }

        await env.Out.WriteAsync(asJson ? DeploymentsJson(rows) : DeploymentsTable(rows)).ConfigureAwait(false);
        return Success;
    }

    /// <summary>The store the verbs write to: on a database file that does not exist yet, the file is created, so hosts started on it later follow the record.</summary>
    private static async Task<FlowConnection> DeploymentStoreAsync(FlowCliEnvironment env, Backend backend, CancellationToken cancellationToken)
    {
        if (backend.NatsUrl is null && backend.DatabasePath is { } path)
        {
            var database = OpenDatabase(path);
            return new FlowConnection(database.Transport, database.Store, database);
        }

        return await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false)
            ?? throw new FlowCliException($"No store {backend.Where()}.", Failed);
    }

    /// <summary>
    /// Whether <paramref name="record"/> deploys its flow with another version than this build's
    /// (<paramref name="local"/>): hosts of this build do not run the flow then.
    /// </summary>
    private static bool DeployedWithAnotherVersion([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] DeploymentRecord? record, string local)
        => record is not null && record.State != DeploymentState.NotDeployed && !string.Equals(record.Version, local, StringComparison.Ordinal);

    private static string DeploymentsTable(List<(FlowDefinition Flow, string Local, DeploymentRecord? Record)> rows)
    {
        var text = new StringBuilder();
        var width = Math.Max("FLOW".Length, rows.Max(r => r.Flow.Id.Length));
        text.Append(CultureInfo.InvariantCulture, $"{"FLOW".PadRight(width)}  {"STATE",-11}  {"VERSION",-16}  {"THIS BUILD",-16}  CHANGED\n");
        foreach (var (flow, local, record) in rows)
        {
            var state = record?.State ?? DeploymentState.NotDeployed;
            var changed = record is null ? "no record (a host with auto-deploy creates it Running)" : $"{record.ChangedAt.ToString("u", CultureInfo.InvariantCulture)} by {record.ChangedBy}{(record.LastAction is { } a ? $" ({a.ToString().ToLowerInvariant()})" : "")}";
            text.Append(CultureInfo.InvariantCulture, $"{flow.Id.PadRight(width)}  {state,-11}  {record?.Version ?? "-",-16}  {local,-16}  {changed}\n");
            if (DeployedWithAnotherVersion(record, local))
            {
                text.Append(CultureInfo.InvariantCulture, $"  warning: flow {flow.Id} is deployed with version {record.Version}, this build has {local}: hosts of this build do not run it (deploy {flow.Id} --force deploys this build's).\n");
            }
        }

        return text.ToString();
    }

    private static string DeploymentsJson(List<(FlowDefinition Flow, string Local, DeploymentRecord? Record)> rows)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("flows");
            foreach (var (flow, local, record) in rows)
            {
                json.WriteStartObject();
                json.WriteString("flow", flow.Id);
                json.WriteString("state", (record?.State ?? DeploymentState.NotDeployed).ToString());
                if (record is null)
                {
                    json.WriteNull("version");
                }
                else
                {
                    json.WriteString("version", record.Version);
                }

                json.WriteString("localVersion", local);
                json.WriteBoolean("versionMatches", record is null || record.Version == local);
                if (record is not null)
                {
                    json.WriteString("changedBy", record.ChangedBy);
                    json.WriteString("changedAt", record.ChangedAt);
                    json.WriteString("lastAction", record.LastAction?.ToString());
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
