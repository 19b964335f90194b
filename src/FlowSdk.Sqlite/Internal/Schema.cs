using Microsoft.Data.Sqlite;

namespace FlowSdk.Sqlite.Internal;

/// <summary>
/// The tables of a FlowSdk database and their versions. The file says it is FlowSdk's with
/// <c>PRAGMA application_id</c> and which schema it holds with <c>PRAGMA user_version</c>; opening
/// applies the migrations from its version to <see cref="Version"/> in one transaction, and refuses
/// a file that is someone else's or newer than this build.
/// </summary>
internal static class Schema
{
    /// <summary>The schema version this build writes and reads.</summary>
    public const int Version = 2;

    /// <summary>"Flow" in ASCII: marks the file as a FlowSdk database.</summary>
    public const int ApplicationId = 0x466C6F77;

    /// <summary>Migration <c>i</c> takes a database from version <c>i</c> to <c>i + 1</c>.</summary>
    private static readonly string[][] Migrations =
    [
        [
            // Execution state: one row per key, the revision from the 'state' sequence.
            "CREATE TABLE state (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE INDEX state_by_revision ON state (revision)",
            "CREATE TABLE sequences (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
            "INSERT INTO sequences (name, value) VALUES ('state', 0)",

            // Durable consumers (a flow's queue group) and the subject patterns each takes.
            "CREATE TABLE consumers (name TEXT NOT NULL, pattern TEXT NOT NULL, PRIMARY KEY (name, pattern)) WITHOUT ROWID",

            // One row per message and consumer until the consumer acknowledges it.
            "CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL, subject TEXT NOT NULL, payload BLOB NOT NULL, headers BLOB, deliveries INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL DEFAULT 0, published_at INTEGER NOT NULL)",
            "CREATE INDEX inbox_by_consumer ON inbox (consumer, seq)",

            // Message ids seen within the duplicate window.
            "CREATE TABLE message_ids (id TEXT NOT NULL PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID",

            // Messages no delivery could handle, with the reason.
            "CREATE TABLE dead_letters (seq INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL, subject TEXT NOT NULL, payload BLOB NOT NULL, headers BLOB, reason TEXT NOT NULL, deliveries INTEGER NOT NULL, at INTEGER NOT NULL)",

            // Who runs the flows on this file.
            "CREATE TABLE leases (name TEXT NOT NULL PRIMARY KEY, owner TEXT NOT NULL, holder TEXT NOT NULL, machine TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID",
        ],
        [
            // Progress counters: executions per flow and status, moved in the transaction of each state
            // write that changes a status. A flow is listed in progress_flows once its counters were
            // computed from its state rows (the first runtime or command that reads them after this
            // migration does it, in one transaction: the schema cannot read the flows' state values).
            "CREATE TABLE progress (flow TEXT NOT NULL, status INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (flow, status)) WITHOUT ROWID",
            "CREATE TABLE progress_flows (flow TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID",
        ],
    ];

    /// <summary>Checks that the file is a FlowSdk database this build can read, and brings its schema up to date.</summary>
    public static void Open(Db db, string path)
    {
        long applicationId;
        long version;
        long objects;
        try
        {
            applicationId = db.Scalar("PRAGMA application_id");
            version = db.Scalar("PRAGMA user_version");
            objects = db.Scalar("SELECT count(*) FROM sqlite_master");
        }
        catch (SqliteException ex) when (Errors.IsUnreadable(ex))
        {
            throw Errors.Unreadable(path, ex);
        }

        Check(path, applicationId, version, objects);

        // WAL: readers (other processes' executions/inspect, this one's watches) never block the writer.
        var mode = Convert.ToString(db.Command("PRAGMA journal_mode = WAL").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqliteFlowStoreException(path, $"The FlowSdk database '{path}' could not be switched to WAL mode (it is in '{mode}' mode): the file system may not support shared memory (a network share, say). Put the file on a local disk.");
        }

        if (version == Version)
        {
            return;
        }

        using var transaction = db.Connection.BeginTransaction(deferred: false);
        db.Transaction = transaction;
        try
        {
            // Another process may have migrated it meanwhile.
            applicationId = db.Scalar("PRAGMA application_id");
            version = db.Scalar("PRAGMA user_version");
            objects = db.Scalar("SELECT count(*) FROM sqlite_master");
            Check(path, applicationId, version, objects);
            for (var v = (int)version; v < Version; v++)
            {
                foreach (var statement in Migrations[v])
                {
                    db.Execute(statement);
                }
            }

            db.Execute("PRAGMA application_id = " + ApplicationId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            db.Execute("PRAGMA user_version = " + Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            transaction.Commit();
        }
        finally
        {
            db.Transaction = null;
        }
    }

    private static void Check(string path, long applicationId, long version, long objects)
    {
        var empty = applicationId == 0 && version == 0 && objects == 0;
        if (!empty && applicationId != ApplicationId)
        {
            throw new SqliteFlowStoreException(path, $"'{path}' is an SQLite database of another application (application id {applicationId}, {objects} table(s) and index(es)), not a FlowSdk database. FlowSdk leaves it untouched: point the store at another file (--db <path>, or FlowSdk:Sqlite:Path).");
        }

        if (version > Version)
        {
            throw new SqliteFlowStoreException(path, $"The FlowSdk database '{path}' has schema version {version}, written by a newer FlowSdk; this one reads up to version {Version}. Update the FlowSdk.Sqlite package of this host, or point it at another file (--db <path>); FlowSdk leaves the file untouched.");
        }
    }
}
