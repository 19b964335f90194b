using System.Globalization;
using System.Text.Json;

namespace FlowSdk;

/// <summary>
/// A flow's deployment record: the desired state every host converges to, the manifest version that
/// was deployed, and who made the last change, when and with which verb. Stored as JSON in the state
/// store under <c>_deployment.&lt;flow&gt;</c> and changed only with compare-and-set writes.
/// </summary>
/// <param name="Flow">The flow id.</param>
/// <param name="State">The desired state.</param>
/// <param name="Version">The manifest version that was deployed (see <see cref="FlowDeployments.VersionOf"/>).</param>
/// <param name="ChangedBy">Who made the last change (<c>cli:&lt;user&gt;</c>, <c>api</c>, <c>auto-deploy:&lt;machine&gt;</c>).</param>
/// <param name="ChangedAt">When the last change was made.</param>
/// <param name="LastAction">The verb of the last change; <see langword="null"/> when the record was created by auto-deploy.</param>
/// <param name="Revision">The store revision of the record; the next change is a compare-and-set on it.</param>
public sealed record DeploymentRecord(string Flow, DeploymentState State, string Version, string ChangedBy, DateTimeOffset ChangedAt, DeploymentAction? LastAction, ulong Revision)
{
    /// <summary>
    /// The deployed flow's ports and produced subjects (<see cref="FlowValidation.ShapeOf"/>), so validation
    /// at deploy time sees the flows every host deployed; <see langword="null"/> in a record written by a
    /// version that did not keep them.
    /// </summary>
    public FlowShape? Shape { get; init; }

    /// <summary>Writes the record as the JSON the store keeps (without the revision, which the store assigns).</summary>
    /// <returns>UTF-8 JSON.</returns>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("flow", Flow);
            writer.WriteString("state", State.ToString());
            writer.WriteString("version", Version);
            writer.WriteString("changedBy", ChangedBy);
            writer.WriteString("changedAt", ChangedAt.ToString("O", CultureInfo.InvariantCulture));
            if (LastAction is { } action)
            {
                writer.WriteString("lastAction", action.ToString());
            }

            if (Shape is { } shape)
            {
                writer.WriteStartObject("shape");
                writer.WriteStartArray("ports");
                foreach (var port in shape.Ports)
                {
                    writer.WriteStartObject();
                    writer.WriteString("direction", port.IsInput ? "in" : "out");
                    writer.WriteString("subject", port.Subject);
                    writer.WriteString("messageType", port.MessageType);
                    writer.WriteString("schema", port.Schema);
                    writer.WriteStartArray("members");
                    foreach (var member in port.Members)
                    {
                        writer.WriteStringValue(member);
                    }

                    writer.WriteEndArray();
                    writer.WriteString("rule", port.Rule);
                    if (port.External)
                    {
                        writer.WriteBoolean("external", true);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("produced");
                foreach (var subject in shape.Produced)
                {
                    writer.WriteStringValue(subject);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a record from the JSON the store keeps.</summary>
    /// <param name="json">UTF-8 JSON written by <see cref="ToJson"/>.</param>
    /// <param name="revision">The store revision it was read at.</param>
    /// <returns>The record.</returns>
    /// <exception cref="FormatException">The value is not a deployment record; the message names the field.</exception>
    public static DeploymentRecord FromJson(ReadOnlyMemory<byte> json, ulong revision)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var flow = Required(root, "flow");
            var state = Enum.TryParse<DeploymentState>(Required(root, "state"), ignoreCase: false, out var s) && Enum.IsDefined(s)
                ? s
                : throw new FormatException($"Deployment record of flow '{flow}': state '{Required(root, "state")}' is not one of NotDeployed, Deployed, Running.");
            DeploymentAction? action = null;
            if (root.TryGetProperty("lastAction", out var a) && a.ValueKind == JsonValueKind.String)
            {
                action = Enum.TryParse<DeploymentAction>(a.GetString(), ignoreCase: false, out var parsed) && Enum.IsDefined(parsed)
                    ? parsed
                    : throw new FormatException($"Deployment record of flow '{flow}': lastAction '{a.GetString()}' is not one of Deploy, Start, Stop, Undeploy.");
            }

            var at = DateTimeOffset.Parse(Required(root, "changedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            return new DeploymentRecord(flow, state, Required(root, "version"), Required(root, "changedBy"), at, action, revision)
            {
                Shape = root.TryGetProperty("shape", out var shape) && shape.ValueKind == JsonValueKind.Object ? ReadShape(flow, shape) : null,
            };
        }
        catch (JsonException ex)
        {
            throw new FormatException($"A deployment record is not valid JSON: {ex.Message}", ex);
        }
    }

    private static FlowShape ReadShape(string flow, JsonElement shape)
    {
        if (!shape.TryGetProperty("ports", out var ports) || ports.ValueKind != JsonValueKind.Array
            || !shape.TryGetProperty("produced", out var produced) || produced.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"Deployment record of flow '{flow}': 'shape' needs the arrays 'ports' and 'produced'.");
        }

        var list = new List<FlowPort>();
        foreach (var port in ports.EnumerateArray())
        {
            var direction = Required(port, "direction");
            if (direction is not ("in" or "out"))
            {
                throw new FormatException($"Deployment record of flow '{flow}': a port's direction '{direction}' is not 'in' or 'out'.");
            }

            var members = port.TryGetProperty("members", out var m) && m.ValueKind == JsonValueKind.Array
                ? m.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
                : [];
            var schema = port.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "";
            list.Add(new FlowPort(direction == "in", Required(port, "subject"), Required(port, "messageType"), schema, members, Required(port, "rule"))
            {
                External = port.TryGetProperty("external", out var e) && e.ValueKind == JsonValueKind.True,
            });
        }

        return new FlowShape(flow, list, [.. produced.EnumerateArray().Select(e => e.GetString() ?? "")]);
    }

    private static string Required(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"A deployment record has no '{name}' (a non-empty string).");
}
