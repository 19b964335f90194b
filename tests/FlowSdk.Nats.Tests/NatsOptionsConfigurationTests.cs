using Microsoft.Extensions.Configuration;
using NATS.Client.Core;

namespace FlowSdk.Nats.Tests;

/// <summary>NatsFlowOptions.Bind: every option from a configuration section, and clear errors that never quote a credential.</summary>
public sealed class NatsOptionsConfigurationTests
{
    [Fact]
    public void Bind_sets_credentials_tls_names_and_limits_from_the_section()
    {
        var section = Section(new()
        {
            ["FlowSdk:Nats:Url"] = "tls://nats.internal:4222",
            ["FlowSdk:Nats:CredentialsFile"] = "/run/secrets/flows.creds",
            ["FlowSdk:Nats:Tls:Mode"] = "require",
            ["FlowSdk:Nats:Tls:CaFile"] = "/etc/nats/ca.pem",
            ["FlowSdk:Nats:Tls:CertFile"] = "/etc/nats/client.pem",
            ["FlowSdk:Nats:Tls:KeyFile"] = "/etc/nats/client-key.pem",
            ["FlowSdk:Nats:StateBucket"] = "shop-state",
            ["FlowSdk:Nats:StreamName"] = "SHOP",
            ["FlowSdk:Nats:StreamSubjects:0"] = "orders.>",
            ["FlowSdk:Nats:StreamSubjects:1"] = "plans.>",
            ["FlowSdk:Nats:Replicas"] = "3",
            ["FlowSdk:Nats:Storage"] = "Memory",
            ["FlowSdk:Nats:AckWait"] = "00:01:00",
            ["FlowSdk:Nats:ConfirmAcknowledgements"] = "true",
        });

        var options = new NatsFlowOptions().Bind(section);

        Assert.Equal(("tls://nats.internal:4222", "/run/secrets/flows.creds"), (options.Url, options.CredentialsFile));
        Assert.Equal(new NatsTlsOpts { Mode = TlsMode.Require, CaFile = "/etc/nats/ca.pem", CertFile = "/etc/nats/client.pem", KeyFile = "/etc/nats/client-key.pem" }, options.Tls);
        Assert.Equal(("shop-state", "SHOP", 3, NatsStorage.Memory), (options.StateBucket, options.StreamName, options.Replicas, options.Storage));
        Assert.Equal(["orders.>", "plans.>"], options.StreamSubjects);
        Assert.Equal(TimeSpan.FromMinutes(1), options.AckWait);
        Assert.True(options.ConfirmAcknowledgements);
        Assert.Equal(5, options.MaxDeliver);
    }

    [Fact]
    public void Bad_keys_and_values_name_the_key_and_never_quote_a_credential()
    {
        var unknown = Assert.Throws<ArgumentException>(() => new NatsFlowOptions().Bind(Section(new() { ["FlowSdk:Nats:Pasword"] = "hunter22" })));
        Assert.Contains("FlowSdk:Nats:Pasword is not a NATS option", unknown.Message);
        var replicas = Assert.Throws<ArgumentException>(() => new NatsFlowOptions().Bind(Section(new() { ["FlowSdk:Nats:Replicas"] = "three" })));
        Assert.Contains("FlowSdk:Nats:Replicas is 'three', not a whole number", replicas.Message);
        var mode = Assert.Throws<ArgumentException>(() => new NatsFlowOptions().Bind(Section(new() { ["FlowSdk:Nats:Tls:Mode"] = "always" })));
        Assert.Contains("FlowSdk:Nats:Tls:Mode is 'always', not one of Auto, Prefer, Require, Implicit, Disable", mode.Message);
        var password = Assert.Throws<ArgumentException>(() => new NatsFlowOptions().Bind(Section(new() { ["FlowSdk:Nats:Tls:KeyFilePassword:x"] = "s3cret-value" })));
        Assert.DoesNotContain("s3cret-value", password.ToString());
        Assert.DoesNotContain("hunter22", unknown.ToString());
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(NatsFlowOptions.ConfigurationSection);
}
