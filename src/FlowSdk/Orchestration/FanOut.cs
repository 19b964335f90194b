using System.Collections;
using FlowSdk.Runtime;

namespace FlowSdk;

/// <summary>When a fan-out group finishes.</summary>
public enum FanOutMode
{
    /// <summary>When every child ended, completed or not.</summary>
    All,

    /// <summary>At the first child that completed; when every child ended without one completing, then.</summary>
    First,

    /// <summary>At the first child that did not complete (failed, escalated, timed out): fail fast; otherwise when every child completed.</summary>
    AnyError,
}

/// <summary>How a fan-out group finished.</summary>
public enum FanOutOutcome
{
    /// <summary>Every child ended (or there were none).</summary>
    AllEnded,

    /// <summary>A child completed first (<see cref="FanOutMode.First"/>).</summary>
    FirstCompleted,

    /// <summary>A child did not complete (<see cref="FanOutMode.AnyError"/>).</summary>
    ChildFailed,

    /// <summary>The group's timeout passed before it finished.</summary>
    TimedOut,
}

/// <summary>A fan-out group of a flow, as <see cref="FanOutAttribute{TChild, TInput, TResult}"/> declares it, without its static types.</summary>
public abstract class FanOutGroup
{
    /// <summary>The prefix of the subjects a flow's fan-in reports arrive on: <c>flowsdk.fanin.&lt;flow&gt;</c>.</summary>
    public const string ReportSubjectPrefix = "flowsdk.fanin.";

    private protected FanOutGroup(string name, string childFlow, string inputSubject, string resultSubject, FanOutMode mode, TimeSpan? timeout)
    {
        if (!FlowIds.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid fan-out group name: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'items').", nameof(name));
        }

        FlowIds.EnsureValid(childFlow);
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"Fan-out group '{name}': a timeout must be longer than zero.");
        }

        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"Fan-out group '{name}': not a FanOutMode.");
        }

        Name = name;
        ChildFlow = childFlow;
        InputSubject = inputSubject;
        ResultSubject = resultSubject;
        Mode = mode;
        Timeout = timeout;
    }

    /// <summary>The group's name, unique within its flow.</summary>
    public string Name { get; }

    /// <summary>The id of the flow the children are executions of.</summary>
    public string ChildFlow { get; }

    /// <summary>The subject of the message that starts a child.</summary>
    public string InputSubject { get; }

    /// <summary>The subject of the child's result message.</summary>
    public string ResultSubject { get; }

    /// <summary>The name of the child's result message type.</summary>
    public abstract string ResultType { get; }

    /// <summary>When the group finishes.</summary>
    public FanOutMode Mode { get; }

    /// <summary>How long the group waits for its children; <see langword="null"/> for no limit.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>The subject the children of <paramref name="parentFlow"/>'s groups report their end on.</summary>
    /// <param name="parentFlow">The id of the flow that fans out.</param>
    /// <returns><c>flowsdk.fanin.&lt;parentFlow&gt;</c>.</returns>
    public static string ReportSubject(string parentFlow) => ReportSubjectPrefix + parentFlow;

    /// <summary>
    /// The execution id of child <paramref name="index"/> of group <paramref name="group"/> of execution
    /// <paramref name="parentId"/> of flow <paramref name="parentFlow"/>: <c>&lt;parentFlow&gt;=&lt;parentId&gt;=&lt;group&gt;=&lt;index&gt;</c>,
    /// the same on every attempt, so a parent that fires again never starts a child twice.
    /// </summary>
    /// <param name="parentFlow">The parent's flow id.</param>
    /// <param name="parentId">The parent's execution id.</param>
    /// <param name="group">The group's name.</param>
    /// <param name="index">The child's index in the group, from 0.</param>
    /// <returns>The child's execution id.</returns>
    public static string ChildId(string parentFlow, string parentId, string group, int index)
        => string.Concat(parentFlow, "=", parentId, "=", group, "=", index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Whether the group finished for <paramref name="state"/>'s execution: its results are in (<c>Results</c>).</summary>
    /// <param name="state">An execution of the flow that declares the group.</param>
    /// <returns><see langword="true"/> once the group finished; <see langword="false"/> while it waits, or before the execution fanned out.</returns>
    public bool IsFinished(IFlowState state) => Find(state) is { FinishedAt: not null };

    /// <summary>Whether the execution fanned out this group (it is waiting, or finished).</summary>
    /// <param name="state">An execution of the flow that declares the group.</param>
    /// <returns><see langword="true"/> once a rule fanned out the group.</returns>
    public bool IsStarted(IFlowState state) => Find(state) is not null;

    /// <summary>Checks a flow's groups: no null, no name twice.</summary>
    internal static IReadOnlyList<FanOutGroup> Check(string flowId, IReadOnlyList<FanOutGroup>? groups)
    {
        if (groups is null || groups.Count == 0)
        {
            return [];
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            if (!names.Add(group.Name))
            {
                throw new ArgumentException($"Flow '{flowId}' declares fan-out group '{group.Name}' twice.", nameof(groups));
            }
        }

        return groups;
    }

    private protected FanOutRecord? Find(IFlowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Execution.FindFanOut(Name);
    }
}

