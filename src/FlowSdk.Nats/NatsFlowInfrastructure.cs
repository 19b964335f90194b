using FlowSdk.Nats.Internal;
using NATS.Client.Core;

namespace FlowSdk.Nats;

/// <summary>
/// A NATS connection with the transport and state store FlowSdk runs on: what
/// <see cref="NatsFlowRuntimeOptionsExtensions.UseNatsAsync(FlowRuntimeOptions, NatsFlowOptions, IEnumerable{FlowDefinition}?, CancellationToken)"/>
/// gives a runtime. Dispose it after the runtimes that use it.
/// </summary>
/// <example>
/// <code>
/// await using var nats = await NatsFlowInfrastructure.ConnectAsync(new NatsFlowOptions { Url = "nats://127.0.0.1:4222" });
/// await using var runtime = await FlowRuntime.StartAsync([PlanReviewFlow.Definition], nats.ApplyTo(new FlowRuntimeOptions()));
/// </code>
/// </example>
public sealed class NatsFlowInfrastructure : IAsyncDisposable
{
    private readonly NatsConnection _connection;

    private NatsFlowInfrastructure(NatsConnection connection, NatsTransport transport, NatsStateStore store)
    {
        _connection = connection;
        Transport = transport;
        Store = store;
    }

    /// <summary>The connection the transport and the store share.</summary>
    public INatsConnection Connection => _connection;

    /// <summary>The message transport.</summary>
    public NatsTransport Transport { get; }

    /// <summary>The state store.</summary>
    public NatsStateStore Store { get; }

    /// <summary>
    /// Connects to NATS and makes sure the state bucket and the stream exist, so a wrong URL,
    /// credential or missing JetStream fails here rather than in a running flow.
    /// </summary>
    /// <param name="options">Connection, bucket, stream and consumer settings.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The connected infrastructure.</returns>
    /// <exception cref="NatsFlowConnectionException">The server cannot be reached, refuses the credentials, or has no JetStream.</exception>
    /// <exception cref="ArgumentException">A setting cannot work, or a seed or credentials file cannot be read or holds no usable key (the message names the setting and the file, never a key).</exception>
    public static Task<NatsFlowInfrastructure> ConnectAsync(NatsFlowOptions options, CancellationToken cancellationToken = default)
        => ConnectAsync(options, flows: null, cancellationToken);

    /// <summary>
    /// Connects to NATS, makes sure the state bucket and the stream exist, and makes the stream
    /// capture the input subjects of <paramref name="flows"/>, so messages other clients publish
    /// for them are kept from now on, even before a host runs them.
    /// </summary>
    /// <param name="options">Connection, bucket, stream and consumer settings.</param>
    /// <param name="flows">The flows whose input subjects the stream captures at once; none when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The connected infrastructure.</returns>
    /// <exception cref="NatsFlowConnectionException">The server cannot be reached, refuses the credentials, or has no JetStream.</exception>
    /// <exception cref="ArgumentException">A setting cannot work, or a seed or credentials file cannot be read or holds no usable key (the message names the setting and the file, never a key).</exception>
    public static async Task<NatsFlowInfrastructure> ConnectAsync(NatsFlowOptions options, IEnumerable<FlowDefinition>? flows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        options.Validate();
        var (opts, redaction) = NatsConnections.Prepare(options);
        var connection = new NatsConnection(opts);
        var server = Redaction.RedactUrls(options.Url);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (connection.ServerInfo is { JetStreamAvailable: false })
            {
                throw new NatsFlowConnectionException($"The NATS server at {server} has no JetStream; FlowSdk keeps state and messages in JetStream. Start nats-server with -js.");
            }

            var transport = new NatsTransport(connection, options);
            var store = new NatsStateStore(connection, options);
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await transport.CaptureAsync(flows?.SelectMany(f => f.InputSubjects) ?? [], cancellationToken).ConfigureAwait(false);
            return new NatsFlowInfrastructure(connection, transport, store);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not NotSupportedException and not ArgumentException and not InvalidOperationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (ex is NatsFlowConnectionException)
            {
                throw;
            }

            var detail = redaction.Apply(Describe(ex));
            throw new NatsFlowConnectionException($"Could not connect FlowSdk to NATS at {server}: {detail}", redaction.Leaks(ex.ToString()) ? null : ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sets the runtime options' transport and state store to this infrastructure's.</summary>
    /// <param name="options">The runtime options.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public FlowRuntimeOptions ApplyTo(FlowRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Transport = Transport;
        options.StateStore = Store;
        return options;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }

        return string.Join(" -> ", parts.Distinct(StringComparer.Ordinal));
    }
}
