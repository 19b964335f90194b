using FlowSdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace FlowSdk.Sqlite;

/// <summary>
/// A FlowSdk database: one SQLite file (WAL mode) that holds execution state, the message inbox,
/// dead letters and the runner lease. Its <see cref="Store"/> and <see cref="Transport"/> implement
/// the same contracts as the in-memory and NATS ones; several processes may open the same file, one
/// of them running the flows (<see cref="TryAcquireRunnerLease"/>) while the others enqueue messages
/// and read executions.
/// </summary>
/// <example>
/// <code>
/// await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = "flowsdk.db" });
/// await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions().UseSqlite(database));
/// </code>
/// </example>
public sealed class SqliteFlowDatabase : IAsyncDisposable
{
    private readonly Connections _connections;
    private int _disposed;

    private SqliteFlowDatabase(SqliteFlowOptions options, Connections connections)
    {
        Options = options;
        _connections = connections;
        Time = options.TimeProvider ?? TimeProvider.System;
        Store = new SqliteStateStore(this);
        Transport = new SqliteTransport(this);
    }

    /// <summary>The database file, as a full path.</summary>
    public string Path => Options.Path;

    /// <summary>The state store over this file.</summary>
    public SqliteStateStore Store { get; }

    /// <summary>The message transport over this file.</summary>
    public SqliteTransport Transport { get; }

    internal SqliteFlowOptions Options { get; }

    internal TimeProvider Time { get; }

    internal Connections Connections => _connections;

