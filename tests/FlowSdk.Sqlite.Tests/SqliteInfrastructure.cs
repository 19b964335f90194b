using FlowSdk.State;
using FlowSdk.Semantics;
using FlowSdk.Transport;

namespace FlowSdk.Sqlite.Tests;

/// <summary>A temporary folder for database files, removed after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("flowsdk-sqlite-").FullName;

    public string File(string name = "flowsdk.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fresh database file per test, polled quickly, redelivering quickly.</summary>
public sealed class SqliteInfrastructureFactory : IFlowInfrastructureFactory
{
    public static SqliteFlowOptions Options(string path) => new()
    {
        Path = path,
        PollInterval = TimeSpan.FromMilliseconds(20),
        RedeliveryDelay = TimeSpan.FromMilliseconds(20),
    };

    public Task<IFlowInfrastructure> CreateAsync()
    {
        var folder = new TempFolder();
        return Task.FromResult<IFlowInfrastructure>(new SqliteTestInfrastructure(SqliteFlowDatabase.Open(Options(folder.File())), folder));
    }
}

public sealed class SqliteTestInfrastructure(SqliteFlowDatabase database, TempFolder folder) : IFlowInfrastructure
{
    public SqliteFlowDatabase Database { get; } = database;

    public IMessageTransport Transport => Database.Transport;

    public IStateStore Store => Database.Store;

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        folder.Dispose();
    }
}
