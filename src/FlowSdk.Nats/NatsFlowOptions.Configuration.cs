using System.Globalization;
using Microsoft.Extensions.Configuration;
using NATS.Client.Core;

namespace FlowSdk.Nats;

/// <summary>Reading <see cref="NatsFlowOptions"/> from configuration (the <c>FlowSdk:Nats</c> section of a generated host).</summary>
public sealed partial class NatsFlowOptions
{
    /// <summary>The configuration section generated hosts read these options from: <c>FlowSdk:Nats</c>.</summary>
    public const string ConfigurationSection = "FlowSdk:Nats";

    /// <summary>The keys of the <c>Tls</c> subsection.</summary>
    private static readonly string[] TlsKeys = ["Mode", "CaFile", "CertFile", "KeyFile", "KeyFilePassword", "CertBundleFile", "CertBundleFilePassword", "InsecureSkipVerify"];

    /// <summary>Keys whose values are never quoted in an error.</summary>
    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase) { "Password", "Token", "NKeySeed", "Jwt", "KeyFilePassword", "CertBundleFilePassword" };

    /// <summary>
    /// Sets the options named in <paramref name="section"/> (for example the <see cref="ConfigurationSection"/>
    /// section of a host's configuration: appsettings.json, environment variables such as
    /// <c>FLOWSDK__NATS__URL</c>, the command line) and leaves the others as they are. Keys are the
    /// property names (<c>Url</c>, <c>Username</c>, <c>NKeySeedFile</c>, <c>CredentialsFile</c>,
    /// <c>StateBucket</c>, <c>Replicas</c>, <c>AckWait</c>, ...); <c>Tls</c> is a subsection with
    /// <c>Mode</c>, <c>CaFile</c>, <c>CertFile</c>, <c>KeyFile</c>, <c>KeyFilePassword</c>,
    /// <c>CertBundleFile</c>, <c>CertBundleFilePassword</c> and <c>InsecureSkipVerify</c>;
    /// <c>StreamSubjects</c> is a list (<c>StreamSubjects:0</c>, <c>StreamSubjects:1</c>, ...) that
    /// replaces the current one. Time spans are written <c>hh:mm:ss</c> (or <c>d.hh:mm:ss</c>).
    /// </summary>
    /// <param name="section">The configuration section.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">A key is not an option, or a value is not of the option's type; the message names the key (and the value, unless it is a credential).</exception>
    public NatsFlowOptions Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var path = section is IConfigurationSection s ? s.Path : "";
        var reader = new Reader(path);
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "URL": Url = reader.String(child); break;
                case "USERNAME": Username = reader.String(child); break;
                case "PASSWORD": Password = reader.String(child); break;
                case "TOKEN": Token = reader.String(child); break;
                case "NKEYSEEDFILE": NKeySeedFile = reader.String(child); break;
                case "NKEYSEED": NKeySeed = reader.String(child); break;
                case "JWT": Jwt = reader.String(child); break;
                case "CREDENTIALSFILE": CredentialsFile = reader.String(child); break;
                case "CONNECTIONNAME": ConnectionName = reader.String(child); break;
                case "MAXRECONNECTRETRY": MaxReconnectRetry = reader.Int(child); break;
                case "RECONNECTWAITMAX": ReconnectWaitMax = reader.Time(child); break;
                case "TLS": Tls = BindTls(Tls ?? NatsTlsOpts.Default, child, reader); break;
                case "STATEBUCKET": StateBucket = reader.String(child); break;
                case "STATEHISTORY": StateHistory = reader.Int(child); break;
                case "STREAMNAME": StreamName = reader.String(child); break;
                case "STREAMSUBJECTS":
                    var subjects = child.Value is { Length: > 0 } single ? [single] : child.GetChildren().Select(c => c.Value ?? "").ToList();
                    StreamSubjects.Clear();
                    foreach (var subject in subjects)
                    {
                        StreamSubjects.Add(subject);
                    }

                    break;
                case "STORAGE": Storage = reader.Enum<NatsStorage>(child); break;
                case "REPLICAS": Replicas = reader.Int(child); break;
                case "STREAMMAXAGE": StreamMaxAge = reader.Time(child); break;
                case "DUPLICATEWINDOW": DuplicateWindow = reader.Time(child); break;
                case "MAXDELIVER": MaxDeliver = reader.Int(child); break;
                case "REDELIVERYDELAY": RedeliveryDelay = reader.Time(child); break;
                case "ACKWAIT": AckWait = reader.Time(child); break;
                case "MAXACKPENDING": MaxAckPending = reader.Int(child); break;
                case "PULLBATCH": PullBatch = reader.Int(child); break;
                case "LANES": Lanes = reader.Int(child); break;
                case "CONFIRMACKNOWLEDGEMENTS": ConfirmAcknowledgements = reader.Bool(child); break;
                case "CONSUMERSTART": ConsumerStart = reader.Enum<NatsConsumerStart>(child); break;
                case "DEADLETTERS": DeadLetters = reader.Bool(child); break;
                case "DEADLETTERSUBJECTPREFIX": DeadLetterSubjectPrefix = reader.String(child); break;
                case "IDLEPOLLINTERVAL": IdlePollInterval = reader.Time(child); break;
                default:
                    throw new ArgumentException(
                        $"Configuration key {reader.Name(child)} is not a NATS option. The options are Url, Username, Password, Token, NKeySeedFile, NKeySeed, Jwt, CredentialsFile, "
                        + "ConnectionName, MaxReconnectRetry, ReconnectWaitMax, Tls (Mode, CaFile, CertFile, KeyFile, KeyFilePassword, CertBundleFile, CertBundleFilePassword, InsecureSkipVerify), "
                        + "StateBucket, StateHistory, StreamName, StreamSubjects, Storage, Replicas, StreamMaxAge, DuplicateWindow, MaxDeliver, RedeliveryDelay, AckWait, MaxAckPending, "
                        + "PullBatch, Lanes, ConfirmAcknowledgements, ConsumerStart, DeadLetters, DeadLetterSubjectPrefix, IdlePollInterval (docs/hosting.md).",
                        nameof(section));
            }
        }

        return this;
    }

    private static NatsTlsOpts BindTls(NatsTlsOpts tls, IConfigurationSection section, Reader reader)
    {
        foreach (var child in section.GetChildren())
        {
            tls = child.Key.ToUpperInvariant() switch
            {
                "MODE" => tls with { Mode = reader.Enum<TlsMode>(child) },
                "CAFILE" => tls with { CaFile = reader.String(child) },
                "CERTFILE" => tls with { CertFile = reader.String(child) },
                "KEYFILE" => tls with { KeyFile = reader.String(child) },
                "KEYFILEPASSWORD" => tls with { KeyFilePassword = reader.String(child) },
                "CERTBUNDLEFILE" => tls with { CertBundleFile = reader.String(child) },
                "CERTBUNDLEFILEPASSWORD" => tls with { CertBundleFilePassword = reader.String(child) },
                "INSECURESKIPVERIFY" => tls with { InsecureSkipVerify = reader.Bool(child) },
                _ => throw new ArgumentException($"Configuration key {reader.Name(child)} is not a TLS option. The TLS options are {string.Join(", ", TlsKeys)} (docs/hosting.md).", nameof(section)),
            };
        }

        return tls;
    }

    /// <summary>Reads typed values; an error names the key and quotes the value unless it is a credential.</summary>
    private readonly struct Reader(string path)
    {
        public string Name(IConfigurationSection child) => child.Path.Length > 0 ? child.Path : (path.Length > 0 ? $"{path}:{child.Key}" : child.Key);

        public string String(IConfigurationSection child) => child.Value ?? throw Invalid(child, "a text value");

        public int Int(IConfigurationSection child)
            => int.TryParse(child.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(child, "a whole number");

        public bool Bool(IConfigurationSection child)
            => bool.TryParse(child.Value, out var value) ? value : throw Invalid(child, "true or false");

        public TimeSpan Time(IConfigurationSection child)
            => TimeSpan.TryParse(child.Value, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(child, "a time span (hh:mm:ss, for example 00:00:30)");

        public T Enum<T>(IConfigurationSection child)
            where T : struct, Enum
            => System.Enum.TryParse<T>(child.Value, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(child.Value, out _)
                ? value
                : throw Invalid(child, $"one of {string.Join(", ", System.Enum.GetNames<T>())}");

        private ArgumentException Invalid(IConfigurationSection child, string expected)
        {
            var shown = child.Value is null ? "a section" : SecretKeys.Contains(child.Key) ? "a value" : $"'{child.Value}'";
            return new ArgumentException($"Configuration key {Name(child)} is {shown}, not {expected}.", child.Key);
        }
    }
}
