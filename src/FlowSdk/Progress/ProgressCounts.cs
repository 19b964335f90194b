using System.Globalization;
using System.Text;

namespace FlowSdk;

/// <summary>
/// How many executions of one flow are in each <see cref="ExecutionStatus"/>: the counters a state
/// store keeps and moves with every write that changes an execution's status.
/// </summary>
/// <remarks>Not thread-safe: stores change it under their own lock or transaction.</remarks>
public sealed class ProgressCounts
{
    /// <summary>Every status, in the order counts are written and shown.</summary>
    public static IReadOnlyList<ExecutionStatus> Statuses { get; } =
    [
        ExecutionStatus.Running,
        ExecutionStatus.Waiting,
        ExecutionStatus.Paused,
        ExecutionStatus.WaitingForApproval,
        ExecutionStatus.Completed,
        ExecutionStatus.Failed,
        ExecutionStatus.Cancelled,
        ExecutionStatus.Escalated,
        ExecutionStatus.TimedOut,
    ];

    private static readonly int Slots = Statuses.Max(s => (int)s) + 1;

    private readonly long[] _counts = new long[Slots];

    /// <summary>The count of executions in <paramref name="status"/>.</summary>
    /// <param name="status">The status.</param>
    public long this[ExecutionStatus status]
    {
        get => _counts[Slot(status)];
        set => _counts[Slot(status)] = value;
    }

    /// <summary>The count of executions in any status.</summary>
    public long Total => _counts.Sum();

    /// <summary>Moves the counters by one status change: one fewer in the status before, one more in the status after.</summary>
    /// <param name="change">The change.</param>
    public void Apply(StatusChange change)
    {
        if (!change.Moves)
        {
            return;
        }

        if (change.Before is { } before)
        {
            _counts[Slot(before)]--;
        }

        if (change.After is { } after)
        {
            _counts[Slot(after)]++;
        }
    }

    /// <summary>A copy.</summary>
    /// <returns>Counts equal to these that change independently.</returns>
    public ProgressCounts Clone()
    {
        var copy = new ProgressCounts();
        _counts.CopyTo(copy._counts, 0);
        return copy;
    }

    /// <summary>The counts as text, for example <c>Running=3,Waiting=1,Paused=0,...</c>: how FlowSdk.Nats stores them, readable by any client.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var status in Statuses)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(status.ToString()).Append('=').Append(this[status].ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Reads counts written by <see cref="ToString"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="where">What the text is, for the error message (a key name).</param>
    /// <returns>The counts.</returns>
    /// <exception cref="FormatException">The text is not <c>Status=count</c> pairs separated by commas.</exception>
    public static ProgressCounts Parse(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new ProgressCounts();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0
                || !Enum.TryParse<ExecutionStatus>(pair[..equals], ignoreCase: false, out var status)
                || !Enum.IsDefined(status)
                || !long.TryParse(pair[(equals + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
            {
                throw new FormatException($"The progress counters in {where} are not Status=count pairs separated by commas: '{pair}' in '{text}'.");
            }

            counts[status] = count;
        }

        return counts;
    }

    private static int Slot(ExecutionStatus status)
    {
        var slot = (int)status;
        return slot >= 0 && slot < Slots ? slot : throw new ArgumentOutOfRangeException(nameof(status), status, "Not an execution status.");
    }
}
