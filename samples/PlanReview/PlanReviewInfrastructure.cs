using FlowSdk;
using FlowSdk.Nats;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace PlanReviewSample;

/// <summary>
/// Where the sample keeps executions and messages: in process by default, on a NATS server when the
/// environment variable <see cref="NatsUrlVariable"/> names one. Nothing else changes between the two.
/// </summary>
public static class PlanReviewInfrastructure
{
    /// <summary>The one setting: the URL of a NATS server with JetStream, for example <c>nats://127.0.0.1:4222</c>.</summary>
    public const string NatsUrlVariable = "FLOWSDK_NATS_URL";

    /// <summary>
    /// The stream, bucket and dead-letter subjects the sample uses on NATS. They are the sample's own,
    /// not FlowSdk's defaults, because each run starts by deleting them (see <see cref="ConfigureAsync"/>).
    /// </summary>
    /// <param name="url">The server URL.</param>
    /// <returns>The sample's NATS settings.</returns>
    public static NatsFlowOptions NatsOptions(string url) => new()
    {
        Url = url,
        StreamName = "PLANREVIEW",
        StateBucket = "planreview-state",
        DeadLetterSubjectPrefix = "planreview.deadletter",
        ConnectionName = "planreview-sample",
    };

    /// <summary>
    /// Points <paramref name="options"/> at the NATS server that <see cref="NatsUrlVariable"/> names,
    /// or leaves them in process when it is not set. On NATS every run starts from scratch: the
    /// sample's stream and bucket are deleted and created again, because a previous run's
    /// executions, acknowledged messages and message ids (still in the duplicate window) would
    /// otherwise decide how this run's plans end.
    /// </summary>
    /// <param name="options">The runtime options to set the transport and state store of.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable; <see cref="Environment.GetEnvironmentVariable(string)"/> in the sample.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The NATS connection, transport and store, to dispose after the runtime; <see langword="null"/> in process.</returns>
    /// <exception cref="NatsFlowConnectionException">The server cannot be reached or has no JetStream.</exception>
    public static async Task<NatsFlowInfrastructure?> ConfigureAsync(FlowRuntimeOptions options, Func<string, string?> getEnvironmentVariable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        if (getEnvironmentVariable(NatsUrlVariable) is not { Length: > 0 } url)
        {
            return null;
        }

        var nats = NatsOptions(url);
        await using (var previous = await NatsFlowInfrastructure.ConnectAsync(nats, cancellationToken))
        {
            var js = new NatsJSContext(previous.Connection);
            await js.DeleteStreamAsync(nats.StreamName, cancellationToken);
            await new NatsKVContext(js).DeleteStoreAsync(nats.StateBucket, cancellationToken);
        }

        return await options.UseNatsAsync(nats, [PlanReviewFlow.Definition, ReviewDeskFlow.Definition], cancellationToken);
    }
}
