using FlowSdk.Nats.Internal;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace FlowSdk.Nats;

/// <summary>
/// How FlowSdk uses a NATS server: the connection, the key/value bucket that holds execution state,
/// the stream that holds flow messages, and how its consumers deliver and redeliver. The defaults
/// suit one NATS server or cluster shared by every host of an application; docs/nats.md explains
/// each setting.
/// </summary>
public sealed partial class NatsFlowOptions
{
    /// <summary>
    /// The server URL, or several separated by commas (<c>nats://a:4222,nats://b:4222</c>). User
    /// information in a URL (<c>nats://user:password@host:4222</c>) is used to authenticate and is
    /// never logged. Default <c>nats://127.0.0.1:4222</c>.
    /// </summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The user name for user/password authentication.</summary>
    public string? Username { get; set; }

    /// <summary>The password for user/password authentication. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>The token for token authentication. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// A file holding the user's NKey seed (a line starting with <c>SU</c>, as <c>nk -gen user</c> or
    /// <c>nsc</c> write it), for NKey authentication: the public key is derived from the seed, and the
    /// seed signs the server's challenge. With <see cref="Jwt"/>, the seed that goes with the user JWT.
    /// The seed is never logged.
    /// </summary>
    public string? NKeySeedFile { get; set; }

    /// <summary>
    /// The user's NKey seed itself (<c>SU...</c>), for NKey authentication or, with <see cref="Jwt"/>,
    /// JWT authentication; for example from a secret store. Prefer <see cref="NKeySeedFile"/> where a
    /// file can be protected. Never logged.
    /// </summary>
    public string? NKeySeed { get; set; }

    /// <summary>
    /// The user JWT for JWT (decentralized) authentication, signed by the account; the seed of the
    /// user's NKey comes from <see cref="NKeySeed"/> or <see cref="NKeySeedFile"/>. Never logged.
    /// </summary>
    public string? Jwt { get; set; }

    /// <summary>
    /// A credentials file (<c>.creds</c>, as <c>nsc</c> writes it) holding the user JWT and its NKey
    /// seed, for JWT authentication. Its contents are never logged.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>TLS settings (mode, CA, client certificate); the client's defaults when not set (TLS when the URL is <c>tls://</c> or the server requires it).</summary>
    public NatsTlsOpts? Tls { get; set; }

    /// <summary>The connection name the server shows in its monitoring. Default <c>flowsdk</c>.</summary>
    public string ConnectionName { get; set; } = "flowsdk";

    /// <summary>How many times to try reconnecting after the connection drops; -1 (the default) retries forever.</summary>
    public int MaxReconnectRetry { get; set; } = -1;

