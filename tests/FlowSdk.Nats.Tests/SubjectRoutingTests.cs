using System.Collections.Concurrent;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Transport;
using NATS.Client.Core;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// One table of subscription patterns and published subjects, run through the in-memory transport
/// and the NATS transport: both must deliver exactly the same messages to the same subscriptions,
/// and each row's own expectation must hold.
/// </summary>
public sealed class SubjectRoutingTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    // (pattern, subject, delivered?): the cases of FlowSdk.Tests' SubjectTests, as NATS defines matching.
    public static readonly (string Pattern, string Subject, bool Delivered)[] Table =
    [
        ("plans.submitted", "plans.submitted", true),
        ("plans.submitted", "plans.submitted.late", false),
        ("plans.submitted.late", "plans.submitted", false),
        ("plans.*", "plans.submitted", true),
        ("plans.*", "plans.review.requested", false),
        ("plans.*.requested", "plans.review.requested", true),
        ("*.*.requested", "plans.review.requested", true),
        ("plans.>", "plans.submitted", true),
        ("plans.>", "plans.review.requested", true),
        ("plans.>", "plans", false),
        (">", "plans", true),
        ("*", "plans.submitted", false),
        ("plans", "plansx", false),
        ("plan", "plans", false),
    ];

    private static readonly string[] PublishedSubjects = Table.Select(c => c.Subject).Distinct().ToArray();

    [Fact]
    public async Task Core_subscriptions_route_every_case_as_the_in_memory_transport_does()
    {
        var patterns = Table.Select(c => c.Pattern).Distinct().ToArray();
        await using var memory = new InMemoryTransport();
        var expected = await DeliveriesAsync(memory, patterns, new SubscribeOptions(), memory.WhenIdleAsync);

        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var nats = new NatsTransport(connection, options);
        var actual = await DeliveriesAsync(nats, patterns, new SubscribeOptions(), nats.WhenIdleAsync);

        AssertTable(expected, actual, patterns);
    }

    [Fact]
    public async Task Durable_subscriptions_route_every_case_they_can_take_as_the_in_memory_transport_does()
    {
        // A durable subscription's pattern is captured by the stream, which refuses patterns that
        // start with a wildcard (they would capture NATS's own $JS and _INBOX subjects).
        var patterns = Table.Select(c => c.Pattern).Distinct().Where(p => p[0] is not '*' and not '>').ToArray();
        await using var memory = new InMemoryTransport();
        var expected = await DeliveriesAsync(memory, patterns, new SubscribeOptions { ManualAck = true }, memory.WhenIdleAsync);

        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var nats = new NatsTransport(connection, options);
        var actual = await DeliveriesAsync(nats, patterns, new SubscribeOptions { ManualAck = true }, nats.WhenIdleAsync);

        AssertTable(expected, actual, patterns);
    }

    [Fact]
    public async Task A_durable_subscription_to_a_pattern_starting_with_a_wildcard_is_refused_with_the_reason()
    {
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var nats = new NatsTransport(connection, NatsInfrastructureFactory.Options(server.Url));

        var error = Assert.Throws<ArgumentException>(() => nats.Subscribe("*.orders", new SubscribeOptions { ManualAck = true, QueueGroup = "g" }));

        Assert.Contains("$JS.API.>", error.Message);
    }

    private static async Task<Dictionary<string, List<string>>> DeliveriesAsync(
        IMessageTransport transport, string[] patterns, SubscribeOptions options, Func<CancellationToken, Task> whenIdle)
    {
        var received = patterns.ToDictionary(p => p, _ => new ConcurrentQueue<string>());
        var subscriptions = new List<IDisposable>();
        for (var i = 0; i < patterns.Length; i++)
        {
            var pattern = patterns[i];
            var subscribe = options with { QueueGroup = options.ManualAck ? $"routing-{i}" : null };
            subscriptions.Add(transport.Subscribe(pattern, subscribe).Subscribe(m =>
            {
                received[pattern].Enqueue(m.Subject);
                if (subscribe.ManualAck)
                {
                    m.AckAsync().AsTask().GetAwaiter().GetResult();
                }
            }));
        }

        foreach (var subject in PublishedSubjects)
        {
            await transport.PublishAsync(subject, new byte[] { 1 });
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await whenIdle(timeout.Token);
        subscriptions.ForEach(s => s.Dispose());

        // Only flow subjects count: NATS's own $JS/$KV/_INBOX traffic also reaches a '>' subscription.
        return received.ToDictionary(r => r.Key, r => r.Value.Where(PublishedSubjects.Contains).Order(StringComparer.Ordinal).ToList());
    }

    private static void AssertTable(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, string[] patterns)
    {
        foreach (var (pattern, subject, delivered) in Table.Where(c => patterns.Contains(c.Pattern)))
        {
            Assert.True(delivered == expected[pattern].Contains(subject), $"in memory: '{subject}' {(delivered ? "should" : "should not")} reach '{pattern}'");
            Assert.True(delivered == actual[pattern].Contains(subject), $"NATS: '{subject}' {(delivered ? "should" : "should not")} reach '{pattern}'");
        }

        foreach (var pattern in patterns)
        {
            Assert.Equal(expected[pattern], actual[pattern]);
        }
    }
}