/// <summary>A fan-out group with its static types: what a rule fans out (<see cref="RuleContext.FanOut{TItem, TInput, TResult}"/>) and what the flow reads back (<see cref="Results"/>).</summary>
/// <typeparam name="TInput">The message that starts a child.</typeparam>
/// <typeparam name="TResult">The child's result message.</typeparam>
public sealed class FanOutGroup<TInput, TResult> : FanOutGroup
{
    /// <summary>Creates a group. Called by generated code.</summary>
    /// <param name="name">The group's name.</param>
    /// <param name="childFlow">The child flow's id.</param>
    /// <param name="input">The port of the message that starts a child.</param>
    /// <param name="keyOf">Reads the correlation key of a start message: it must be the child's execution id.</param>
    /// <param name="result">The port of the child's result message.</param>
    /// <param name="mode">When the group finishes.</param>
    /// <param name="timeout">How long the group waits; <see langword="null"/> for no limit.</param>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public FanOutGroup(string name, string childFlow, MessagePort<TInput> input, Func<TInput, string> keyOf, MessagePort<TResult> result, FanOutMode mode = FanOutMode.All, TimeSpan? timeout = null)
        : base(name, childFlow, (input ?? throw new ArgumentNullException(nameof(input))).Subject, (result ?? throw new ArgumentNullException(nameof(result))).Subject, mode, timeout)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        Input = input;
        KeyOf = keyOf;
        Result = result;
    }

    /// <summary>The port of the message that starts a child.</summary>
    public MessagePort<TInput> Input { get; }

    /// <summary>The port of the child's result message.</summary>
    public MessagePort<TResult> Result { get; }

    /// <inheritdoc/>
    public override string ResultType => Result.MessageType;

    internal Func<TInput, string> KeyOf { get; }

    /// <summary>
    /// The children's results once the group finished, in child order of their end; <see langword="null"/>
    /// while the group waits or before the execution fanned out. Read it in the rule that fans in.
    /// </summary>
    /// <param name="state">An execution of the flow that declares the group.</param>
    /// <returns>The results, or <see langword="null"/>.</returns>
    public FanInResults<TResult>? Results(IFlowState state)
    {
        if (Find(state) is not { FinishedAt: { } finished } record)
        {
            return null;
        }

        var results = new List<FanInResult<TResult>>(record.Ended.Count);
        foreach (var ended in record.Ended)
        {
            var value = ended.ResultPayload is { } payload ? Result.Deserialize(payload) : default;
            results.Add(new FanInResult<TResult>(ended.Index, ended.ExecutionId, ended.Status, ended.Phase, ended.Reason, ended.At, value));
        }

        return new FanInResults<TResult>(Name, record.Outcome ?? FanOutOutcome.AllEnded, record.Expected, record.StartedAt, finished, record.Late.Count, results);
    }
}

/// <summary>One child's end, as its parent reads it.</summary>
/// <typeparam name="TResult">The child's result message.</typeparam>
/// <param name="Index">The child's index in its group, from 0.</param>
/// <param name="ExecutionId">The child's execution id.</param>
/// <param name="Status">How the child ended.</param>
/// <param name="Phase">The phase it ended in.</param>
/// <param name="Reason">Why it failed, was escalated or timed out; <see langword="null"/> when it completed.</param>
/// <param name="At">When it ended.</param>
/// <param name="Result">The result message its last rule returned; <see langword="default"/> when it returned none (a child that did not complete).</param>
public sealed record FanInResult<TResult>(int Index, string ExecutionId, ExecutionStatus Status, string Phase, string? Reason, DateTimeOffset At, TResult? Result)
{
    /// <summary>Whether the child completed.</summary>
    public bool Completed => Status == ExecutionStatus.Completed;
}

/// <summary>The results of a finished fan-out group: the children that ended before it finished, in the order they ended.</summary>
/// <typeparam name="TResult">The children's result message.</typeparam>
public sealed class FanInResults<TResult> : IReadOnlyList<FanInResult<TResult>>
{
    private readonly List<FanInResult<TResult>> _results;

    internal FanInResults(string group, FanOutOutcome outcome, int expected, DateTimeOffset startedAt, DateTimeOffset finishedAt, int late, List<FanInResult<TResult>> results)
    {
        Group = group;
        Outcome = outcome;
        Expected = expected;
        StartedAt = startedAt;
        FinishedAt = finishedAt;
        LateResults = late;
        _results = results;
    }

    /// <summary>The group's name.</summary>
    public string Group { get; }

    /// <summary>How the group finished.</summary>
    public FanOutOutcome Outcome { get; }

    /// <summary>How many children the group started.</summary>
    public int Expected { get; }

    /// <summary>When the group was fanned out.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When the group finished.</summary>
    public DateTimeOffset FinishedAt { get; }

    /// <summary>How many children ended after the group finished: their results were dropped.</summary>
    public int LateResults { get; }

    /// <summary>The children that completed, with their results.</summary>
    public IEnumerable<FanInResult<TResult>> Completed => _results.Where(r => r.Completed);

    /// <summary>The children that ended without completing.</summary>
    public IEnumerable<FanInResult<TResult>> NotCompleted => _results.Where(r => !r.Completed);

    /// <inheritdoc/>
    public int Count => _results.Count;

    /// <inheritdoc/>
    public FanInResult<TResult> this[int index] => _results[index];

    /// <inheritdoc/>
    public IEnumerator<FanInResult<TResult>> GetEnumerator() => _results.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
