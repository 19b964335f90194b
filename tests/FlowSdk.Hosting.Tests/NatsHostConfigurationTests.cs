using FlowSdk.Hosting.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// The generated host of samples/Orders takes every NATS option from configuration (the
/// <c>FlowSdk:Nats</c> section: appsettings.json, <c>FLOWSDK__NATS__...</c> environment variables,
/// <c>run</c>'s command line), against real nats-servers that require credentials; a wrong credential
/// is refused with a message that never shows it.
/// </summary>
public sealed class NatsHostConfigurationTests : IDisposable
{
    private const string Password = "pa55-Correct-Horse";
    private const string WrongPassword = "pa55-Wrong-Battery";
    private const string Token = "t0ken-Right-Staple";
    private const string WrongToken = "t0ken-Wrong-Staple";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("flowsdk-nats-config-");

    [Fact]
    public async Task User_and_password_bucket_stream_and_stream_subjects_come_from_appsettings_and_the_command_line()
    {
        await using var server = await StartAsync($"authorization {{ user: flow, password: \"{Password}\" }}");

        // appsettings.json names the user, the bucket, the stream and an output subject no flow consumes;
        // the password comes from run's command line (and from the environment for send and inspect).
        File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), $$"""
            { "FlowSdk": { "Nats": {
                "Url": "{{server.Url}}",
                "Username": "flow",
                "StateBucket": "orders-state",
                "StreamName": "ORDERS",
                "StreamSubjects": [ "warehouse.>" ]
            } } }
            """);
        await using var host = OrdersHost.StartIn(_directory.FullName, null, "run", "--FlowSdk:Nats:Password=" + Password);
        await host.WaitForAsync("on NATS. Press Ctrl+C to stop.", Patience);

        var secret = new Dictionary<string, string> { ["FLOWSDK__NATS__PASSWORD"] = Password };
        Assert.Equal(0, (await OrdersHost.RunInAsync(_directory.FullName, secret, "send", "orders.placed", """{"OrderId": "o-cfg", "Total": 10}""")).Code);
        Assert.Equal(0, (await OrdersHost.RunInAsync(_directory.FullName, secret, "send", "orders.paid", """{"OrderId": "o-cfg", "Amount": 10}""")).Code);

        await using var client = new NatsConnection(new NatsOpts { Url = server.Url, AuthOpts = new NatsAuthOpts { Username = "flow", Password = Password } });
        var js = new NatsJSContext(client);
        var bucket = await new NatsKVContext(js).GetStoreAsync("orders-state");
        using (var timeout = new CancellationTokenSource(Patience))
        {
            await foreach (var entry in bucket.WatchAsync("order.o-cfg", NatsRawSerializer<byte[]>.Default, cancellationToken: timeout.Token))
            {
                if (entry.Value is { } value && JsonMessages.ToJson(value).Contains("\"Status\":\"Completed\"", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        // The shipment request, which no flow consumes, is kept in the configured stream.
        var stream = await js.GetStreamAsync("ORDERS");
        Assert.Contains("warehouse.>", stream.Info.Config.Subjects!);
        var kept = await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { LastBySubj = "warehouse.ship" });
        Assert.NotNull(kept.Message);

        var inspect = await OrdersHost.RunInAsync(_directory.FullName, secret, "inspect", "o-cfg");
        Assert.Equal(0, inspect.Code);
        Assert.Contains("status:    Completed", inspect.Output);
        Assert.Equal(0, await host.InterruptAsync());
        Assert.DoesNotContain(Password, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, inspect.Output + inspect.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_without_showing_it()
    {
        await using var server = await StartAsync($"authorization {{ user: flow, password: \"{Password}\" }}");
        var wrong = new Dictionary<string, string>
        {
            ["FLOWSDK__NATS__URL"] = server.Url,
            ["FLOWSDK__NATS__USERNAME"] = "flow",
            ["FLOWSDK__NATS__PASSWORD"] = WrongPassword,
            ["Logging__LogLevel__Default"] = "Trace",
        };

        var sent = await OrdersHost.RunAsync(wrong, "send", "orders.placed", """{"OrderId": "o-1", "Total": 1}""");
        Assert.Equal(FlowCli.Failed, sent.Code);
        Assert.Contains("Authorization Violation", sent.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(WrongPassword, sent.Output + sent.Error, StringComparison.Ordinal);

        // run logs through the host's logging, here at its most verbose.
        await using var host = OrdersHost.Start(wrong, "run");
        var code = await host.WaitForExitAsync(Patience);
        Assert.Equal(FlowCli.Failed, code);
        Assert.Contains("Authorization Violation", host.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(WrongPassword, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_from_the_environment_authenticates_and_a_wrong_one_is_not_shown()
    {
        await using var server = await StartAsync($"authorization {{ token: \"{Token}\" }}");
        var right = new Dictionary<string, string> { ["FLOWSDK__NATS__URL"] = server.Url, ["FLOWSDK__NATS__TOKEN"] = Token };
        var listed = await OrdersHost.RunAsync(right, "executions");
        Assert.Equal((0, ""), (listed.Code, listed.Error));
        Assert.Contains("0 execution(s).", listed.Output);

        var refused = await OrdersHost.RunAsync(new Dictionary<string, string>(right) { ["FLOWSDK__NATS__TOKEN"] = WrongToken }, "executions");
        Assert.Equal(FlowCli.Failed, refused.Code);
        Assert.DoesNotContain(WrongToken, refused.Output + refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_option_or_a_bad_value_is_a_usage_error_that_names_the_key()
    {
        await using var server = await StartAsync("");
        var typo = await OrdersHost.RunAsync(new Dictionary<string, string> { ["FLOWSDK__NATS__URL"] = server.Url, ["FLOWSDK__NATS__REPLICA"] = "3" }, "executions");
        Assert.Equal(FlowCli.UsageError, typo.Code);
        Assert.Contains("FlowSdk:Nats:REPLICA is not a NATS option", typo.Error, StringComparison.OrdinalIgnoreCase);

        var bad = await OrdersHost.RunAsync(new Dictionary<string, string> { ["FLOWSDK__NATS__URL"] = server.Url, ["FLOWSDK__NATS__REPLICAS"] = "three" }, "executions");
        Assert.Equal(FlowCli.UsageError, bad.Code);
        Assert.Contains("is 'three', not a whole number", bad.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A JetStream server with the given authorization block (empty: none).</summary>
    private async Task<NatsServer> StartAsync(string authorization)
    {
        var path = Path.Combine(_directory.FullName, $"server-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(path, authorization + "\n");
        return await NatsServer.StartAsync("-c", path);
    }
}
