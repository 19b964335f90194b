namespace FlowSdk;

/// <summary>Validation of flow ids and execution ids, which become parts of subjects and state keys.</summary>
internal static class FlowIds
{
    /// <summary>Whether <paramref name="name"/> is a flow id or a name within a flow (a schedule, a fan-out group): lowercase letters, digits and dashes, starting with a letter or digit.</summary>
    public static bool IsValidName(string? name)
        => !string.IsNullOrEmpty(name) && name[0] != '-' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    public static void EnsureValid(string? flowId)
    {
        if (!IsValidName(flowId))
        {
            throw new ArgumentException($"'{flowId}' is not a valid flow id: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'plan-review').", nameof(flowId));
        }
    }

    /// <summary>Execution ids use the characters a NATS key-value key allows within one token.</summary>
    public static string? ValidateExecutionId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "the correlation key is empty";
        }

        if (id.Length > 256)
        {
            return $"the correlation key is {id.Length} characters long; at most 256 are allowed";
        }

        foreach (var c in id)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '='))
            {
                return $"the correlation key '{id}' contains '{c}'; use letters, digits, '-', '_' and '='";
            }
        }

        return null;
    }
}
