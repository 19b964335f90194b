using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using FlowSdk.Internal;
using FlowSdk.Nats.Internal;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FlowSdk.Nats;

/// <summary>
/// Carries flow messages over NATS. Subjects a flow consumes are captured by one JetStream stream
/// (<see cref="NatsFlowOptions.StreamName"/>): messages on them are persisted, de-duplicated by their
/// <c>Nats-Msg-Id</c> header, and delivered to each flow by a durable consumer that all hosts running
/// the flow share. Other subjects travel as core NATS messages.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Subscribe"/> with <see cref="SubscribeOptions.ManualAck"/> reads the stream through a
/// pull consumer named after the queue group (the runtime uses <c>flowsdk.&lt;flow id&gt;</c>, so
/// consumer <c>flowsdk_&lt;flow id&gt;</c>), adding the pattern to the stream's subjects first. A
/// message is acknowledged when every subscription it went to acknowledged it; given back, it is
/// delivered again after <see cref="NatsFlowOptions.RedeliveryDelay"/>; when its last allowed
/// delivery (<see cref="NatsFlowOptions.MaxDeliver"/>) fails it is published to
/// <c>&lt;DeadLetterSubjectPrefix&gt;.&lt;subject&gt;</c> with the reason in headers, then acknowledged.
/// Without manual acknowledgement a subscription is a core NATS subscription (in the queue group when
/// one is given).
/// </para>
/// <para>
/// As an <see cref="IIdleSignal"/> the transport counts the messages it is publishing, the messages
/// its subscriptions hold unacknowledged, and (by asking the server) the messages waiting for or
/// delivered by its consumers. That is exact when every host of the flows runs in this process, as
/// in tests and one-shot commands; with other hosts it only covers this one's share.
/// </para>
/// </remarks>
public sealed class NatsTransport : IMessageTransport, IIdleSignal, ILanePreference, ITransientErrorClassifier
{
    internal static readonly NatsRawSerializer<byte[]> Reader = NatsRawSerializer<byte[]>.Default;
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Writer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly TimeSpan StreamInfoMaxAge = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _streamGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private ImmutableArray<CoreSubscription> _cores = [];
    private ImmutableList<Task> _setups = [];
    private string[] _captured = [];
    private long _capturedAt = long.MinValue;
    private long _serverPending;
    private int _corePublishes;

    /// <summary>Redeliveries of messages this transport had acknowledged, acknowledged again without being handed on.</summary>
    internal long AcknowledgementsRepeated;

    /// <summary>Creates a transport on <paramref name="connection"/>, which the caller keeps owning.</summary>
    /// <param name="connection">The NATS connection.</param>
    /// <param name="options">Stream, consumer and redelivery settings; the defaults when <see langword="null"/>.</param>
    public NatsTransport(INatsConnection connection, NatsFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Options = (options ?? new NatsFlowOptions()).Clone();
        Options.Validate();
        Connection = connection;
        JetStream = new NatsJSContext(connection);
        Logger = (Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FlowSdk.Nats.Transport");
    }

    /// <summary>The stream that holds flow messages.</summary>
    public string StreamName => Options.StreamName;

    /// <summary>The subjects the stream captured when this transport last looked.</summary>
    public IReadOnlyList<string> StreamSubjects => _captured;

    /// <summary>
    /// How many messages are not yet handled: being published, held by this transport's
    /// subscriptions, or (as of the last <see cref="WhenIdleAsync"/>) waiting on the server for
    /// this transport's consumers.
    /// </summary>
    public long PendingMessages => Work.Pending + Interlocked.Read(ref _serverPending);

    /// <inheritdoc/>
    public long Activity => Work.Activity;

    /// <summary>
    /// <see cref="NatsFlowOptions.Lanes"/>, at most <see cref="NatsFlowOptions.MaxAckPending"/>: the
    /// lanes a runtime on this transport uses when its options do not set them.
    /// </summary>
    public int PreferredLanes => Math.Min(Options.Lanes, Options.MaxAckPending);

    internal NatsFlowOptions Options { get; }

    /// <summary>For tests: when it returns true, an acknowledgement is recorded as sent but never reaches the server.</summary>
    internal Func<bool>? LoseAcknowledgement { get; set; }

    internal INatsConnection Connection { get; }

    internal NatsJSContext JetStream { get; }

    internal ILogger Logger { get; }

    internal IdleTracker Work { get; } = new();

    internal bool Disposing => _disposed.IsCancellationRequested;

    internal CancellationToken DisposedToken => _disposed.Token;

    /// <summary>Makes sure the stream exists, creating it when missing. Other members do it on first use.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the stream is there.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStreamAsync([], cancellationToken).ConfigureAwait(false);
        await ThreadHop.ToThreadPool();
    }

