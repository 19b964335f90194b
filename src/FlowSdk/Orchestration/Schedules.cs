namespace FlowSdk.Orchestration;

/// <summary>Checks a flow's schedules and runs them in a runtime.</summary>
internal static class Schedules
{
    /// <summary>The schedules of flow <paramref name="flowId"/>, checked: unique names, ticks on subjects the flow consumes.</summary>
    public static IReadOnlyList<ScheduleDefinition> Check(string flowId, IReadOnlyList<ScheduleDefinition>? schedules, IReadOnlyList<string> inputSubjects)
    {
        if (schedules is null || schedules.Count == 0)
        {
            return [];
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var schedule in schedules)
        {
            ArgumentNullException.ThrowIfNull(schedule, nameof(schedules));
            if (!names.Add(schedule.Name))
            {
                throw new ArgumentException($"Flow '{flowId}' has two schedules named '{schedule.Name}'; each needs its own name.", nameof(schedules));
            }

            if (!inputSubjects.Contains(schedule.Subject, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Flow '{flowId}': schedule '{schedule.Name}' publishes on '{schedule.Subject}', which no rule of the flow takes; add a rule for its tick message.", nameof(schedules));
            }
        }

        return schedules.ToArray();
    }

    /// <summary>Creates a runner for every schedule of <paramref name="flows"/>.</summary>
    public static ScheduleRunner[] CreateRunners(IEnumerable<FlowDefinition> flows, Runtime.RuntimeServices services) =>
        flows.SelectMany(f => f.Schedules.Select(s => new ScheduleRunner(f.Id, s, services))).ToArray();
}
