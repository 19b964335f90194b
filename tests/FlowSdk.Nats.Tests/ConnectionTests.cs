using System.Collections.Concurrent;
using FlowSdk.Nats.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace FlowSdk.Nats.Tests;

/// <summary>Connection settings against servers that require credentials, and what FlowSdk refuses (NKey, JWT and .creds: NatsAuthenticationTests).</summary>
public sealed class ConnectionTests
{
    [Fact]
    public async Task User_and_password_authenticate_and_never_appear_in_errors_or_logs()
    {
        await using var server = await StartWithAuthorizationAsync("user: flow, password: \"s3cret-pass\"");
        var logs = new LogCollector();

        await using (var byOptions = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => (o.Username, o.Password) = ("flow", "s3cret-pass"))))
        {
            await RoundTripAsync(byOptions);
        }

        await using (var byUrl = await NatsFlowInfrastructure.ConnectAsync(Options($"nats://flow:s3cret-pass@127.0.0.1:{server.Port}", logs)))
        {
            await RoundTripAsync(byUrl);
        }

        var error = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(Options($"nats://flow:wr0ng-secret@127.0.0.1:{server.Port}", logs)));
        var wrongByOptions = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => (o.Username, o.Password) = ("flow", "wr0ng-secret"))));

        Assert.Contains($"nats://***@127.0.0.1:{server.Port}", error.Message);
        Assert.Contains("Authorization Violation", error.Message);
        foreach (var text in (string[])[error.ToString(), wrongByOptions.ToString(), .. logs.Lines])
        {
            Assert.DoesNotContain("wr0ng-secret", text);
            Assert.DoesNotContain("s3cret-pass", text);
        }

        Assert.NotEmpty(logs.Lines);
    }

    [Fact]
    public async Task A_token_authenticates()
    {
        await using var server = await StartWithAuthorizationAsync("token: \"t0ken-value\"");

        await using var nats = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, new LogCollector(), o => o.Token = "t0ken-value"));

        await RoundTripAsync(nats);
    }

    [Fact]
    public async Task A_server_without_JetStream_is_refused_with_the_reason()
    {
        await using var server = await NatsServer.StartAsync(jetStream: false);

        var error = await Assert.ThrowsAsync<NatsFlowConnectionException>(() => NatsFlowInfrastructure.ConnectAsync(new NatsFlowOptions { Url = server.Url }));

        Assert.Contains("has no JetStream", error.Message);
        Assert.Contains("-js", error.Message);
    }

    [Fact]
    public async Task An_unreachable_server_fails_with_the_url_but_not_its_credentials()
    {
        var port = FreePort();

        var error = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(new NatsFlowOptions { Url = $"nats://flow:hidden-pass@127.0.0.1:{port}" }));

        Assert.Contains($"nats://***@127.0.0.1:{port}", error.Message);
        Assert.DoesNotContain("hidden-pass", error.ToString());
    }

    [Fact]
    public void Invalid_options_are_explained()
    {
        Assert.Contains("StreamName", Assert.Throws<ArgumentException>(() => new NatsFlowOptions { StreamName = "a.b" }.Validate()).Message);
        Assert.Contains("StateBucket", Assert.Throws<ArgumentException>(() => new NatsFlowOptions { StateBucket = "a b" }.Validate()).Message);
        var subjects = new NatsFlowOptions();
        subjects.StreamSubjects.Add(">");
        Assert.Contains("$JS.API", Assert.Throws<ArgumentException>(subjects.Validate).Message);
        Assert.Contains("MaxDeliver", Assert.Throws<ArgumentOutOfRangeException>(() => new NatsFlowOptions { MaxDeliver = 0 }.Validate()).Message);
    }

    /// <summary>A server that requires credentials, with a generous authentication timeout: a cold test host can be slow to answer.</summary>
    internal static async Task<NatsServer> StartWithAuthorizationAsync(string credentials)
    {
        var config = Path.Combine(Path.GetTempPath(), $"flowsdk-nats-auth-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"authorization {{ {credentials}, timeout: 10 }}\n");
        try
        {
            return await NatsServer.StartAsync("-c", config);
        }
        finally
        {
            // The server has read it by the time it accepts connections.
            File.Delete(config);
        }
    }

    internal static NatsFlowOptions Options(string url, LogCollector logs, Action<NatsFlowOptions>? configure = null)
    {
        var options = NatsInfrastructureFactory.Options(url);
        options.LoggerFactory = logs.Factory;

        // Several FlowSdk streams on one server: each needs dead-letter subjects of its own.
        options.DeadLetterSubjectPrefix = "deadletter." + options.StreamName;
        configure?.Invoke(options);
        return options;
    }

    internal static async Task RoundTripAsync(NatsFlowInfrastructure nats)
    {
        var created = await nats.Store.TryCreateAsync("f.x", new byte[] { 1 });
        Assert.True(created.Succeeded);
        Assert.Equal(created.Revision, (await nats.Store.GetAsync("f.x"))!.Revision);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Collects everything logged (message and exception text) at every level.</summary>
    internal sealed class LogCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public LogCollector() => Factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

        public ILoggerFactory Factory { get; }

        public string[] Lines => _lines.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{formatter(state, exception)} {exception}");
        }
    }
}