    /// <summary>The longest wait between reconnect attempts (they back off from 100 ms up to this). Default 2 s.</summary>
    public TimeSpan ReconnectWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A last word on the client options, for settings this class does not name (for example
    /// <see cref="NatsOpts.SubPendingChannelCapacity"/>).
    /// </summary>
    public Func<NatsOpts, NatsOpts>? ConfigureConnection { get; set; }

    /// <summary>Where the transport, the store and the NATS client log. Credentials are removed from everything logged.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The key/value bucket that holds execution state. Created when missing. Default <c>flowsdk-state</c>.</summary>
    public string StateBucket { get; set; } = "flowsdk-state";

    /// <summary>
    /// How many revisions of each key the state bucket keeps when FlowSdk creates it (1 to 64).
    /// Default 1: a watch is sure to see the latest revision of a key, while a revision replaced by
    /// a newer one before the watch received it may be skipped; keep more to give watches slack.
    /// </summary>
    public int StateHistory { get; set; } = 1;

    /// <summary>The stream that holds flow messages. Created when missing. Default <c>FLOWSDK</c>.</summary>
    public string StreamName { get; set; } = "FLOWSDK";

    /// <summary>
    /// Subjects the stream captures besides the ones FlowSdk adds itself (the input subjects of the
    /// flows that run against it, and the dead-letter subjects). List a subject here when messages
    /// may be published on it before any host has started the flow that consumes it, for example
    /// <c>plans.&gt;</c>. A subject whose first token is a wildcard is refused: it would capture
    /// NATS's own <c>$JS</c>, <c>$KV</c> and <c>_INBOX</c> traffic.
    /// </summary>
    public IList<string> StreamSubjects { get; } = new List<string>();

    /// <summary>Where streams and buckets FlowSdk creates keep their data. Default <see cref="NatsStorage.File"/>.</summary>
    public NatsStorage Storage { get; set; } = NatsStorage.File;

    /// <summary>How many replicas streams and buckets FlowSdk creates have (1 to 5; a cluster needs at least as many servers). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>How long the stream keeps a message (consumed or not) when FlowSdk creates it; <see cref="TimeSpan.Zero"/> keeps messages until the stream's other limits remove them. Default 7 days.</summary>
    public TimeSpan StreamMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long the stream remembers <c>Nats-Msg-Id</c> headers to drop duplicates, when FlowSdk
    /// creates it: a message published again with the same id within this window is stored once.
    /// Default 2 minutes (the server's default).
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many times a message is delivered to a flow before it is given up: after the last
    /// delivery fails, it is published to the dead-letter subject and acknowledged. Default 5.
    /// </summary>
    public int MaxDeliver { get; set; } = 5;

    /// <summary>How long after a failed delivery the message is delivered again. Default 1 s.</summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the server waits for an acknowledgement before it delivers a message again. While a
    /// message is being handled the transport tells the server so every third of this time, so only a
    /// host that stopped (or lost its connection) lets a message be redelivered, and this is how long
    /// the messages a crashed host held wait before another host gets them. Default 5 s.
    /// </summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many messages one flow may have delivered and not yet acknowledged, across all hosts. Default 1000.</summary>
    public int MaxAckPending { get; set; } = 1000;

    /// <summary>How many messages a host asks the server for at a time, per flow. Default 256.</summary>
    public int PullBatch { get; set; } = 256;

    /// <summary>
    /// How many lanes a runtime on this transport runs per flow when <c>FlowRuntimeOptions.Lanes</c>
    /// is not set (<see cref="FlowSdk.Transport.ILanePreference"/>): how many executions a host
    /// handles at once per flow. Each stateful event waits on round trips to the server (a key/value
    /// read, a compare-and-set write), so many more lanes than processors keep a host busy. One
    /// execution's events still share a lane and stay in order. Never more than
    /// <see cref="MaxAckPending"/>, which bounds the messages delivered and not yet acknowledged
    /// anyway. Default 64.
    /// </summary>
    public int Lanes { get; set; } = 64;

    /// <summary>
    /// Whether each acknowledgement waits for the server to confirm it (JetStream's double
    /// acknowledgement) before the lane moves on. Default <see langword="false"/>: the acknowledgement
    /// is sent after the state change is committed and the lane moves on at once. Either way a
    /// message is acknowledged only after its commit; an acknowledgement the server never receives
    /// leaves the message to be delivered again after <see cref="AckWait"/>, which a confirmed
    /// acknowledgement that fails does as well. A redelivery of a message this host already
    /// acknowledged is acknowledged again without being handled twice.
    /// </summary>
    public bool ConfirmAcknowledgements { get; set; }

    /// <summary>Where a flow's durable consumer starts the first time it is created. Default <see cref="NatsConsumerStart.AllRetained"/>.</summary>
    public NatsConsumerStart ConsumerStart { get; set; } = NatsConsumerStart.AllRetained;

    /// <summary>
    /// Whether a message given up after its last allowed delivery is published to a dead-letter
    /// subject (the default) or dropped (acknowledged as terminated, with a warning in the log).
    /// </summary>
    public bool DeadLetters { get; set; } = true;

    /// <summary>
    /// The prefix of dead-letter subjects: a message given up on subject <c>s</c> is published on
    /// <c>&lt;prefix&gt;.s</c>, which the stream captures. Default <c>flowsdk.deadletter</c>, as with
    /// the in-memory transport. Two FlowSdk streams on one server need different prefixes, since
    /// two streams cannot capture the same subjects.
    /// </summary>
    public string DeadLetterSubjectPrefix { get; set; } = "flowsdk.deadletter";

    /// <summary>The dead-letter prefix in force, or <see langword="null"/> when dead letters are off.</summary>
    internal string? EffectiveDeadLetterPrefix => DeadLetters ? DeadLetterSubjectPrefix : null;

    /// <summary>How often <see cref="NatsTransport.WhenIdleAsync"/> asks the server about pending messages. Default 20 ms.</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A copy, so a transport or store is not affected by later changes to the options it was given.</summary>
    internal NatsFlowOptions Clone()
    {
        var copy = new NatsFlowOptions
        {
            Url = Url,
            Username = Username,
            Password = Password,
            Token = Token,
            NKeySeedFile = NKeySeedFile,
            NKeySeed = NKeySeed,
            Jwt = Jwt,
            CredentialsFile = CredentialsFile,
            Tls = Tls,
            ConnectionName = ConnectionName,
            MaxReconnectRetry = MaxReconnectRetry,
            ReconnectWaitMax = ReconnectWaitMax,
            ConfigureConnection = ConfigureConnection,
            LoggerFactory = LoggerFactory,
            StateBucket = StateBucket,
            StateHistory = StateHistory,
            StreamName = StreamName,
            Storage = Storage,
            Replicas = Replicas,
            StreamMaxAge = StreamMaxAge,
            DuplicateWindow = DuplicateWindow,
            MaxDeliver = MaxDeliver,
            RedeliveryDelay = RedeliveryDelay,
            AckWait = AckWait,
            MaxAckPending = MaxAckPending,
            PullBatch = PullBatch,
            Lanes = Lanes,
            ConfirmAcknowledgements = ConfirmAcknowledgements,
            ConsumerStart = ConsumerStart,
            DeadLetters = DeadLetters,
            DeadLetterSubjectPrefix = DeadLetterSubjectPrefix,
            IdlePollInterval = IdlePollInterval,
        };
        foreach (var subject in StreamSubjects)
        {
            copy.StreamSubjects.Add(subject);
        }

        return copy;
    }

    /// <summary>Throws a clear exception for the first setting that cannot work.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Url))
        {
            throw new ArgumentException("NatsFlowOptions.Url is empty: give the server's URL, for example nats://127.0.0.1:4222.", nameof(Url));
        }

        ValidateAuthentication();
        if (Names.ValidateBucketName(StateBucket) is { } bucket)
        {
            throw new ArgumentException($"NatsFlowOptions.StateBucket is not a valid bucket name: {bucket}.", nameof(StateBucket));
        }

        if (Names.ValidateStreamName(StreamName) is { } stream)
        {
            throw new ArgumentException($"NatsFlowOptions.StreamName is not a valid stream name: {stream}.", nameof(StreamName));
        }

        foreach (var subject in StreamSubjects)
        {
            if (Subjects.Validate(subject, allowWildcards: true) is { } problem)
            {
                throw new ArgumentException($"NatsFlowOptions.StreamSubjects holds '{subject}', which is not a valid subject: {problem}.", nameof(StreamSubjects));
            }

            if (SubjectPatterns.WhyNotCapturable(subject) is { } reason)
            {
                throw new ArgumentException($"NatsFlowOptions.StreamSubjects holds '{subject}', which the stream cannot capture: {reason}.", nameof(StreamSubjects));
            }
        }

        if (EffectiveDeadLetterPrefix is { } prefix && (Subjects.Validate(prefix, allowWildcards: false) is not null || SubjectPatterns.WhyNotCapturable(prefix) is not null))
        {
            throw new ArgumentException($"NatsFlowOptions.DeadLetterSubjectPrefix '{prefix}' is not a subject prefix the stream can capture.", nameof(DeadLetterSubjectPrefix));
        }

        Positive(MaxDeliver, nameof(MaxDeliver));
        Positive(MaxAckPending, nameof(MaxAckPending));
        Positive(PullBatch, nameof(PullBatch));
        Positive(Lanes, nameof(Lanes));
        if (StateHistory is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(StateHistory), StateHistory, "NatsFlowOptions.StateHistory must be between 1 and 64.");
        }

