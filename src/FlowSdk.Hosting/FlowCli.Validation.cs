using System.CommandLine;

namespace FlowSdk.Hosting;

/// <summary>The <c>validate</c> command: the host's flows checked together, or with every flow deployed in the cluster.</summary>
public static partial class FlowCli
{
    /// <summary>Adds <c>validate [--cluster] [--json] [--nats url | --db file]</c>.</summary>
    private static void AddValidateCommand(RootCommand root, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, Option<string?> nats, Option<string?> db)
    {
        var asJson = new Option<bool>("--json") { Description = "Print the result as JSON: {\"valid\", \"errors\", \"warnings\", \"flows\", \"issues\": [{\"severity\", \"kind\", \"id\", \"flow\", \"rule\", \"subject\", \"message\", \"suggestions\"}], \"links\", \"unchecked\"}." };
        var cluster = new Option<bool>("--cluster") { Description = "Check this host's flows together with every flow deployed in the cluster (the deployment records in the database file, or on NATS with --nats), as deploy does." };
        var validate = new Command("validate", "Checks the flows together, with the checks of the analyzers and the MSBuild task: a subject bound to two message types or two schemas (error, FLOW0203), an output no flow consumes (warning, FLOW0202), an input no flow produces (warning, FLOW0201); and lists the links between the flows. Exit code 0 when there is no error (warnings allowed), 1 with errors.\nExample: dotnet run -- validate --cluster --nats nats://127.0.0.1:4222 --json")
        {
            asJson, cluster, nats, db,
        };
        validate.SetAction((result, cancellationToken) => Guard(env, () => ValidateAsync(
            flows, env, result.GetValue(asJson), result.GetValue(cluster), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(validate);
    }

    private static async Task<int> ValidateAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, bool asJson, bool cluster, BackendChoice choice, CancellationToken cancellationToken)
    {
        FlowValidationResult validation;
        if (!cluster)
        {
            validation = FlowValidation.Validate(flows.ToArray());
        }
        else
        {
            var backend = Resolve(choice, env);
            await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<DeploymentRecord> deployed = [];
            if (connection is not null)
            {
                try
                {
                    deployed = await FlowDeployments.ListAsync(connection.Store, cancellationToken).ConfigureAwait(false);
                }
                catch (FormatException ex)
                {
                    throw new FlowCliException($"A deployment record {backend.Where()} cannot be read: {ex.Message}", Failed);
                }
            }

            validation = FlowValidation.ValidateWithDeployed(flows.ToArray(), deployed, reportDeployed: true);
        }

        await env.Out.WriteAsync(asJson ? validation.ToJson() : validation.ToText()).ConfigureAwait(false);
        return validation.IsValid ? Success : Failed;
    }
}
