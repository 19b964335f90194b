namespace FlowSdk.Dashboard;

/// <summary>
/// Options of the dashboard a FlowSdk host serves: where it listens and the token its controls need.
/// Bound from the <c>FlowSdk:Dashboard</c> configuration section (<c>FlowSdk__Dashboard__Token</c> in the environment).
/// </summary>
public sealed class FlowDashboardOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "FlowSdk:Dashboard";

    /// <summary>The address the dashboard listens on when none is given: the loopback interface only.</summary>
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>
    /// The URL the dashboard listens on, <see cref="DefaultUrl"/> by default. Port 0 picks a free port.
    /// Only a URL with a non-loopback host (<c>http://0.0.0.0:5080</c>) makes it reachable from other machines.
    /// </summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>
    /// The token that the controls (execution and flow verbs) and the HTTP triggers need: sent as
    /// <c>Authorization: Bearer &lt;token&gt;</c> by scripts, or typed into the dashboard's sign-in box.
    /// Without a token the dashboard is read-only: it shows flows and executions, and refuses every
    /// state-changing request with 403.
    /// </summary>
    public string? Token { get; set; }
}