        if (Replicas is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(Replicas), Replicas, "NatsFlowOptions.Replicas must be between 1 and 5.");
        }

        if (AckWait < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(AckWait), AckWait, "NatsFlowOptions.AckWait must be at least 1 second.");
        }

        if (RedeliveryDelay < TimeSpan.Zero || StreamMaxAge < TimeSpan.Zero || DuplicateWindow < TimeSpan.Zero || IdlePollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RedeliveryDelay), "NatsFlowOptions time spans cannot be negative, and IdlePollInterval must be positive.");
        }
    }

    /// <summary>One way to authenticate at a time, each complete.</summary>
    private void ValidateAuthentication()
    {
        var kinds = new List<string>();
        if (!string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password))
        {
            kinds.Add("user/password (Username, Password)");
        }

        if (!string.IsNullOrEmpty(Token))
        {
            kinds.Add("token (Token)");
        }

        var seeds = new[] { (nameof(NKeySeedFile), NKeySeedFile), (nameof(NKeySeed), NKeySeed) }.Where(s => !string.IsNullOrEmpty(s.Item2)).Select(s => s.Item1).ToList();
        if (seeds.Count > 1)
        {
            throw new ArgumentException("NatsFlowOptions.NKeySeedFile and NKeySeed are both set: give the seed one way.", nameof(NKeySeed));
        }

        if (!string.IsNullOrEmpty(Jwt))
        {
            if (seeds.Count == 0)
            {
                throw new ArgumentException("NatsFlowOptions.Jwt is set without the seed that signs for it: set NKeySeedFile or NKeySeed too, or use a credentials file (CredentialsFile), which holds both.", nameof(Jwt));
            }

            kinds.Add($"JWT (Jwt, {seeds[0]})");
        }
        else if (seeds.Count == 1)
        {
            kinds.Add($"NKey ({seeds[0]})");
        }

        if (!string.IsNullOrEmpty(CredentialsFile))
        {
            kinds.Add("credentials file (CredentialsFile)");
        }

        if (kinds.Count > 1)
        {
            throw new ArgumentException($"NatsFlowOptions configures more than one way to authenticate: {string.Join(", ", kinds)}. Keep one.", nameof(NatsFlowOptions));
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            throw new ArgumentException("NatsFlowOptions.Password is set without a Username.", nameof(Username));
        }
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, $"NatsFlowOptions.{name} must be at least 1.");
        }
    }
}

/// <summary>Where JetStream keeps a stream's or bucket's data.</summary>
public enum NatsStorage
{
    /// <summary>On disk: survives a server restart.</summary>
    File,

    /// <summary>In memory: faster, lost when the server stops.</summary>
    Memory,
}

/// <summary>Where a flow's durable consumer starts reading the stream the first time it is created.</summary>
public enum NatsConsumerStart
{
    /// <summary>
    /// At the oldest message the stream retains on the flow's subjects, so nothing published before
    /// the first host started the flow is missed. A flow added later to a stream that already holds
    /// messages on its subjects handles those too.
    /// </summary>
    AllRetained,

    /// <summary>At the first message published after the consumer is created.</summary>
    New,
}