    /// <summary>
    /// Makes the stream capture <paramref name="subjects"/> now, creating it when missing. Messages
    /// published on them from then on are kept until a flow's consumer reads them, even if no host
    /// runs the flow yet. <see cref="NatsFlowInfrastructure.ConnectAsync(NatsFlowOptions, IEnumerable{FlowDefinition}?, CancellationToken)"/>
    /// does this for the input subjects of the flows it is given.
    /// </summary>
    /// <param name="subjects">Subjects or patterns; none may start with a wildcard.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task that completes when the stream captures them.</returns>
    public async Task CaptureAsync(IEnumerable<string> subjects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var list = subjects.ToList();
        foreach (var subject in list)
        {
            Subjects.EnsureValid(subject, allowWildcards: true, nameof(subjects));
        }

        await EnsureStreamAsync(list, cancellationToken).ConfigureAwait(false);
        await ThreadHop.ToThreadPool();
    }

    /// <summary>
    /// Completes when every subscription made so far is live: a durable one's subjects are captured
    /// by the stream and its consumer exists; a core one's SUB has been sent and a PING/PONG round
    /// trip confirms the server processed it. From then on a message any client publishes on a
    /// subscribed subject reaches the subscription (a core publish on a captured subject is stored by
    /// the stream). Subscriptions are set up in the background;
    /// <see cref="FlowRuntime.StartAsync(CancellationToken)"/> awaits this before it returns.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the subscriptions are live.</returns>
    public async ValueTask WhenSubscribedAsync(CancellationToken cancellationToken = default)
    {
        await SubscriptionsReadyAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!_cores.IsEmpty)
        {
            // The server handles a connection's protocol in order: its PONG follows every SUB sent before the PING.
            await Connection.PingAsync(cancellationToken).ConfigureAwait(false);
        }

        await ThreadHop.ToThreadPool();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A subject the stream captures is published to JetStream and the call completes when the server
    /// has stored it (a <c>Nats-Msg-Id</c> header de-duplicates it); any other subject is published as
    /// a core NATS message.
    /// </remarks>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        Subjects.EnsureValid(subject, allowWildcards: false, nameof(subject));
        ObjectDisposedException.ThrowIf(Disposing, this);
        NatsHeaders? natsHeaders = null;
        if (headers is { Count: > 0 })
        {
            natsHeaders = new NatsHeaders();
            foreach (var (name, value) in headers)
            {
                natsHeaders[name] = value;
            }
        }

