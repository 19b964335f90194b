namespace FlowSdk.Hosting.Tests;

/// <summary><c>run</c> passes the tokens that are no option of it to the configuration, and warns of those nothing reads.</summary>
public sealed class RunArgumentsTests
{
    [Fact]
    public void A_mistyped_option_is_named_and_configuration_keys_and_the_host_s_own_keys_are_not()
    {
        string[] args = ["--database", "other.db", "--FlowSdk:Nats:Url=nats://x:4222", "--urls", "http://localhost:5000", "--environment=Development", "/verbose", "--Logging:LogLevel:Default", "Debug"];

        Assert.Equal(["--database", "/verbose"], FlowCli.UnreadConfigurationKeys(args));
    }
}
