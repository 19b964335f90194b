namespace FlowSdk.Sqlite;

/// <summary>Where the SQLite store keeps its file and how it polls, redelivers and leases.</summary>
public sealed class SqliteFlowOptions
{
    /// <summary>The default file name, in the current directory: <c>flowsdk.db</c>.</summary>
    public const string DefaultPath = "flowsdk.db";

    /// <summary>The database file; created with its folder when missing. Default <see cref="DefaultPath"/>.</summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>
    /// How long a read or write waits for a lock another connection holds before it fails with an
    /// error that says the file is locked. Default 10 s.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often watches and consumers look for rows written by other processes (a <c>send</c> from a
    /// second terminal, say). Writes made through this database are seen at once. Default 50 ms.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How many times a message is delivered in all when its handler gives it back; after the last it
    /// is moved to the dead-letter table with the reason and published on
    /// <c>flowsdk.deadletter.&lt;subject&gt;</c>. Default 5, as on NATS.
    /// </summary>
    public int MaxDeliver { get; set; } = 5;

    /// <summary>How long a message given back waits before it is delivered again. Default 100 ms.</summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many messages one consumer holds delivered and not yet acknowledged. Default 1000.</summary>
    public int MaxAckPending { get; set; } = 1000;

    /// <summary>
    /// How long a message id (the <c>Nats-Msg-Id</c> header the runtime sets on every message of an
    /// outbox) is remembered, in the file, to drop a second publish of it. Default 2 minutes, as JetStream.
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the runner lease lasts without renewal; the holder renews it every third of that. A
    /// process that dies without releasing it blocks other runners at most this long. Default 15 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether every commit is flushed to disk (<c>PRAGMA synchronous=FULL</c>). Off by default
    /// (<c>NORMAL</c> in WAL mode): a commit survives the process being killed, but the last commits
    /// before a power loss or an operating-system crash may be rolled back.
    /// </summary>
    public bool FlushEveryCommit { get; set; }

    /// <summary>The clock of leases, redelivery delays and the duplicate window; <see cref="TimeProvider.System"/> when <see langword="null"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    internal SqliteFlowOptions Clone() => (SqliteFlowOptions)MemberwiseClone();

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("SqliteFlowOptions.Path is empty: give the database file, for example flowsdk.db.", nameof(Path));
        }

        if (Path.Trim() == ":memory:" || Path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"SqliteFlowOptions.Path '{Path}' is not a file path; to keep executions in memory only, use the in-memory store instead.", nameof(Path));
        }

        Positive(BusyTimeout, nameof(BusyTimeout));
        Positive(PollInterval, nameof(PollInterval));
        Positive(LeaseDuration, nameof(LeaseDuration));
        Positive(DuplicateWindow, nameof(DuplicateWindow));
        if (RedeliveryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RedeliveryDelay), RedeliveryDelay, "RedeliveryDelay cannot be negative.");
        }

        if (MaxDeliver < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDeliver), MaxDeliver, "MaxDeliver must be at least 1.");
        }

        if (MaxAckPending < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAckPending), MaxAckPending, "MaxAckPending must be at least 1.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, name + " must be positive.");
        }
    }
}
