using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NATS.NKeys;

namespace FlowSdk.Nats.Tests.Infrastructure;

/// <summary>
/// NKeys and JWTs for NATS's decentralized authentication, made in the test with NATS.NKeys (no nsc):
/// an operator, one account with JetStream enabled, and its users. A JWT here is what nats-server
/// (github.com/nats-io/jwt v2) decodes: base64url header <c>{"typ":"JWT","alg":"ed25519-nkey"}</c>,
/// base64url claims, and the issuer's Ed25519 signature of the two, base64url.
/// </summary>
internal sealed class NatsOperator : IDisposable
{
    private readonly KeyPair _operator = KeyPair.CreatePair(PrefixByte.Operator);
    private readonly KeyPair _account = KeyPair.CreatePair(PrefixByte.Account);

    /// <summary>The system account, which JetStream needs in operator mode.</summary>
    private readonly KeyPair _system = KeyPair.CreatePair(PrefixByte.Account);

    /// <summary>A nats-server configuration that trusts this operator and knows its accounts (memory resolver).</summary>
    public string ServerConfiguration()
    {
        var operatorJwt = Sign(_operator, _operator.GetPublicKey(), "test-operator", new JsonObject { ["type"] = "operator", ["version"] = 2 });
        var accountJwt = Sign(_operator, _account.GetPublicKey(), "flows", new JsonObject
        {
            ["limits"] = new JsonObject
            {
                ["subs"] = -1, ["data"] = -1, ["payload"] = -1, ["imports"] = -1, ["exports"] = -1, ["wildcards"] = true, ["conn"] = -1, ["leaf"] = -1,
                ["mem_storage"] = -1, ["disk_storage"] = -1, ["streams"] = -1, ["consumer"] = -1,
            },
            ["type"] = "account",
            ["version"] = 2,
        });
        var systemJwt = Sign(_operator, _system.GetPublicKey(), "SYS", new JsonObject { ["type"] = "account", ["version"] = 2 });
        return $"operator: {operatorJwt}\nsystem_account: {_system.GetPublicKey()}\nresolver: MEMORY\nresolver_preload: {{\n  {_account.GetPublicKey()}: {accountJwt}\n  {_system.GetPublicKey()}: {systemJwt}\n}}\n";
    }

    /// <summary>A new user of the account: its JWT, signed by the account, and its seed.</summary>
    public (string Jwt, string Seed) NewUser(string name)
    {
        using var user = KeyPair.CreatePair(PrefixByte.User);
        var jwt = Sign(_account, user.GetPublicKey(), name, new JsonObject
        {
            ["pub"] = new JsonObject(), ["sub"] = new JsonObject(), ["subs"] = -1, ["data"] = -1, ["payload"] = -1, ["type"] = "user", ["version"] = 2,
        });
        return (jwt, user.GetSeed());
    }

    /// <summary>A user JWT signed by a key the server does not trust.</summary>
    public static (string Jwt, string Seed) ForeignUser()
    {
        using var stranger = new NatsOperator();
        return stranger.NewUser("stranger");
    }

    /// <summary>The contents of a <c>.creds</c> file, laid out as nsc writes it.</summary>
    public static string CredentialsFile(string jwt, string seed) =>
        $"""
        -----BEGIN NATS USER JWT-----
        {jwt}
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        {seed}
        ------END USER NKEY SEED------

        *************************************************************

        """;

    public void Dispose()
    {
        _operator.Dispose();
        _account.Dispose();
        _system.Dispose();
    }

    private static string Sign(KeyPair issuer, string subject, string name, JsonObject nats)
    {
        var claims = new JsonObject
        {
            ["jti"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["iss"] = issuer.GetPublicKey(),
            ["name"] = name,
            ["sub"] = subject,
            ["nats"] = nats,
        };
        var toSign = $"{Base64Url("""{"typ":"JWT","alg":"ed25519-nkey"}"""u8)}.{Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        var signature = new byte[64];
        issuer.Sign(Encoding.ASCII.GetBytes(toSign), signature);
        return $"{toSign}.{Base64Url(signature)}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
