using System.Buffers;
using MessagePack;

namespace FlowSdk;

/// <summary>
/// Writes and reads an execution's approval bookkeeping inside its <see cref="ExecutionInfoFormatter"/> map:
/// <c>PendingApproval</c> and <c>LastApproval</c>, each only when set, so an execution that never met an
/// approval rule is stored exactly as before approvals existed.
/// </summary>
internal static class ApprovalFormatter
{
    public const string RequestKey = "PendingApproval";
    public const string LastKey = "LastApproval";

    /// <summary>How many map keys <see cref="Write"/> adds for <paramref name="info"/>.</summary>
    public static int Keys(ExecutionInfo info) => (info.PendingApproval is null ? 0 : 1) + (info.LastApproval is null ? 0 : 1);

    public static void Write(ref MessagePackWriter writer, ExecutionInfo info)
    {
        if (info.PendingApproval is { } request)
        {
            writer.Write(RequestKey);
            writer.WriteArrayHeader(7);
            writer.Write(request.Id);
            writer.Write(request.Rule);
            writer.Write(request.RequestedAt.UtcDateTime);
            ExecutionInfoFormatter.WriteTime(ref writer, request.ExpiresAt);
            writer.Write(request.Subject);
            writer.Write(request.Payload);
            WriteDecision(ref writer, request.Decision);
        }

        if (info.LastApproval is { } last)
        {
            writer.Write(LastKey);
            WriteDecision(ref writer, last);
        }
    }

    public static ApprovalRequest? ReadRequest(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != 7)
        {
            throw new MessagePackSerializationException("An approval request is an array of seven: id, rule, requested at, expires at, subject, payload and decision.");
        }

        var id = reader.ReadString() ?? "";
        var rule = reader.ReadString() ?? "";
        var at = new DateTimeOffset(reader.ReadDateTime());
        var expires = ExecutionInfoFormatter.ReadTime(ref reader);
        var subject = reader.ReadString() ?? "";
        var payload = reader.ReadBytes()?.ToArray() ?? [];
        var decision = ReadDecision(ref reader);
        return new ApprovalRequest(id, rule, at, expires) { Subject = subject, Payload = payload, Decision = decision };
    }

    public static ApprovalDecision? ReadDecision(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != 6)
        {
            throw new MessagePackSerializationException("An approval decision is an array of six: request id, rule, approved, by, at and reason.");
        }

        var id = reader.ReadString() ?? "";
        var rule = reader.ReadString() ?? "";
        var approved = reader.ReadBoolean();
        var by = reader.ReadString() ?? "";
        var at = new DateTimeOffset(reader.ReadDateTime());
        var reason = reader.ReadString();
        return new ApprovalDecision(id, rule, approved, by, at, reason);
    }

    private static void WriteDecision(ref MessagePackWriter writer, ApprovalDecision? decision)
    {
        if (decision is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(decision.RequestId);
        writer.Write(decision.Rule);
        writer.Write(decision.Approved);
        writer.Write(decision.By);
        writer.Write(decision.At.UtcDateTime);
        writer.Write(decision.Reason);
    }
}
