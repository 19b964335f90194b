using FlowSdk.Transport;
using NATS.Client.Core;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// A subscription without manual acknowledgement: a core NATS subscription (in a queue group when
/// one is given). Messages are handed on one at a time, in the order the server sent them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Its CancellationTokenSource has no timer, so there is nothing to release; it is cancelled when the owner stops.")]
internal sealed class CoreSubscription
{
    private const int MaxSubscribeAttempts = 5;
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(3);

    private readonly NatsTransport _transport;
    private readonly IObserver<TransportMessage> _observer;
    private readonly CancellationTokenSource _stop = new();
    private INatsSub<byte[]>? _sub;
    private long _read;
    private volatile bool _inHandler;

    public CoreSubscription(NatsTransport transport, string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        _transport = transport;
        Pattern = pattern;
        QueueGroup = queueGroup;
        _observer = observer;
    }

    public string Pattern { get; }

    public string? QueueGroup { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public bool Stopped => _stop.IsCancellationRequested;

    /// <summary>Sends the SUB: once this completes, messages published afterwards on this connection reach the subscription.</summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var subscribe = _transport.Connection.SubscribeCoreAsync(Pattern, QueueGroup, NatsTransport.Reader, cancellationToken: _stop.Token).AsTask();
            if (await Task.WhenAny(subscribe, Task.Delay(SubscribeTimeout, _stop.Token)).ConfigureAwait(false) == subscribe)
            {
                _sub = await subscribe.ConfigureAwait(false);
                break;
            }

            // NATS.Net 3.3.2 was seen, rarely and under load, never completing a SubscribeCoreAsync
            // on a healthy connection. Subscribe again, and drop the late one should it ever come.
            _ = subscribe.ContinueWith(
                static t => t.Result.DisposeAsync().AsTask(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
            _stop.Token.ThrowIfCancellationRequested();
            _transport.SubscribeRetried(Pattern, attempt);
            if (attempt == MaxSubscribeAttempts)
            {
                throw new TimeoutException($"The NATS client did not confirm the subscription to '{Pattern}' within {SubscribeTimeout.TotalSeconds} s, {MaxSubscribeAttempts} times.");
            }
        }

        Completion = Task.Run(PumpAsync, CancellationToken.None);
    }

    /// <summary>
    /// Waits until every message that had reached this client when called has been handed on. Called
    /// after a PING/PONG round trip, it covers everything the server sent before the PONG.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_sub is not { } sub || Stopped)
        {
            return;
        }

        var target = Interlocked.Read(ref _read) + (sub.Msgs.CanCount ? sub.Msgs.Count : 0);
        while ((Interlocked.Read(ref _read) < target || _inHandler) && !Stopped)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Stop()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _transport.Track(_stop.CancelAsync());
        if (_sub is { } sub)
        {
            _transport.Track(sub.DisposeAsync().AsTask());
        }
    }

    private async Task PumpAsync()
    {
        var sub = _sub!;
        try
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (!_transport.IsSystemSubject(msg.Subject))
                {
                    // NATS's own traffic ($JS, $KV, inboxes) is not flow work: counting it would keep
                    // the idle check, which itself talks to JetStream, from ever settling.
                    _transport.Work.Touch();
                }

                _inHandler = true;
                try
                {
                    _observer.OnNext(new NatsTransportMessage(msg.Subject, msg.Data ?? [], NatsTransportMessage.ReadHeaders(msg.Headers), 1, settlement: null));
                }
                catch (Exception ex)
                {
                    // As with the in-memory transport: a subscriber that throws loses that message only.
                    _transport.SubscriberThrew(Pattern, msg.Subject, ex);
                }
                finally
                {
                    _inHandler = false;
                    Interlocked.Increment(ref _read);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
