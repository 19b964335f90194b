namespace FlowSdk.Nats;

/// <summary>Runs flows on NATS with one call on the runtime options.</summary>
public static class NatsFlowRuntimeOptionsExtensions
{
    /// <summary>
    /// Connects to the NATS server at <paramref name="url"/> and makes the runtime keep state and
    /// messages there; the stream captures the input subjects of <paramref name="flows"/> at once.
    /// Dispose the returned infrastructure after the runtime.
    /// </summary>
    /// <param name="options">The runtime options to set the transport and state store of.</param>
    /// <param name="url">The server URL, or several separated by commas.</param>
    /// <param name="flows">The flows the runtime will run (optional): their input subjects are captured before any host starts them.</param>
    /// <returns>The connection, transport and store; dispose it after the runtime.</returns>
    /// <example>
    /// <code>
    /// var options = new FlowRuntimeOptions();
    /// await using var nats = await options.UseNatsAsync("nats://127.0.0.1:4222", PlanReviewFlow.Definition);
    /// await using var runtime = await FlowRuntime.StartAsync([PlanReviewFlow.Definition], options);
    /// </code>
    /// </example>
    public static Task<NatsFlowInfrastructure> UseNatsAsync(this FlowRuntimeOptions options, string url, params FlowDefinition[] flows)
        => options.UseNatsAsync(new NatsFlowOptions { Url = url }, flows);

    /// <summary>
    /// Connects to NATS and makes the runtime keep state and messages there; the stream captures the
    /// input subjects of <paramref name="flows"/> at once. When <paramref name="nats"/> has no logger
    /// factory, the runtime's is used. Dispose the returned infrastructure after the runtime.
    /// </summary>
    /// <param name="options">The runtime options to set the transport and state store of.</param>
    /// <param name="nats">Connection, bucket, stream and consumer settings.</param>
    /// <param name="flows">The flows the runtime will run (optional): their input subjects are captured before any host starts them.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The connection, transport and store; dispose it after the runtime.</returns>
    public static async Task<NatsFlowInfrastructure> UseNatsAsync(this FlowRuntimeOptions options, NatsFlowOptions nats, IEnumerable<FlowDefinition>? flows = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(nats);
        if (nats.LoggerFactory is null && options.LoggerFactory is { } loggerFactory)
        {
            nats = nats.Clone();
            nats.LoggerFactory = loggerFactory;
        }

        var infrastructure = await NatsFlowInfrastructure.ConnectAsync(nats, flows, cancellationToken).ConfigureAwait(false);
        infrastructure.ApplyTo(options);
        return infrastructure;
    }
}
