using FlowSdk.Transport;

namespace FlowSdk.Testing;

/// <summary>
/// Records every message published on a transport (or those matching a pattern), in delivery order,
/// and reads them back typed, per port. <see cref="FlowTestHost"/> attaches one before its runtime
/// starts, so it sees everything, including what a starting runtime publishes.
/// </summary>
/// <example>
/// <code>
/// using var recorder = MessageRecorder.Attach(runtime.Transport);
/// // ... run the flow ...
/// OrderNoticed notice = recorder.SingleOf(OrderFlow.Ports.OrderNoticed);
/// IReadOnlyList&lt;ExecutionEnded&gt; ended = recorder.Of(ExecutionEnded.Port("orders.done"));
/// </code>
/// </example>
public sealed class MessageRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<RecordedMessage> _messages = [];
    private readonly TimeProvider _time;
    private IDisposable? _subscription;

    private MessageRecorder(TimeProvider time) => _time = time;

    /// <summary>Starts recording the messages published on <paramref name="transport"/>.</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="pattern">Which subjects to record; every subject (<see cref="SubjectPattern.All"/>) when not given.</param>
    /// <param name="time">The clock that stamps each message; <see cref="TimeProvider.System"/> when not given.</param>
    /// <returns>The recorder; dispose it to stop recording.</returns>
    public static MessageRecorder Attach(IMessageTransport transport, SubjectPattern? pattern = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var recorder = new MessageRecorder(time ?? TimeProvider.System);
        recorder._subscription = transport.Subscribe((pattern ?? SubjectPattern.All).Value).Subscribe(new Observer(recorder));
        return recorder;
    }

    /// <summary>Every recorded message, oldest first.</summary>
    public IReadOnlyList<RecordedMessage> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The subjects of every recorded message, oldest first.</summary>
    public IReadOnlyList<string> Subjects => All.Select(m => m.Subject).ToList();

    /// <summary>The recorded messages on subjects that <paramref name="pattern"/> matches, oldest first.</summary>
    /// <param name="pattern">The subjects.</param>
    /// <returns>The messages.</returns>
    public IReadOnlyList<RecordedMessage> Matching(SubjectPattern pattern)
    {
        var text = pattern.Value;

        // Not pattern.Matches, which refuses subjects with wildcard tokens: a broker's own traffic has some
        // (the JetStream API's subjects name the patterns they act on), and a recorder on ">" sees it.
        return All.Where(m => FlowSdk.Subjects.Matches(pattern: text, subject: m.Subject)).ToList();
    }

    /// <summary>The messages recorded on <paramref name="port"/>'s subject, read with its formatter, oldest first.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port (from a generated <c>Ports</c> class, or <see cref="ExecutionEnded.Port"/>).</param>
    /// <returns>The messages.</returns>
    public IReadOnlyList<T> Of<T>(MessagePort<T> port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return All.Where(m => m.Subject == port.Subject).Select(m => port.Deserialize(m.Payload)).ToList();
    }

    /// <summary>The one message recorded on <paramref name="port"/>'s subject.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FlowAssertionException">None or more than one was recorded; the message lists what was.</exception>
    public T SingleOf<T>(MessagePort<T> port)
    {
        var messages = Of(port);
        if (messages.Count != 1)
        {
            throw new FlowAssertionException($"Expected one {port.MessageType} on '{port.Subject}', found {messages.Count}. Recorded: {Describe()}.");
        }

        return messages[0];
    }

    /// <summary>
    /// The dead letters recorded: messages a transport gave up on, on <c>flowsdk.deadletter.&lt;subject&gt;</c>,
    /// with the subject they were published on and the reason. A dead letter published twice with the same
    /// message id (its publisher retried; a stream stores it once) is listed once.
    /// </summary>
    public IReadOnlyList<DeadLetter> DeadLetters => All
        .Where(m => m.Subject.StartsWith(InMemoryTransport.DeadLetterSubjectPrefix, StringComparison.Ordinal))
        .DistinctBy(m => m.Headers.TryGetValue(MessageHeaders.MessageId, out var id) ? id : "#" + m.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal)
        .Select(m => new DeadLetter(
            m.Headers.TryGetValue(InMemoryTransport.DeadLetterSubjectHeader, out var subject) ? subject : m.Subject[InMemoryTransport.DeadLetterSubjectPrefix.Length..],
            m.Headers.TryGetValue(InMemoryTransport.DeadLetterReasonHeader, out var reason) ? reason : "",
            m))
        .ToList();

    /// <summary>Forgets what was recorded so far.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _messages.Clear();
        }
    }

    /// <summary>Stops recording.</summary>
    public void Dispose() => _subscription?.Dispose();

    /// <summary>The recorded subjects, for messages of failed assertions.</summary>
    /// <returns>The subjects, or "nothing".</returns>
    public string Describe()
    {
        var subjects = Subjects;
        return subjects.Count == 0 ? "nothing" : string.Join(", ", subjects);
    }

    private void Record(TransportMessage message)
    {
        lock (_gate)
        {
            _messages.Add(new RecordedMessage(_messages.Count + 1, _time.GetUtcNow(), message.Subject, message.Payload.ToArray(), message.Headers));
        }
    }

    private sealed class Observer(MessageRecorder recorder) : IObserver<TransportMessage>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(TransportMessage value) => recorder.Record(value);
    }
}

/// <summary>A message a <see cref="MessageRecorder"/> saw.</summary>
/// <param name="Sequence">Its place in the recording, from 1.</param>
/// <param name="At">When it was seen, on the recorder's clock.</param>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="Payload">Its MessagePack bytes.</param>
/// <param name="Headers">Its headers.</param>
public sealed record RecordedMessage(int Sequence, DateTimeOffset At, string Subject, ReadOnlyMemory<byte> Payload, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Reads the message with <paramref name="port"/>'s formatter.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The port.</param>
    /// <returns>The message.</returns>
    public T As<T>(MessagePort<T> port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Deserialize(Payload);
    }
}

/// <summary>A message the transport gave up on.</summary>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="Reason">Why it failed, from its headers.</param>
/// <param name="Message">The dead letter as recorded.</param>
public sealed record DeadLetter(string Subject, string Reason, RecordedMessage Message);
