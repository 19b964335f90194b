using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace FlowSdk.Nats.Internal;

/// <summary>Turns <see cref="NatsFlowOptions"/> into a NATS connection, keeping credentials out of logs and errors.</summary>
internal static class NatsConnections
{
    public static Redaction RedactionFor(NatsFlowOptions options)
    {
        var secrets = new List<string?> { options.Password, options.Token };
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

    public static NatsOpts Build(NatsFlowOptions options, Redaction redaction)
    {
        var opts = NatsOpts.Default with
        {
            Url = options.Url,
            Name = options.ConnectionName,
            AuthOpts = NatsAuthOpts.Default with { Username = options.Username, Password = options.Password, Token = options.Token },
            TlsOpts = options.Tls ?? NatsTlsOpts.Default,
            MaxReconnectRetry = options.MaxReconnectRetry,
            ReconnectWaitMax = options.ReconnectWaitMax,
            LoggerFactory = options.LoggerFactory is { } factory ? redaction.Wrap(factory) : NullLoggerFactory.Instance,
        };
        if (options.ConfigureConnection is { } configure)
        {
            opts = configure(opts) ?? throw new InvalidOperationException("NatsFlowOptions.ConfigureConnection returned null.");
        }

        EnsureSupported(opts.AuthOpts);
        return opts;
    }

    /// <summary>NKey, JWT and credentials files need NATS.NKeys, which this build only has a stand-in for.</summary>
    private static void EnsureSupported(NatsAuthOpts auth)
    {
        var unsupported = new (string Name, string? Value)[]
        {
            ("Jwt", auth.Jwt), ("NKey", auth.NKey), ("Seed", auth.Seed), ("Creds", auth.Creds), ("CredsFile", auth.CredsFile), ("NKeyFile", auth.NKeyFile),
        }.Where(a => !string.IsNullOrEmpty(a.Value)).Select(a => a.Name).ToList();
        if (unsupported.Count > 0)
        {
            throw new NotSupportedException(
                $"NKey and JWT authentication (NatsAuthOpts.{string.Join(", NatsAuthOpts.", unsupported)}) need the NATS.NKeys package, which this build of FlowSdk.Nats " +
                "cannot carry because the package source it is built from does not serve it. Use user/password (NatsFlowOptions.Username and Password, or " +
                "nats://user:password@host) or a token (NatsFlowOptions.Token), over TLS where the network is not trusted; see docs/nats.md.");
        }
    }
}
