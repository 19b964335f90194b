using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlowSdk.Dashboard.Internal;

internal sealed record ErrorResponse(string Error);

internal sealed record SessionResponse(bool ReadOnly, bool SignedIn, string? AntiforgeryToken, string AntiforgeryHeader);

internal sealed record SignInRequest(string? Token);

internal sealed record ControlRequest(string? Reason);

internal sealed record ControlState(string Verb, string Label, bool Enabled, string? Reason);

internal sealed record ControlResult(string Verb, string Result);

internal sealed record PortView(string Subject, string MessageType, IReadOnlyList<string> Fields, string Example);

/// <summary>A flow's deployment record as the flows page shows it: <see cref="State"/> is NotDeployed when there is no record.</summary>
internal sealed record DeploymentView(
    string Flow,
    DeploymentState State,
    string? Version,
    string LocalVersion,
    bool VersionMatches,
    string? ChangedBy,
    DateTimeOffset? ChangedAt,
    DeploymentAction? LastAction,
    string? Error,
    IReadOnlyList<ControlState> Controls);

internal sealed record FlowView(string Id, IReadOnlyList<string> Phases, Dictionary<string, int> Progress, IReadOnlyList<PortView> Ports, DeploymentView Deployment);

internal sealed record FlowsResponse(JsonElement Graph, IReadOnlyList<FlowView> Flows, IReadOnlyList<string> Statuses, bool ReadOnly);

internal sealed record ExecutionsResponse(int Total, int Offset, int Limit, IReadOnlyList<ExecutionSummary> Items);

internal sealed record TimelineView(DateTimeOffset At, string Rule, string Trigger, string Source, string Action, string PhaseBefore, string PhaseAfter, int Iteration);

internal sealed record ExecutionView(
    string Flow,
    string Id,
    ulong Revision,
    ExecutionStatus Status,
    string? StatusReason,
    string Phase,
    int Iteration,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? Deadline,
    string? PendingTaskId,
    DateTimeOffset? PendingSince,
    IReadOnlyList<TimelineView> Timeline,
    long DroppedTimelineEntries,
    DateTimeOffset? FirstTimelineEntryAt,
    JsonElement State,
    IReadOnlyList<ControlState> Controls,
    ApprovalView? Approval,
    ApprovalDecision? LastApproval);

/// <summary>The approval request an execution waits on, and its decision while a host has not applied it yet.</summary>
internal sealed record ApprovalView(string RequestId, string Rule, DateTimeOffset RequestedAt, DateTimeOffset? ExpiresAt, ApprovalDecision? Decision);

internal sealed record ApprovalsResponse(IReadOnlyList<PendingApproval> Approvals);

internal sealed record SentResponse(string Subject, string MessageType, string? MessageId);

internal sealed record HealthEntry(string Status, string? Description, double DurationMs);

internal sealed record HealthResponse(string Status, Dictionary<string, HealthEntry> Checks);

/// <summary>The dashboard's JSON, source-generated: no reflection, Native AOT-safe.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(SignInRequest))]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResult))]
[JsonSerializable(typeof(FlowsResponse))]
[JsonSerializable(typeof(ExecutionsResponse))]
[JsonSerializable(typeof(ExecutionSummary))]
[JsonSerializable(typeof(ExecutionView))]
[JsonSerializable(typeof(SentResponse))]
[JsonSerializable(typeof(ApprovalsResponse))]
[JsonSerializable(typeof(DeploymentView))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;

/// <summary>The context the API writes with: error messages keep their quotes readable (the JSON is never embedded in HTML; the UI shows text with textContent).</summary>
internal static class DashboardJson
{
    public static DashboardJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
