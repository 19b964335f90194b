namespace FlowSdk.Nats;

internal static class Probe
{
    public static NATS.Client.Core.NatsOpts Opts => NATS.Client.Core.NatsOpts.Default;
}