        return new ValueTask(PublishAsync(subject, payload, natsHeaders, waitForSubscriptions: true, cancellationToken));
    }

    /// <inheritdoc/>
    /// <remarks>No responders, timeouts, a lost connection and JetStream leader elections.</remarks>
    public bool IsTransient(Exception exception) => TransientErrors.IsTransient(exception);

    /// <inheritdoc/>
    /// <remarks>
    /// Publishes to <c>&lt;DeadLetterSubjectPrefix&gt;.&lt;subject&gt;</c> (or only logs when dead
    /// letters are off), fitted under the server's max_payload like every dead letter of this
    /// transport: a payload too large for the headers beside it is left out and referenced.
    /// </remarks>
    public async ValueTask DeadLetterAsync(string subject, ReadOnlyMemory<byte> payload, string? messageId, string reason, CancellationToken cancellationToken = default)
    {
        var headers = new NatsHeaders();
        if (messageId is not null)
        {
            headers[NatsFlowHeaders.DeadLetterOriginalMessageId] = NatsFlowHeaders.Sanitize(messageId);
            headers[NatsFlowHeaders.MessageId] = NatsFlowHeaders.Sanitize("flowsdk-deadletter." + messageId);
        }

        headers[NatsFlowHeaders.DeadLetterReason] = NatsFlowHeaders.Sanitize(reason);
        headers[NatsFlowHeaders.DeadLetterSubject] = NatsFlowHeaders.Sanitize(subject);
        await PublishDeadLetterAsync(subject, payload, headers, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes a dead letter for a message on <paramref name="subject"/>, or logs that it was
    /// dropped when dead letters are off. Keeps the whole dead letter (headers and payload) under the
    /// server's max_payload: when the payload does not fit beside the headers it is left out, and
    /// <see cref="NatsFlowHeaders.DeadLetterTruncated"/> gives its size (the original stays in the
    /// stream at the sequence in the headers, while the stream retains it).
    /// </summary>
    internal async Task<string?> PublishDeadLetterAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders headers, string? location, CancellationToken cancellationToken)
    {
        if (Options.EffectiveDeadLetterPrefix is not { } prefix)
        {
            return null;
        }

        var target = prefix + "." + subject;
        var limit = Connection.ServerInfo?.MaxPayload is { } max and > 0 ? max : 1024 * 1024;
        var headerBytes = DeadLetterHeaders.Size(headers) + 256;
        if (headerBytes + payload.Length > limit)
        {
            headers[NatsFlowHeaders.DeadLetterTruncated] = $"the payload ({payload.Length} bytes) was left out to fit max_payload ({limit} bytes){(location is null ? "" : "; the original is " + location)}";
            payload = ReadOnlyMemory<byte>.Empty;
        }

        await PublishAsync(target, payload, headers, waitForSubscriptions: false, cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <inheritdoc/>
    public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null)
    {
        Subjects.EnsureValid(pattern, allowWildcards: true, nameof(pattern));
        options ??= new SubscribeOptions();
        if (options.ManualAck && SubjectPatterns.WhyNotCapturable(pattern) is { } why)
        {
            throw new ArgumentException($"'{pattern}' cannot be subscribed to with manual acknowledgement: the stream would have to capture it, but {why}. Subscribe to narrower subjects.", nameof(pattern));
        }

        return Observable.Create<TransportMessage>(observer =>
        {
            ObjectDisposedException.ThrowIf(Disposing, this);
            return options.ManualAck ? SubscribeDurable(pattern, options.QueueGroup, observer) : SubscribeCore(pattern, options.QueueGroup, observer);
        });
    }

    /// <summary>
    /// Completes when every message published so far through this transport, and every message their
    /// handling published in turn, has been acknowledged by the subscriptions of this transport.
    /// Polls the server's consumer information every <see cref="NatsFlowOptions.IdlePollInterval"/>.
    /// Exact only when every host of the flows runs in this process.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the transport is idle.</returns>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var before = Work.Activity;
            await Work.WhenIdleAsync(cancellationToken).ConfigureAwait(false);

            // After a PING/PONG round trip, every core message the server sent us earlier has arrived.
            var cores = _cores;
            if (!cores.IsEmpty || Interlocked.Exchange(ref _corePublishes, 0) != 0)
            {
                await Connection.PingAsync(cancellationToken).ConfigureAwait(false);
                foreach (var core in cores)
                {
                    await core.DrainAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            long pending = 0;
            foreach (var group in ActiveGroups())
            {
                pending += await group.PendingOnServerAsync(cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _serverPending, pending);
            if (pending == 0 && Work.Pending == 0 && Work.Activity == before)
            {
                await ThreadHop.ToThreadPool();
                return;
            }

            await Task.Delay(Options.IdlePollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Stops every subscription; durable consumers stay on the server for the next host. The connection is not closed.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        ConsumerGroup[] groups;
        ImmutableArray<CoreSubscription> cores;
        lock (_gate)
        {
            groups = [.. _groups.Values];
            _groups.Clear();
            cores = _cores;
            _cores = [];
        }

        foreach (var group in groups)
        {
            group.Stop();
        }

        foreach (var core in cores)
        {
            core.Stop();
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        var pending = _background.Keys.Concat(groups.Select(g => g.Completion)).Concat(cores.Select(c => c.Completion));
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    internal async Task PublishAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers, bool waitForSubscriptions, CancellationToken cancellationToken)
    {
        var waited = false;
        Work.Add();
        try
        {
            if (waitForSubscriptions)
            {
                // A subscription made before this publish must see it, as with the in-memory transport.
                await SubscriptionsReadyAsync().ConfigureAwait(false);
            }

            if (await IsCapturedAsync(subject, cancellationToken).ConfigureAwait(false))
            {
                // A request: its reply resumes this method on the thread pool already (ThreadHop).
                var ack = await JetStream.PublishAsync(subject, payload, Writer, opts: null, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    throw new NatsJSApiException(error);
                }
            }
            else
            {
                var sent = Connection.PublishAsync(subject, payload, headers, replyTo: null, serializer: Writer, cancellationToken: cancellationToken);
                if (!sent.IsCompletedSuccessfully)
                {
                    // It waited for room in the connection's buffer: leave whatever thread freed it.
                    await sent.ConfigureAwait(false);
                    waited = true;
                }

                Interlocked.Increment(ref _corePublishes);
            }
        }
        finally
        {
            Work.Done();
        }

        if (waited)
        {
            await ThreadHop.ToThreadPool();
        }
    }

    /// <summary>Makes the stream capture <paramref name="patterns"/> (creating it when missing), never removing a subject it has.</summary>
    internal async Task EnsureStreamAsync(IReadOnlyCollection<string> patterns, CancellationToken cancellationToken)
    {
        foreach (var pattern in patterns)
        {
            if (SubjectPatterns.WhyNotCapturable(pattern) is { } why)
            {
                throw new ArgumentException($"The stream cannot capture '{pattern}': {why}.", nameof(patterns));
            }
        }

        if (IsKnown() && patterns.All(p => SubjectPatterns.AnyCovers(_captured, p)))
        {
            return;
        }

        await _streamGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsKnown() && patterns.All(p => SubjectPatterns.AnyCovers(_captured, p)))
            {
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                var stream = await TryGetStreamAsync(cancellationToken).ConfigureAwait(false);
                var existing = stream?.Info.Config.Subjects ?? [];
                var wanted = SubjectPatterns.Normalize(existing.Concat(Options.StreamSubjects).Concat(DeadLetterSubjects()).Concat(patterns));
                if (stream is null)
                {
                    var config = new StreamConfig(Options.StreamName, wanted)
                    {
                        Description = "FlowSdk flow messages",
                        Retention = StreamConfigRetention.Limits,
                        Storage = Options.Storage == NatsStorage.Memory ? StreamConfigStorage.Memory : StreamConfigStorage.File,
                        NumReplicas = Options.Replicas,
                        MaxAge = Options.StreamMaxAge,
                        DuplicateWindow = Options.DuplicateWindow,
                        Discard = StreamConfigDiscard.Old,
                    };
                    try
                    {
                        var created = await JetStream.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
                        Captured(created.Info.Config.Subjects);
                        Log.StreamCreated(Logger, Options.StreamName, _captured);
                        return;
                    }
                    catch (NatsJSApiException e) when (e.Error.ErrCode == 10058 && attempt < 5)
                    {
                        continue; // created by another host meanwhile
                    }
                    catch (NatsJSApiException e) when (e.Error.ErrCode == 10065)
                    {
                        throw await OverlapAsync(wanted, e, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (wanted.Count == existing.Count && wanted.All(existing.Contains))
                {
                    Captured(existing);
                    return;
                }

                var update = stream.Info.Config;
                update.Subjects = wanted;
                try
                {
                    var updated = await JetStream.UpdateStreamAsync(update, cancellationToken).ConfigureAwait(false);
                    Captured(updated.Info.Config.Subjects);
                    Log.StreamUpdated(Logger, Options.StreamName, _captured);
                }
                catch (NatsJSApiException e) when (e.Error.ErrCode == 10065)
                {
                    throw await OverlapAsync(wanted, e, cancellationToken).ConfigureAwait(false);
                }

                // Another host may have updated the subjects at the same time: look again.
                if (attempt >= 5)
                {
                    return;
                }
            }
        }
        finally
        {
            _streamGate.Release();
        }
    }

    /// <summary>Whether the stream, as this transport last saw it, captures every subject <paramref name="pattern"/> matches.</summary>
    internal bool Captures(string pattern) => SubjectPatterns.AnyCovers(_captured, pattern);

    internal void Track(Task task)
    {
        if (task.IsCompleted)
        {
            return;
        }

        _background[task] = 0;
        _ = task.ContinueWith(t => _background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    internal void SubscriberThrew(string pattern, string subject, Exception exception) => Log.SubscriberThrew(Logger, pattern, subject, exception);

    internal void SubscribeRetried(string pattern, int attempt) => Log.SubscribeRetried(Logger, pattern, attempt);

    /// <summary>NATS's own subjects: JetStream and key/value API traffic and request/reply inboxes.</summary>
    internal bool IsSystemSubject(string subject) =>
        subject.StartsWith('$') || subject.StartsWith("_INBOX.", StringComparison.Ordinal) || subject.StartsWith(Connection.Opts.InboxPrefix, StringComparison.Ordinal);

    private IDisposable SubscribeCore(string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        var core = new CoreSubscription(this, pattern, queueGroup, observer);
        lock (_gate)
        {
            _cores = _cores.Add(core);
        }

        TrackSetup(StartCoreAsync(core, observer));
        return Disposable.Create(() =>
        {
            lock (_gate)
            {
                _cores = _cores.Remove(core);
            }

            core.Stop();
        });
    }

    private async Task StartCoreAsync(CoreSubscription core, IObserver<TransportMessage> observer)
    {
        try
        {
            await core.StartAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (core.Stopped)
        {
        }
        catch (Exception ex) when (!core.Stopped)
        {
            Log.SubscriptionFailed(Logger, core.Pattern, ex);
            observer.OnError(ex);
        }
    }

    private IDisposable SubscribeDurable(string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        ConsumerGroup group;
        ConsumerGroup.Member member;
        bool configure;
        var key = queueGroup ?? "\0" + Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            var isNew = !_groups.TryGetValue(key, out var existing);
            group = existing ?? new ConsumerGroup(this, queueGroup);
            if (isNew)
            {
                _groups[key] = group;
            }

            member = group.Add(pattern, observer);
            configure = isNew || !group.Covers(pattern);
        }

        if (configure)
        {
            TrackSetup(ConfigureAsync(group));
        }

        return Disposable.Create(() =>
        {
            lock (_gate)
            {
                if (!group.Remove(member))
                {
                    return;
                }

                if (_groups.TryGetValue(key, out var current) && ReferenceEquals(current, group))
                {
                    _groups.Remove(key);
                }
            }

            group.Stop();
        });
    }

    private async Task ConfigureAsync(ConsumerGroup group)
    {
        try
        {
            // Off the subscribing thread, which is still subscribing the flow's other inputs.
            await Task.Yield();
            await group.ConfigureAsync(_disposed.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Disposing && !group.Stopping)
        {
            Log.SubscriptionFailed(Logger, group.QueueGroup ?? "(no queue group)", ex);
            group.Fail(ex);
        }
        catch (Exception)
        {
            // Stopped or disposed meanwhile.
        }
    }

    /// <summary>Counts a subscription's setup as pending work and makes publishes wait for it.</summary>
    private void TrackSetup(Task setup)
    {
        Work.Add();
        lock (_gate)
        {
            _setups = _setups.Add(setup);
        }

        _ = setup.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _setups = _setups.Remove(t);
                }

                Work.Done();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private Task SubscriptionsReadyAsync()
    {
        var setups = _setups;
        return setups.IsEmpty ? Task.CompletedTask : Task.WhenAll(setups).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.RunContinuationsAsynchronously, TaskScheduler.Default);
    }

    private List<ConsumerGroup> ActiveGroups()
    {
        lock (_gate)
        {
            return _groups.Values.Where(g => g.Active).ToList();
        }
    }

    private async ValueTask<bool> IsCapturedAsync(string subject, CancellationToken cancellationToken)
    {
        if (!IsKnown())
        {
            await EnsureStreamAsync([], cancellationToken).ConfigureAwait(false);
        }

        if (SubjectPatterns.AnyCovers(_captured, subject))
        {
            return true;
        }

        // Another host may have added the subject since we last looked. Under the stream gate, so an
        // older answer never replaces what an update of ours just learned.
        if (Environment.TickCount64 - Interlocked.Read(ref _capturedAt) > StreamInfoMaxAge.TotalMilliseconds)
        {
            await _streamGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            INatsJSStream? stream;
            try
            {
                stream = await TryGetStreamAsync(cancellationToken).ConfigureAwait(false);
                if (stream is not null)
                {
                    Captured(stream.Info.Config.Subjects);
                }
            }
            finally
            {
                _streamGate.Release();
            }

            if (stream is null)
            {
                await EnsureStreamAsync([], cancellationToken).ConfigureAwait(false);
            }
        }

        return SubjectPatterns.AnyCovers(_captured, subject);
    }

    private bool IsKnown() => Interlocked.Read(ref _capturedAt) != long.MinValue;

    private void Captured(IEnumerable<string>? subjects)
    {
        _captured = [.. subjects ?? []];
        Interlocked.Exchange(ref _capturedAt, Environment.TickCount64);
    }

    private async Task<INatsJSStream?> TryGetStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await JetStream.GetStreamAsync(Options.StreamName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
    }

    private IEnumerable<string> DeadLetterSubjects() =>
        Options.EffectiveDeadLetterPrefix is { } prefix ? [prefix + ".>"] : [];

    private async Task<InvalidOperationException> OverlapAsync(IReadOnlyList<string> subjects, NatsJSApiException error, CancellationToken cancellationToken)
    {
        var clashes = new List<string>();
        try
        {
            await foreach (var stream in JetStream.ListStreamsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (stream.Info.Config.Name == Options.StreamName)
                {
                    continue;
                }

                foreach (var theirs in stream.Info.Config.Subjects ?? [])
                {
                    foreach (var ours in subjects.Where(s => Common.SubjectRules.Collide(s, theirs)))
                    {
                        clashes.Add($"'{ours}' overlaps '{theirs}' of stream '{stream.Info.Config.Name}'");
                    }
                }
            }
        }
        catch (NatsJSException)
        {
            // Listing is only for a better message.
        }

        var detail = clashes.Count > 0 ? string.Join("; ", clashes) : "another JetStream stream already captures some of " + string.Join(", ", subjects);
        var prefix = Options.EffectiveDeadLetterPrefix;
        var hint = prefix is not null && clashes.Any(c => c.StartsWith($"'{prefix}.>'", StringComparison.Ordinal))
            ? $" If that is another FlowSdk application's stream, give this one a DeadLetterSubjectPrefix of its own (NatsFlowOptions.DeadLetterSubjectPrefix)."
            : " Give FlowSdk that stream (NatsFlowOptions.StreamName) or take the subjects out of the other stream.";
        return new InvalidOperationException($"Stream '{Options.StreamName}' cannot capture the subjects it needs: {detail}.{hint}", error);
    }
}
