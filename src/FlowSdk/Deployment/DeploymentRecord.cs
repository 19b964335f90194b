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
            return new DeploymentRecord(flow, state, Required(root, "version"), Required(root, "changedBy"), at, action, revision);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"A deployment record is not valid JSON: {ex.Message}", ex);
        }
    }

    private static string Required(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"A deployment record has no '{name}' (a non-empty string).");
}
