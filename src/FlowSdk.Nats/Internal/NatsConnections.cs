using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.NKeys;

namespace FlowSdk.Nats.Internal;

/// <summary>Turns <see cref="NatsFlowOptions"/> into a NATS connection, keeping credentials out of logs and errors.</summary>
internal static class NatsConnections
{
    private const string CredsJwtMarker = "-----BEGIN NATS USER JWT-----";
    private const string CredsSeedMarker = "-----BEGIN USER NKEY SEED-----";

    /// <summary>
    /// The client options for <paramref name="options"/> (validated) and the redaction of every
    /// credential they carry, seeds read from files included. A file that cannot be read or holds no
    /// usable key is an <see cref="ArgumentException"/> naming the setting and the file, never the key.
    /// </summary>
    public static (NatsOpts Opts, Redaction Redaction) Prepare(NatsFlowOptions options)
    {
        var credentials = ResolveCredentials(options);
        var redaction = RedactionFor(options, credentials);
        var opts = NatsOpts.Default with
        {
            Url = options.Url,
            Name = options.ConnectionName,
            AuthOpts = NatsAuthOpts.Default with
            {
                Username = options.Username,
                Password = options.Password,
                Token = options.Token,
                Jwt = credentials.Jwt,
                Seed = credentials.Seed,
                NKey = credentials.Jwt is null ? credentials.PublicKey : null,
            },
            TlsOpts = options.Tls ?? NatsTlsOpts.Default,
            MaxReconnectRetry = options.MaxReconnectRetry,
            ReconnectWaitMax = options.ReconnectWaitMax,
            LoggerFactory = options.LoggerFactory is { } factory ? redaction.Wrap(factory) : NullLoggerFactory.Instance,
        };
        if (options.ConfigureConnection is { } configure)
        {
            opts = configure(opts) ?? throw new InvalidOperationException("NatsFlowOptions.ConfigureConnection returned null.");
        }

        return (opts, redaction);
    }

    /// <summary>Everything in <paramref name="options"/> and <paramref name="credentials"/> that must never be shown.</summary>
    internal static Redaction RedactionFor(NatsFlowOptions options, NatsCredentials credentials)
    {
        var secrets = new List<string?>
        {
            options.Password, options.Token, options.NKeySeed, options.Jwt, credentials.Seed, credentials.Jwt,
            options.Tls?.KeyFilePassword, options.Tls?.CertBundleFilePassword,
        };
        foreach (var url in options.Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
            {
                var parts = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
                secrets.Add(parts.Length == 2 ? parts[1] : parts[0]);
            }
        }

        return new Redaction(secrets);
    }

    /// <summary>The JWT, seed and public key of NKey, JWT and credentials-file authentication; all null for the other kinds.</summary>
    internal static NatsCredentials ResolveCredentials(NatsFlowOptions options)
    {
        if (!string.IsNullOrEmpty(options.CredentialsFile))
        {
            var (jwt, seed) = ReadCredentialsFile(options.CredentialsFile);
            return new NatsCredentials(jwt, seed, PublicKeyOf(seed, $"The seed in NatsFlowOptions.CredentialsFile '{options.CredentialsFile}'", nameof(NatsFlowOptions.CredentialsFile)));
        }

        string? userSeed = null;
        string setting;
        if (!string.IsNullOrEmpty(options.NKeySeedFile))
        {
            setting = $"NatsFlowOptions.NKeySeedFile '{options.NKeySeedFile}'";
            userSeed = ReadSeedFile(options.NKeySeedFile);
        }
        else if (!string.IsNullOrEmpty(options.NKeySeed))
        {
            setting = "NatsFlowOptions.NKeySeed";
            userSeed = options.NKeySeed.Trim();
        }
        else
        {
            return new NatsCredentials(null, null, null);
        }

        var jwtText = string.IsNullOrWhiteSpace(options.Jwt) ? null : options.Jwt.Trim();
        return new NatsCredentials(jwtText, userSeed, PublicKeyOf(userSeed, $"The seed of {setting}", nameof(NatsFlowOptions.NKeySeed)));
    }

    /// <summary>The user's public key for <paramref name="seed"/>; a clear error (without the seed) when it is not a user seed.</summary>
    private static string PublicKeyOf(string seed, string what, string parameter)
    {
        if (!seed.StartsWith("SU", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} is not a user NKey seed: a user seed starts with SU.", parameter);
        }

        try
        {
            using var pair = KeyPair.FromSeed(seed.AsSpan());
            return pair.GetPublicKey();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The library's message may quote the seed: keep it out.
            throw new ArgumentException($"{what} is not a valid NKey seed (its encoding or checksum is wrong).", parameter);
        }
    }

    /// <summary>The first line starting with <c>SU</c> of a seed file.</summary>
    private static string ReadSeedFile(string path)
    {
        foreach (var line in ReadLines(path, nameof(NatsFlowOptions.NKeySeedFile)))
        {
            var text = line.Trim();
            if (text.StartsWith("SU", StringComparison.Ordinal))
            {
                return text;
            }
        }

        throw new ArgumentException($"NatsFlowOptions.NKeySeedFile '{path}' holds no user NKey seed (a line starting with SU).", nameof(path));
    }

    /// <summary>The user JWT and seed of a <c>.creds</c> file: the line after each BEGIN marker.</summary>
    private static (string Jwt, string Seed) ReadCredentialsFile(string path)
    {
        string? jwt = null;
        string? seed = null;
        var lines = ReadLines(path, nameof(NatsFlowOptions.CredentialsFile));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith(CredsJwtMarker, StringComparison.Ordinal))
            {
                jwt ??= NextLine(lines, i);
            }
            else if (line.StartsWith(CredsSeedMarker, StringComparison.Ordinal))
            {
                seed ??= NextLine(lines, i);
            }
        }

        if (jwt is null)
        {
            throw new ArgumentException($"NatsFlowOptions.CredentialsFile '{path}' holds no user JWT (the line after '{CredsJwtMarker}').", nameof(path));
        }

        if (seed is null)
        {
            throw new ArgumentException($"NatsFlowOptions.CredentialsFile '{path}' holds no user NKey seed (the line after '{CredsSeedMarker}').", nameof(path));
        }

        return (jwt, seed);
    }

    private static string? NextLine(string[] lines, int index)
    {
        for (var i = index + 1; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length > 0)
            {
                return text.StartsWith("-----", StringComparison.Ordinal) ? null : text;
            }
        }

        return null;
    }

    private static string[] ReadLines(string path, string setting)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ArgumentException($"NatsFlowOptions.{setting} '{path}' cannot be read: {ex.Message}", setting, ex);
        }
    }
}

/// <summary>The key material of NKey, JWT and credentials-file authentication, read and checked before connecting.</summary>
/// <param name="Jwt">The user JWT (JWT and credentials-file authentication).</param>
/// <param name="Seed">The user's NKey seed, which signs the server's challenge.</param>
/// <param name="PublicKey">The user's public NKey, derived from the seed.</param>
internal sealed record NatsCredentials(string? Jwt, string? Seed, string? PublicKey);
