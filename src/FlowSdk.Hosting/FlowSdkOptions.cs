namespace FlowSdk.Hosting;

/// <summary>
/// The runtime settings a host reads from configuration (section <c>FlowSdk</c>: appsettings.json,
/// environment variables such as <c>FlowSdk__MaxWriteAttempts</c>, or the command line).
/// </summary>
public sealed class FlowSdkOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "FlowSdk";

    /// <summary>See <see cref="FlowRuntimeOptions.Lanes"/>; <see langword="null"/> keeps the default.</summary>
    public int? Lanes { get; set; }

    /// <summary>See <see cref="FlowRuntimeOptions.MaxWriteAttempts"/>.</summary>
    public int MaxWriteAttempts { get; set; } = 10;

    /// <summary>See <see cref="FlowRuntimeOptions.MaxChainedFirings"/>.</summary>
    public int MaxChainedFirings { get; set; } = 100;

    /// <summary>See <see cref="FlowRuntimeOptions.Retention"/>.</summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>See <see cref="FlowRuntimeOptions.MaxHandlingAttempts"/>.</summary>
    public int MaxHandlingAttempts { get; set; } = 5;

    /// <summary>See <see cref="FlowRuntimeOptions.HandlingRetryDelay"/>.</summary>
    public TimeSpan HandlingRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>See <see cref="FlowRuntimeOptions.MaxTimelineEntries"/>.</summary>
    public int MaxTimelineEntries { get; set; } = FlowRuntimeOptions.DefaultMaxTimelineEntries;

    /// <summary>See <see cref="FlowRuntimeOptions.StateCacheCapacity"/>.</summary>
    public int StateCacheCapacity { get; set; } = 10_000;

    /// <summary>See <see cref="FlowRuntimeOptions.TransientRetryLimit"/>.</summary>
    public TimeSpan TransientRetryLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>See <see cref="FlowRuntimeOptions.AutoDeploy"/>: <see langword="false"/> (<c>FlowSdk:AutoDeploy=false</c>) when operators deploy and start flows explicitly.</summary>
    public bool AutoDeploy { get; set; } = true;

    /// <summary>
    /// Run-time approval policies (see <see cref="FlowRuntimeOptions.SetApprovalPolicy"/>), by flow id and then
    /// rule name (<c>*</c> for every approval rule of the flow): <c>FlowSdk:Approvals:expense:Pay=Approve</c>.
    /// A flow or rule that is not there, or a rule that does not require approval, is refused at start.
    /// </summary>
    public Dictionary<string, Dictionary<string, ApprovalPolicy>> Approvals { get; set; } = new(StringComparer.Ordinal);
}
