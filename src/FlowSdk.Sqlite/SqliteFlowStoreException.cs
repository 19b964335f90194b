namespace FlowSdk.Sqlite;

/// <summary>
/// The database file cannot be used as it is: it is not an SQLite file, it belongs to another
/// application, it was written by a newer FlowSdk, or another process holds it locked. The message
/// says which file, what was found and what to do; FlowSdk never changes such a file.
/// </summary>
public sealed class SqliteFlowStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="message">What was wrong and what to do.</param>
    /// <param name="inner">The SQLite error, when there was one.</param>
    public SqliteFlowStoreException(string path, string message, Exception? inner = null)
        : base(message, inner) => DatabasePath = path;

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }
}
