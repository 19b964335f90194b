using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace FlowSdk.Sqlite.Internal;

/// <summary>One open connection and the commands prepared on it, reused by SQL text.</summary>
internal sealed class Db : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public Db(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The command for <paramref name="sql"/>, prepared once per connection, with its parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = Transaction;
        command.Parameters.Clear();
        return command;
    }

    public long Scalar(string sql)
    {
        var value = Command(sql).ExecuteScalar();
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Execute(string sql) => Command(sql).ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}

/// <summary>
/// The connections of one database file: a single writer (SQLite lets one connection write at a
/// time, so writes of this process queue here rather than spin on the file lock) and a pool of
/// readers, which WAL mode lets read while the writer writes.
/// </summary>
internal sealed class Connections : IDisposable
{
    private readonly string _connectionString;
    private readonly string _path;
    private readonly bool _flush;
    private readonly int _busyMilliseconds;
    private readonly Lock _writeGate = new();
    private readonly ConcurrentBag<Db> _readers = new();
    private readonly Db _writer;
    private volatile bool _disposed;

    public Connections(string path, TimeSpan busyTimeout, bool flush, Db writer)
    {
        _path = path;
        _flush = flush;
        _busyMilliseconds = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 1, int.MaxValue);
        _connectionString = ConnectionString(path, busyTimeout);
        _writer = writer;
        Configure(_writer);
    }

    public static string ConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,

        // The store manages its connections itself; pooled ones would keep the file open after disposal.
        Pooling = false,
        DefaultTimeout = (int)Math.Max(1, Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>Runs <paramref name="work"/> in a write transaction (BEGIN IMMEDIATE) and commits it.</summary>
    public T Write<T>(Func<Db, T> work)
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _writer.Connection.BeginTransaction(deferred: false);
                _writer.Transaction = transaction;
                try
                {
                    var result = work(_writer);
                    transaction.Commit();
                    return result;
                }
                finally
                {
                    _writer.Transaction = null;
                }
            }
            catch (SqliteException ex) when (Errors.IsLocked(ex))
            {
                throw Errors.Locked(_path, ex);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on a reader connection.</summary>
    public T Read<T>(Func<Db, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_readers.TryTake(out var reader))
        {
            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            reader = new Db(connection);
            Configure(reader);
        }

        try
        {
            return work(reader);
        }
        catch (SqliteException ex) when (Errors.IsLocked(ex))
        {
            throw Errors.Locked(_path, ex);
        }
        finally
        {
            if (_disposed)
            {
                reader.Dispose();
            }
            else
            {
                _readers.Add(reader);
            }
        }
    }

    public void Dispose()
    {
        lock (_writeGate)
        {
            _disposed = true;
            _writer.Dispose();
        }

        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private void Configure(Db db)
    {
        db.Execute("PRAGMA busy_timeout = " + _busyMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        db.Execute(_flush ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    }
}

/// <summary>SQLite error codes and the errors FlowSdk turns them into.</summary>
internal static class Errors
{
    private const int Busy = 5;
    private const int TableLocked = 6;
    private const int Corrupt = 11;
    private const int NotADatabase = 26;

    public static bool IsLocked(SqliteException ex) => ex.SqliteErrorCode is Busy or TableLocked;

    public static bool IsUnreadable(SqliteException ex) => ex.SqliteErrorCode is Corrupt or NotADatabase;

    public static SqliteFlowStoreException Locked(string path, SqliteException ex) => new(
        path,
        $"The FlowSdk database '{path}' is locked by another process (SQLite: {ex.Message}). Wait for it to finish, or stop the process that holds it "
        + "(an open sqlite3 shell, a backup, another program); FlowSdk's own hosts share the file and do not hold it locked.",
        ex);

    public static SqliteFlowStoreException Unreadable(string path, SqliteException ex) => new(
        path,
        $"'{path}' is not a FlowSdk database: it is not a readable SQLite file ({ex.Message}). FlowSdk leaves it untouched. "
        + "Point the store at another file (--db <path>, or FlowSdk:Sqlite:Path), or move this one away if it should not be there; "
        + "if it is a FlowSdk database that got damaged, restore it from a backup.",
        ex);
}
