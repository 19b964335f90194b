using FlowSdk.Internal;
using FlowSdk.State;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// One <see cref="NatsStateStore.Watch"/> subscription: a consumer of the bucket's stream created
/// before the watch counts as started, so the writes committed after that are delivered, in
/// revision order, except a revision the bucket dropped for a newer one of the same key before the
/// consumer reached it (history 1). If the consumer is lost (for example after a long
/// disconnection) a new one resumes after the last revision delivered.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Its CancellationTokenSource has no timer, so there is nothing to release; it is cancelled when the owner stops.")]
internal sealed class KvWatch
{
    private static readonly TimeSpan InactiveThreshold = TimeSpan.FromMinutes(1);

    private readonly INatsJSContext _js;
    private readonly string _bucket;
    private readonly string _subjectPrefix;
    private readonly IObserver<StateEntry> _observer;
    private readonly IdleTracker _pending;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Queue<ulong> _expected = new();
    private ulong _startedAfter = ulong.MaxValue;
    private ulong _lastSeen;
    private bool _stopped;

    private readonly Func<CancellationToken, Task> _ensureBucket;

    public KvWatch(INatsJSContext js, string bucket, Func<CancellationToken, Task> ensureBucket, string prefix, IObserver<StateEntry> observer, IdleTracker pending, ILogger logger)
    {
        _js = js;
        _ensureBucket = ensureBucket;
        _bucket = bucket;
        _subjectPrefix = "$KV." + bucket + ".";
        Prefix = prefix;
        _observer = observer;
        _pending = pending;
        _logger = logger;
    }

    public string Prefix { get; }

    /// <summary>Completes once the consumer exists: writes committed after that are delivered.</summary>
    public Task Ready => _ready.Task;

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync, CancellationToken.None);

    /// <summary>
    /// Called after this store committed <paramref name="revision"/> on a key this watch covers: the
    /// store is not idle until the watch has delivered it.
    /// </summary>
    public void Expect(ulong revision)
    {
        lock (_gate)
        {
            if (_stopped || revision <= _startedAfter || revision <= _lastSeen)
            {
                return;
            }

            _expected.Enqueue(revision);
            _pending.Add();
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            while (_expected.TryDequeue(out _))
            {
                _pending.Done();
            }
        }

        _ = _stop.CancelAsync();
        _ready.TrySetResult();
    }

    private void Seen(ulong revision)
    {
        lock (_gate)
        {
            _lastSeen = Math.Max(_lastSeen, revision);
            while (_expected.TryPeek(out var next) && next <= revision)
            {
                _expected.Dequeue();
                _pending.Done();
            }
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var filter = Prefix.Length > 0 && Prefix.EndsWith('.') && Subjects.Validate(_subjectPrefix + Prefix + ">", allowWildcards: true) is null
            ? _subjectPrefix + Prefix + ">"
            : _subjectPrefix + ">";
        var delay = TimeSpan.FromMilliseconds(100);
        string? name = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _ensureBucket(token).ConfigureAwait(false);
                name = Names.Ephemeral("watch");
                var config = new ConsumerConfig
                {
                    Name = name,
                    Description = $"FlowSdk state watch of '{Prefix}'",
                    FilterSubject = filter,
                    AckPolicy = ConsumerConfigAckPolicy.None,
                    InactiveThreshold = InactiveThreshold,
                    MemStorage = true,
                };
                ulong resumeAfter;
                lock (_gate)
                {
                    resumeAfter = _lastSeen;
                }

                if (resumeAfter == 0 && _startedAfter == ulong.MaxValue)
                {
                    config.DeliverPolicy = ConsumerConfigDeliverPolicy.New;
                }
                else
                {
                    config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence;
                    config.OptStartSeq = Math.Max(resumeAfter, _startedAfter) + 1;
                }

                var consumer = await _js.CreateOrUpdateConsumerAsync("KV_" + _bucket, config, token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_startedAfter == ulong.MaxValue)
                    {
                        // Writes with a larger revision than the stream held when the consumer was made are delivered.
                        _startedAfter = consumer.Info.Delivered.StreamSeq;
                    }
                }

                _ready.TrySetResult();
                delay = TimeSpan.FromMilliseconds(100);
                await foreach (var msg in consumer.ConsumeAsync(NatsTransport.Reader, new NatsJSConsumeOpts { MaxMsgs = 256 }, token).ConfigureAwait(false))
                {
                    var revision = msg.Metadata?.Sequence.Stream ?? 0;
                    var key = msg.Subject.StartsWith(_subjectPrefix, StringComparison.Ordinal) ? msg.Subject[_subjectPrefix.Length..] : msg.Subject;
                    var operation = msg.Headers is { } headers && headers.TryGetValue("KV-Operation", out var op) ? op.ToString() : null;
                    if (operation is null && key.StartsWith(Prefix, StringComparison.Ordinal) && !_stopped)
                    {
                        try
                        {
                            _observer.OnNext(new StateEntry(key, msg.Data ?? [], revision));
                        }
                        catch (Exception)
                        {
                            // A watcher that throws misses that change, as with the in-memory store; the watch goes on.
                        }
                    }

                    Seen(revision);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Writes must not wait forever on a watch that cannot start; it keeps trying meanwhile.
                _ready.TrySetResult();
                Log.WatchFailed(_logger, _bucket, Prefix, _lastSeen, delay, ex);
                try
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        if (name is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _js.DeleteConsumerAsync("KV_" + _bucket, name, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The server removes an inactive ephemeral consumer by itself after InactiveThreshold.
            }
        }
    }
}
