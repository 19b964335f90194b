namespace FlowSdk.Hosting.Tests.Infrastructure;

/// <summary>
/// What the command-line tests of a verb family share: a temporary folder with the database file the
/// in-process command line uses, removed after the test, and how long to wait for a host process.
/// </summary>
/// <param name="flows">The flows the command line serves.</param>
/// <param name="folderPrefix">The temporary folder's name prefix.</param>
/// <param name="fileName">The database file's name.</param>
public abstract class CliOnDatabaseFile(FlowDefinition[] flows, string folderPrefix, string fileName) : IAsyncLifetime
{
    /// <summary>How long a host process may take to do what a test waits for.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    /// <summary>The database file.</summary>
    protected string Database => Path.Combine(_folder, fileName);

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A process still holds the file; the temporary folder is left to the system.
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs the command line in process on <see cref="Database"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code and what was written to standard output and error.</returns>
    protected async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, flows, new FlowCliEnvironment { Out = output, Error = error, LiveStatus = false, DatabasePath = Database });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Waits until the stored value of <paramref name="key"/> on NATS satisfies <paramref name="state"/>.</summary>
    private protected static Task WhenStoredAsync(NatsServer server, string key, Func<string, bool> state, string what, HostProcess host)
        => StoredExecutions.WhenStoredAsync(server.Url, key, state, what, host, Patience);
}
