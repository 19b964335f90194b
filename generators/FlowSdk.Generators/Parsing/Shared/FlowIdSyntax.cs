namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// Flow id syntax, the same rule as the runtime's check when a flow is deployed: lowercase letters,
/// digits and dashes, starting with a letter or digit. The id becomes part of subjects and state keys.
/// </summary>
internal static class FlowIdSyntax
{
    /// <summary>What is wrong with <paramref name="id"/>, in words; <see langword="null"/> when it is valid.</summary>
    public static string? Validate(string? id)
    {
        if (id is null || id.Length == 0)
        {
            return "a flow id cannot be empty";
        }

        if (id[0] == '-')
        {
            return "it starts with '-'";
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"it contains '{c}'";
            }
        }

        return null;
    }
}
