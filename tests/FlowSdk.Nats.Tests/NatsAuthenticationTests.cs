using FlowSdk.Nats.Tests.Infrastructure;
using NATS.NKeys;
using static FlowSdk.Nats.Tests.ConnectionTests;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// NKey, JWT and credentials-file authentication against real nats-servers configured for them: an
/// NKey user in the server's authorization block, and an operator (trusted-operator mode with a
/// memory resolver) whose account and users the test makes with NATS.NKeys. Keys never appear in
/// errors or logs.
/// </summary>
public sealed class NatsAuthenticationTests : IDisposable
{
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("flowsdk-nats-keys-");

    [Fact]
    public async Task An_NKey_seed_file_or_seed_authenticates_and_other_keys_are_refused()
    {
        using var user = KeyPair.CreatePair(PrefixByte.User);
        using var stranger = KeyPair.CreatePair(PrefixByte.User);
        await using var server = await StartWithAuthorizationAsync($"users: [ {{ nkey: {user.GetPublicKey()} }} ]");
        var logs = new LogCollector();
        var seedFile = Write("user.nk", user.GetSeed() + "\n");

        await using (var byFile = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => o.NKeySeedFile = seedFile)))
        {
            await RoundTripAsync(byFile);
        }

        await using (var bySeed = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => o.NKeySeed = user.GetSeed())))
        {
            await RoundTripAsync(bySeed);
        }

        var anonymous = await Assert.ThrowsAsync<NatsFlowConnectionException>(() => NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs)));
        var wrongKey = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => o.NKeySeedFile = Write("stranger.nk", stranger.GetSeed()))));

        Assert.Contains("Authorization Violation", anonymous.Message);
        Assert.Contains("Authorization Violation", wrongKey.Message);
        AssertNoSecret([wrongKey.ToString(), .. logs.Lines], user.GetSeed(), stranger.GetSeed());
        Assert.NotEmpty(logs.Lines);
    }

    [Fact]
    public async Task A_user_JWT_with_its_seed_or_a_credentials_file_authenticates_against_a_trusted_operator()
    {
        using var trusted = new NatsOperator();
        await using var server = await StartWithConfigurationAsync(trusted.ServerConfiguration());
        var (jwt, seed) = trusted.NewUser("flows-host");
        var (foreignJwt, foreignSeed) = NatsOperator.ForeignUser();
        var logs = new LogCollector();

        await using (var byJwt = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => (o.Jwt, o.NKeySeed) = (jwt, seed))))
        {
            await RoundTripAsync(byJwt);
        }

        var seedFile = Write("host.nk", seed);
        await using (var byJwtAndSeedFile = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => (o.Jwt, o.NKeySeedFile) = (jwt, seedFile))))
        {
            await RoundTripAsync(byJwtAndSeedFile);
        }

        var credentials = Write("host.creds", NatsOperator.CredentialsFile(jwt, seed));
        await using (var byCredentialsFile = await NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => o.CredentialsFile = credentials)))
        {
            await RoundTripAsync(byCredentialsFile);
        }

        var anonymous = await Assert.ThrowsAsync<NatsFlowConnectionException>(() => NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs)));
        var foreign = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => o.CredentialsFile = Write("foreign.creds", NatsOperator.CredentialsFile(foreignJwt, foreignSeed)))));
        var mismatched = await Assert.ThrowsAsync<NatsFlowConnectionException>(() =>
            NatsFlowInfrastructure.ConnectAsync(Options(server.Url, logs, o => (o.Jwt, o.NKeySeed) = (jwt, foreignSeed))));

        Assert.Contains("Authorization Violation", anonymous.Message);
        Assert.Contains("Authorization Violation", foreign.Message);
        Assert.Contains("Authorization Violation", mismatched.Message);
        AssertNoSecret([foreign.ToString(), mismatched.ToString(), .. logs.Lines], seed, foreignSeed, jwt, foreignJwt);
    }

    [Fact]
    public async Task Key_material_that_cannot_work_is_explained_without_showing_it()
    {
        using var user = KeyPair.CreatePair(PrefixByte.User);
        using var account = KeyPair.CreatePair(PrefixByte.Account);
        var seed = user.GetSeed();
        var corrupted = seed[..^3] + (seed[^3] == 'A' ? 'B' : 'A') + seed[^2..];
        var (jwt, _) = NatsOperator.ForeignUser();

        async Task<string> Refused(Action<NatsFlowOptions> configure)
        {
            var options = new NatsFlowOptions { Url = "nats://127.0.0.1:1" };
            configure(options);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => NatsFlowInfrastructure.ConnectAsync(options));
            AssertNoSecret([error.ToString()], seed, corrupted, account.GetSeed(), jwt);
            return error.Message;
        }

        var missing = Path.Combine(_files.FullName, "missing.nk");
        Assert.Contains($"NKeySeedFile '{missing}' cannot be read", await Refused(o => o.NKeySeedFile = missing));
        Assert.Contains("holds no user NKey seed (a line starting with SU)", await Refused(o => o.NKeySeedFile = Write("public-only.nk", user.GetPublicKey())));
        Assert.Contains("is not a valid NKey seed", await Refused(o => o.NKeySeedFile = Write("corrupted.nk", corrupted)));
        Assert.Contains("is not a user NKey seed", await Refused(o => o.NKeySeed = account.GetSeed()));
        Assert.Contains("holds no user JWT", await Refused(o => o.CredentialsFile = Write("seed-only.creds", $"-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n")));
        Assert.Contains("holds no user NKey seed", await Refused(o => o.CredentialsFile = Write("jwt-only.creds", $"-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n")));
        Assert.Contains("Jwt is set without the seed", await Refused(o => o.Jwt = jwt));
        Assert.Contains("NKeySeedFile and NKeySeed are both set", await Refused(o => (o.NKeySeed, o.NKeySeedFile) = (seed, missing)));
        Assert.Contains("more than one way to authenticate: token (Token), NKey (NKeySeed)", await Refused(o => (o.Token, o.NKeySeed) = ("t0ken-value", seed)));
    }

    public void Dispose() => _files.Delete(recursive: true);

    /// <summary>A server started with the given configuration file contents (deleted once the server has read it).</summary>
    private async Task<NatsServer> StartWithConfigurationAsync(string configuration)
    {
        var path = Write($"server-{Guid.NewGuid():N}.conf", configuration);
        try
        {
            return await NatsServer.StartAsync("-c", path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private string Write(string name, string contents)
    {
        var path = Path.Combine(_files.FullName, name);
        File.WriteAllText(path, contents);
        return path;
    }

    private static void AssertNoSecret(IEnumerable<string> texts, params string[] secrets)
    {
        foreach (var text in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
    }
}
