using System.ComponentModel;
using FlowSdk.Runtime;

namespace FlowSdk.Internal;

/// <summary>A message type a flow consumes, with the rules it can fire, in declaration order.</summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class InputPort<TState> : IInputPort
    where TState : class, IFlowState, new()
{
    private protected InputPort()
    {
    }

    /// <summary>The subject the port consumes.</summary>
    public abstract string Subject { get; }

    /// <summary>The name of the message type.</summary>
    public abstract string MessageType { get; }

    /// <summary>The rules this port can fire, in declaration order.</summary>
    public abstract IReadOnlyList<RuleInfo> Rules { get; }

    /// <inheritdoc/>
    public abstract object? DecodeMessage(ReadOnlyMemory<byte> payload);

    /// <inheritdoc/>
    public abstract byte[] EncodeMessage(object message);

    /// <inheritdoc/>
    public abstract IReadOnlyList<string>? Fields { get; }

    internal abstract InboundEvent<TState> Decode(Transport.TransportMessage message);

    /// <summary>Evaluates the approved rule of <paramref name="request"/> again on the message it kept, in memory (<see cref="FlowDefinition{TState}.Approve"/>).</summary>
    internal abstract FiringResult FireApproved(FlowDefinition<TState> flow, TState state, ApprovalRequest request, DateTimeOffset now);
}

/// <summary>A message type a flow consumes: the dispatch table row for <typeparamref name="TMessage"/>.</summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
/// <typeparam name="TMessage">The message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InputPort<TState, TMessage> : InputPort<TState>, IExternalPort
    where TState : class, IFlowState, new()
{
    /// <summary>Whether the message type is declared <c>[Message(..., External = true)]</c>: connected outside the flows (validation does not warn about it).</summary>
    private static readonly bool DeclaredExternal = typeof(TMessage).GetCustomAttributes(typeof(MessageAttribute), inherit: false) is [MessageAttribute { External: true }, ..];

    private readonly Func<TMessage, string>? _correlationKey;
    private readonly RuleInfo[] _infos;

    /// <summary>Creates an input port. Called by generated code.</summary>
    /// <param name="port">The message's port.</param>
    /// <param name="correlationKey">Reads the correlation key from a message, or <see langword="null"/> when the message has none (then only message-only rules may consume it).</param>
    /// <param name="rules">The rules the message can fire, in declaration order.</param>
    public InputPort(MessagePort<TMessage> port, Func<TMessage, string>? correlationKey, Rule<TState, TMessage>[] rules)
        : this(port, correlationKey, rules, dispatcher: null)
    {
    }

    /// <summary>Creates an input port with its generated dispatcher. Called by generated code.</summary>
    /// <param name="port">The message's port.</param>
    /// <param name="correlationKey">Reads the correlation key from a message, or <see langword="null"/> when the message has none (then only message-only rules may consume it).</param>
    /// <param name="rules">The rules the message can fire, in declaration order.</param>
    /// <param name="dispatcher">The generated dispatch of <paramref name="rules"/>: the same rules in the same order, checked and called directly; <see langword="null"/> walks <paramref name="rules"/> instead.</param>
    public InputPort(MessagePort<TMessage> port, Func<TMessage, string>? correlationKey, Rule<TState, TMessage>[] rules, PortDispatcher<TState, TMessage>? dispatcher)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var rule in rules)
        {
            if (rule.NeedsState && correlationKey is null && port.TaskIdOf is null)
            {
                throw new ArgumentException($"Rule '{rule.Info}' loads the execution the message names, but '{port.MessageType}' has neither a [CorrelationKey] nor a [TaskId] property.", nameof(rules));
            }
        }

        Port = port;
        _correlationKey = correlationKey;
        RuleSet = rules;
        Dispatcher = dispatcher ?? new RuleTableDispatcher<TState, TMessage>(rules);
        _infos = Array.ConvertAll(rules, r => r.Info);
    }

    /// <summary>The message's port.</summary>
    public MessagePort<TMessage> Port { get; }

    /// <inheritdoc/>
    public override string Subject => Port.Subject;

    /// <inheritdoc/>
    public override string MessageType => Port.MessageType;

    /// <inheritdoc/>
    public override IReadOnlyList<string>? Fields => (Port.Formatter as Internal.IMapFormatter)?.Keys;

    /// <inheritdoc/>
    bool IExternalPort.External => DeclaredExternal;

    /// <inheritdoc/>
    public override IReadOnlyList<RuleInfo> Rules => _infos;

    internal Rule<TState, TMessage>[] RuleSet { get; }

    /// <summary>The port's dispatch: the generated one, or a walk of <see cref="RuleSet"/> for a port built by hand.</summary>
    internal PortDispatcher<TState, TMessage> Dispatcher { get; }

    /// <summary>Whether the message has a correlation key; without one, a message with a task id is a reply.</summary>
    internal bool HasCorrelationKey => _correlationKey is not null;

    /// <inheritdoc/>
    public override object? DecodeMessage(ReadOnlyMemory<byte> payload) => Port.Deserialize(payload);

    /// <inheritdoc/>
    public override byte[] EncodeMessage(object message) => message is TMessage typed
        ? Port.Serialize(typed)
        : throw new ArgumentException($"Port '{Subject}' carries {MessageType}, not {message?.GetType().Name ?? "null"}.", nameof(message));

    internal override FiringResult FireApproved(FlowDefinition<TState> flow, TState state, ApprovalRequest request, DateTimeOffset now)
        => flow.FireApproved(this, state, Port.Deserialize(request.Payload), request, now);

    internal override InboundEvent<TState> Decode(Transport.TransportMessage message)
    {
        var value = Port.Deserialize(message.Payload);
        string? key;
        string? taskId = null;
        if (_correlationKey is not null)
        {
            key = _correlationKey(value) ?? "";
        }
        else if (Port.TaskIdOf is not null)
        {
            // A reply names its execution through the task id: "<execution id>.<n>".
            taskId = Port.TaskIdOf(value) ?? "";
            var dot = taskId.LastIndexOf('.');
            key = dot > 0 ? taskId![..dot] : "";
        }
        else
        {
            key = null;
        }

        return new InboundMessage<TState, TMessage>(this, message, value, key, taskId);
    }
}