    internal bool Disposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Opens the file, creating it (and its folder) when missing, and brings its schema up to date.
    /// </summary>
    /// <param name="options">The file and settings; <see cref="SqliteFlowOptions.DefaultPath"/> when <see langword="null"/>.</param>
    /// <returns>The open database.</returns>
    /// <exception cref="SqliteFlowStoreException">
    /// The file is not an SQLite file, belongs to another application, holds a schema newer than this
    /// build reads, or is locked by another process; the message says what to do. The file is left untouched.
    /// </exception>
    public static SqliteFlowDatabase Open(SqliteFlowOptions? options = null)
    {
        options = (options ?? new SqliteFlowOptions()).Clone();
        options.Validate();
        options.Path = System.IO.Path.GetFullPath(options.Path);
        if (Directory.Exists(options.Path))
        {
            throw new SqliteFlowStoreException(options.Path, $"'{options.Path}' is a folder; the FlowSdk database is a file. Give a file path such as {System.IO.Path.Combine(options.Path, SqliteFlowOptions.DefaultPath)}.");
        }

        if (System.IO.Path.GetDirectoryName(options.Path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new SqliteConnection(Connections.ConnectionString(options.Path, options.BusyTimeout));
        var writer = new Db(connection);
        try
        {
            try
            {
                connection.Open();
                writer.Execute("PRAGMA busy_timeout = " + ((int)options.BusyTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Schema.Open(writer, options.Path);
            }
            catch (SqliteException ex) when (Errors.IsLocked(ex))
            {
                throw Errors.Locked(options.Path, ex);
            }
            catch (SqliteException ex) when (Errors.IsUnreadable(ex))
            {
                throw Errors.Unreadable(options.Path, ex);
            }

            return new SqliteFlowDatabase(options, new Connections(options.Path, options.BusyTimeout, options.FlushEveryCommit, writer));
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the runner lease of this file: the right to run the flows on it. Only one process holds
    /// it at a time; it lasts <see cref="SqliteFlowOptions.LeaseDuration"/> and the returned lease
    /// renews it until disposed. A lease whose holder died expires and can then be taken; when the
    /// holder ran on this machine and its process is gone (killed, crashed), it is taken at once.
    /// </summary>
    /// <param name="holder">Who is taking it, shown to others (for example <c>pid 4242 on build-01</c>); the process when <see langword="null"/>.</param>
    /// <returns>The lease, or <see langword="null"/> when another process holds it (see <see cref="RunnerLeaseHolder"/>).</returns>
    public SqliteRunnerLease? TryAcquireRunnerLease(string? holder = null)
    {
        holder ??= $"pid {Environment.ProcessId} on {Environment.MachineName}";
        var owner = Guid.NewGuid().ToString("N");
        var taken = _connections.Write(db =>
        {
            var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
            using (var reader = db.Command("SELECT expires_at, machine, pid FROM leases WHERE name = 'runner'").ExecuteReader())
            {
                if (reader.Read() && reader.GetInt64(0) > now && !HolderIsGone(reader.GetString(1), reader.GetInt32(2)))
                {
                    return false;
                }
            }

            var upsert = db.Command("INSERT INTO leases (name, owner, holder, machine, pid, expires_at) VALUES ('runner', $owner, $holder, $machine, $pid, $expires) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, holder = excluded.holder, machine = excluded.machine, pid = excluded.pid, expires_at = excluded.expires_at");
            upsert.Parameters.AddWithValue("$owner", owner);
            upsert.Parameters.AddWithValue("$holder", holder);
            upsert.Parameters.AddWithValue("$machine", Environment.MachineName);
            upsert.Parameters.AddWithValue("$pid", Environment.ProcessId);
            upsert.Parameters.AddWithValue("$expires", now + (long)Options.LeaseDuration.TotalMilliseconds);
            upsert.ExecuteNonQuery();
            return true;
        });
        return taken ? new SqliteRunnerLease(this, owner, holder) : null;
    }

    /// <summary>Who holds the runner lease now, and until when; <see langword="null"/> when nobody does.</summary>
    /// <returns>The holder and expiry, or <see langword="null"/>.</returns>
    public SqliteLeaseHolder? RunnerLeaseHolder() => _connections.Read(db =>
    {
        using var reader = db.Command("SELECT holder, expires_at FROM leases WHERE name = 'runner'").ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var expires = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
        return expires > Time.GetUtcNow() ? new SqliteLeaseHolder(reader.GetString(0), expires) : null;
    });

    /// <summary>Reads the dead letters: messages no delivery could handle, oldest first, with the reason.</summary>
    /// <param name="max">At most this many.</param>
    /// <returns>The dead letters.</returns>
    public IReadOnlyList<SqliteDeadLetter> ReadDeadLetters(int max = 1000) => _connections.Read(db =>
    {
        var command = db.Command("SELECT seq, consumer, subject, payload, headers, reason, deliveries, at FROM dead_letters ORDER BY seq LIMIT $max");
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var letters = new List<SqliteDeadLetter>();
        while (reader.Read())
        {
            letters.Add(new SqliteDeadLetter(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                (byte[])reader.GetValue(3),
                Headers.Decode(reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4)),
                reader.GetString(5),
                reader.GetInt32(6),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }

        return (IReadOnlyList<SqliteDeadLetter>)letters;
    });

    /// <summary>Stops the store's watches and the transport's consumers, then closes the file.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Transport.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        _connections.Dispose();
    }

    /// <summary>Whether the lease's holder was a process of this machine that no longer runs.</summary>
    private static bool HolderIsGone(string machine, int pid)
    {
        if (!string.Equals(machine, Environment.MachineName, StringComparison.Ordinal) || pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    internal bool RenewLease(string owner) => _connections.Write(db =>
    {
        var command = db.Command("UPDATE leases SET expires_at = $expires WHERE name = 'runner' AND owner = $owner");
        command.Parameters.AddWithValue("$expires", Time.GetUtcNow().ToUnixTimeMilliseconds() + (long)Options.LeaseDuration.TotalMilliseconds);
        command.Parameters.AddWithValue("$owner", owner);
        return command.ExecuteNonQuery() == 1;
    });

    internal void ReleaseLease(string owner) => _connections.Write(db =>
    {
        var command = db.Command("DELETE FROM leases WHERE name = 'runner' AND owner = $owner");
        command.Parameters.AddWithValue("$owner", owner);
        return command.ExecuteNonQuery();
    });
}

/// <summary>Who holds the runner lease of a database.</summary>
/// <param name="Holder">Who, as the holder named itself (for example <c>pid 4242 on build-01</c>).</param>
/// <param name="ExpiresAt">When the lease expires unless renewed.</param>
public sealed record SqliteLeaseHolder(string Holder, DateTimeOffset ExpiresAt);

/// <summary>A message that no delivery could handle, kept in the database with the reason.</summary>
/// <param name="Sequence">Its position among the dead letters.</param>
/// <param name="Consumer">The consumer (a flow's queue group, <c>flowsdk.&lt;flow id&gt;</c>) that gave up on it.</param>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="Payload">Its MessagePack bytes.</param>
/// <param name="Headers">Its headers.</param>
/// <param name="Reason">Why it could not be handled.</param>
/// <param name="Deliveries">How many times it was delivered.</param>
/// <param name="At">When it was given up on.</param>
public sealed record SqliteDeadLetter(long Sequence, string Consumer, string Subject, ReadOnlyMemory<byte> Payload, IReadOnlyDictionary<string, string> Headers, string Reason, int Deliveries, DateTimeOffset At);

/// <summary>The runner lease of a database, renewed in the background until disposed.</summary>
public sealed class SqliteRunnerLease : IAsyncDisposable
{
    private readonly SqliteFlowDatabase _database;
    private readonly string _owner;
    private readonly ITimer _renewal;
    private int _released;
    private volatile bool _lost;

    internal SqliteRunnerLease(SqliteFlowDatabase database, string owner, string holder)
    {
        _database = database;
        _owner = owner;
        Holder = holder;
        var every = database.Options.LeaseDuration / 3;
        _renewal = database.Time.CreateTimer(_ => Renew(), null, every, every);
    }

    /// <summary>Who holds it.</summary>
    public string Holder { get; }

    /// <summary>Whether a renewal found the lease taken by another process (it had expired meanwhile).</summary>
    public bool Lost => _lost;

    /// <summary>Releases the lease, so another process may run the flows at once.</summary>
    /// <returns>A task that completes when the lease is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        await _renewal.DisposeAsync().ConfigureAwait(false);
        if (!_database.Disposed)
        {
            _database.ReleaseLease(_owner);
        }
    }

    private void Renew()
    {
        if (Volatile.Read(ref _released) != 0 || _database.Disposed)
        {
            return;
        }

        try
        {
            if (!_database.RenewLease(_owner))
            {
                _lost = true;
            }
        }
        catch (Exception ex) when (ex is SqliteFlowStoreException or ObjectDisposedException or SqliteException)
        {
            // Renewed on the next tick; the lease lasts three ticks.
        }
    }
}
