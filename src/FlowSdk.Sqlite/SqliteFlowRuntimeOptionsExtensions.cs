namespace FlowSdk.Sqlite;

/// <summary>Runs a <see cref="FlowRuntime"/> on a FlowSdk database.</summary>
public static class SqliteFlowRuntimeOptionsExtensions
{
    /// <summary>
    /// Uses <paramref name="database"/>'s store and transport. The runtime does not dispose them
    /// (unless <see cref="FlowRuntimeOptions.DisposeSuppliedTransportAndStore"/> is set): dispose the
    /// database after the runtime.
    /// </summary>
    /// <param name="options">The runtime options.</param>
    /// <param name="database">The open database.</param>
    /// <returns>The same options.</returns>
    public static FlowRuntimeOptions UseSqlite(this FlowRuntimeOptions options, SqliteFlowDatabase database)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(database);
        options.Transport = database.Transport;
        options.StateStore = database.Store;
        return options;
    }
}
