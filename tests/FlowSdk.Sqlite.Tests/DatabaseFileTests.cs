using Microsoft.Data.Sqlite;

namespace FlowSdk.Sqlite.Tests;

/// <summary>Files that are not a FlowSdk database this build can use: a clear error, and the file left as it was.</summary>
public sealed class DatabaseFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_new_file_is_created_in_wal_mode_with_the_current_schema_version()
    {
        var path = _folder.File("sub/folder/flows.db");
        await using (SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }))
        {
        }

        using var connection = Raw(path);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(2L, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal(0x466C6F77L, Scalar(connection, "PRAGMA application_id"));
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_refused_and_left_untouched()
    {
        var path = _folder.File();
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("these are my holiday notes, not a database. ", 200)));
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<SqliteFlowStoreException>(() => SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }));

        Assert.Contains($"'{path}' is not a FlowSdk database", error.Message);
        Assert.Contains("--db", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_sqlite_database_of_another_application_is_refused_and_left_untouched()
    {
        var path = _folder.File();
        using (var connection = Raw(path))
        {
            Execute(connection, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
            Execute(connection, "INSERT INTO invoices (total) VALUES (12.5)");
        }

        SqliteConnection.ClearAllPools();
        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<SqliteFlowStoreException>(() => SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }));

        Assert.Contains("is an SQLite database of another application", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_schema_from_a_newer_version_is_refused_and_says_to_update()
    {
        var path = _folder.File();
        await using (SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }))
        {
        }

        using (var connection = Raw(path))
        {
            Execute(connection, "PRAGMA user_version = 7");
        }

        var error = Assert.Throws<SqliteFlowStoreException>(() => SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }));

        Assert.Contains("has schema version 7, written by a newer FlowSdk; this one reads up to version 2", error.Message);
        Assert.Contains("Update the FlowSdk.Sqlite package", error.Message);
        using var check = Raw(path);
        Assert.Equal(7L, Scalar(check, "PRAGMA user_version"));
    }

    [Fact]
    public async Task A_file_locked_by_another_process_is_an_error_that_says_so()
    {
        var path = _folder.File();
        await using (SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }))
        {
        }

        // What an sqlite3 shell running 'PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;' does.
        using var holder = Raw(path);
        Execute(holder, "PRAGMA locking_mode = EXCLUSIVE");
        Execute(holder, "BEGIN EXCLUSIVE");
        Execute(holder, "UPDATE sequences SET value = value WHERE name = 'state'");

        var error = Assert.Throws<SqliteFlowStoreException>(() => SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path, BusyTimeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Contains("is locked by another process", error.Message);
        Execute(holder, "ROLLBACK");
    }

    [Fact]
    public void A_folder_is_not_a_database_file()
    {
        var error = Assert.Throws<SqliteFlowStoreException>(() => SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = _folder.Path }));

        Assert.Contains("is a folder", error.Message);
    }

    internal static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    internal static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
