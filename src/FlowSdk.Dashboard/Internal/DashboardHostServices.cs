namespace FlowSdk.Dashboard.Internal;

/// <summary>
/// What the dashboard takes from the host's command line so that it has one implementation of each:
/// the flow graph (the <c>graph</c> verb's model), the JSON-to-message conversion of <c>send</c>, the
/// port lookup by subject or message type, and the MessagePack-to-JSON view of <c>inspect</c>.
/// FlowSdk.Hosting provides it.
/// </summary>
internal interface IDashboardHostServices
{
    /// <summary>The graph of <paramref name="flows"/> as the <c>graph --format json</c> verb prints it.</summary>
    string GraphJson(IReadOnlyCollection<FlowDefinition> flows);

    /// <summary>The input port named by subject or message type; throws <see cref="DashboardRequestException"/> (404) naming the ports when there is none.</summary>
    IInputPort FindPort(IReadOnlyList<FlowDefinition> flows, string name);

    /// <summary>The message's bytes from its JSON; throws <see cref="DashboardRequestException"/> (400) naming the field that is wrong.</summary>
    byte[] Encode(IInputPort port, string json);

    /// <summary>An example of the port's message as JSON, with its fields, as <c>send --help</c> shows it.</summary>
    string Example(IInputPort port);

    /// <summary>MessagePack bytes (an execution's state) as JSON text.</summary>
    string ToJson(ReadOnlyMemory<byte> bytes);
}

/// <summary>A request the dashboard refuses, with the HTTP status and a message saying what was wrong.</summary>
internal sealed class DashboardRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
