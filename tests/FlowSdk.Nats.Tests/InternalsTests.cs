using FlowSdk.Nats.Internal;

namespace FlowSdk.Nats.Tests;

public sealed class InternalsTests
{
    [Theory]
    [InlineData("orders.placed,orders.paid", "orders.*")]
    [InlineData("plans.submitted,plans.review.completed", "plans.>")]
    [InlineData("test.tickets.opened,test.tickets.owner.found", "test.tickets.>")]
    [InlineData("a.b,a.b", "a.b")]
    [InlineData("a,b.c", ">")]
    [InlineData("a.b.c,a.>", "a.>")]
    public void Cover_is_the_narrowest_pattern_covering_all(string patterns, string expected)
    {
        var list = patterns.Split(',');
        var cover = SubjectPatterns.Cover(list);

        Assert.Equal(expected, cover);
        Assert.All(list, p => Assert.True(SubjectPatterns.AnyCovers([cover], p)));
    }

    [Fact]
    public void Normalize_drops_duplicates_and_covered_patterns()
    {
        Assert.Equal(["orders.*", "plans.>"], SubjectPatterns.Normalize(["orders.placed", "orders.*", "plans.>", "plans.submitted", "orders.placed"]));
    }

    [Theory]
    [InlineData("flowsdk.plan-review", "flowsdk_plan-review")]
    [InlineData("workers", "workers")]
    public void Durable_consumer_names_follow_the_queue_group(string group, string expected) =>
        Assert.Equal(expected, Names.DurableConsumer(group));

    [Fact]
    public void Queue_groups_that_lose_characters_get_a_stable_hash_so_they_never_share_a_consumer()
    {
        var a = Names.DurableConsumer("team a/flow");
        var b = Names.DurableConsumer("team_a_flow");

        Assert.NotEqual(a, b);
        Assert.Equal(a, Names.DurableConsumer("team a/flow"));
        Assert.StartsWith("team_a_flow_", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Urls_lose_their_user_information_and_configured_secrets_are_removed()
    {
        Assert.Equal("nats://***@h:4222, tls://***@h2", Redaction.RedactUrls("nats://u:p@h:4222, tls://tok@h2"));
        var redaction = new Redaction(["hunter22"]);
        Assert.Equal("password *** rejected by nats://***@x", redaction.Apply("password hunter22 rejected by nats://a:b@x"));
    }
}
