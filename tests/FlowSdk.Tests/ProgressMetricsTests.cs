using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FlowSdk.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Tests;

[Message("test.probe.started")]
public sealed record ProbeStarted([property: CorrelationKey] string ProbeId, bool Ask);

[Message("test.probe.question", External = true)]
public sealed record ProbeQuestion(string ProbeId, [property: TaskId] string TaskId = "");

[Message("test.probe.answer")]
public sealed record ProbeAnswer([property: TaskId] string TaskId, string Text);

public enum ProbePhase
{
    New,
    Started,
    [TerminalPhase]
    Answered,
}

/// <summary>A flow no other test runs, so the process-wide meter's measurements tagged with it come from these tests alone.</summary>
[Flow<ProbePhase>("meter-probe", Timeout = "00:10:00")]
public partial class Probe
{
}

[Rules<Probe>]
public static partial class ProbeRules
{
    [Rule(From = ProbePhase.New, To = ProbePhase.Started, AwaitReply = true)]
    [When(nameof(Asks))]
    public static ProbeQuestion Ask(Probe probe, ProbeStarted started) => new(started.ProbeId);

    [Rule(From = ProbePhase.New, To = ProbePhase.Started)]
    public static void Start(Probe probe, ProbeStarted started)
    {
    }

    [Rule(From = ProbePhase.Started, To = ProbePhase.Answered)]
    public static void Answer(Probe probe, ProbeAnswer answer)
    {
    }

    private static bool Asks(ProbeStarted started) => started.Ask;
}

/// <summary>
/// The meter: <c>flowsdk.executions.by_status</c> reports the progress counters of the flows of each
/// started runtime, and <c>flowsdk.callbacks.pending</c> follows cancel and retry of executions that
/// wait for a reply.
/// </summary>
[Collection(Collection)]
public sealed class ProgressMetricsTests
{
    /// <summary>The tests that run the meter-probe flow, one at a time: the meter is process-wide.</summary>
    public const string Collection = "meter-probe";

    [Fact]
    public async Task The_by_status_gauge_reports_the_counters_of_a_started_runtime_per_flow_and_status()
    {
        await using (var host = await FlowTestHost.StartAsync(ProbeFlow.Definition))
        {
            var probes = new ProbeClient(host.Runtime);
            await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("run-1", Ask: false));
            await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("run-2", Ask: false));
            await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("ask-1", Ask: true));
            await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("gone", Ask: false));
            await probes.CancelAsync("gone");

            var measured = ObserveGauge();
            Assert.Equal(ProgressCounts.Statuses.Select(s => s.ToString()).Order(StringComparer.Ordinal), measured.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(
                new Dictionary<string, long> { ["Running"] = 2, ["Waiting"] = 1, ["Cancelled"] = 1 },
                measured.Where(m => m.Value != 0).ToDictionary());

            var progress = await probes.GetProgressAsync();
            Assert.Equal(progress.Counts.ToDictionary(c => c.Key.ToString(), c => c.Value), measured);
        }

        // A stopped runtime reports nothing.
        Assert.Empty(ObserveGauge());
    }

    [Fact]
    public async Task Pending_replies_go_down_when_a_waiting_execution_is_cancelled_and_up_when_a_retry_waits_again()
    {
        var pending = new ConcurrentQueue<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName && instrument.Name == FlowSdkDiagnostics.PendingCallbacks)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (IsProbe(tags))
            {
                pending.Enqueue(value);
            }
        });
        listener.Start();

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var host = await FlowTestHost.StartAsync([ProbeFlow.Definition], o => o.Time = time);
        var probes = new ProbeClient(host.Runtime);

        // Waiting, then cancelled.
        await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("c-1", Ask: true));
        Assert.Equal(1, pending.Sum());
        await probes.CancelAsync("c-1");
        Assert.Equal(0, pending.Sum());

        // Waiting, paused (still waiting for its reply), then cancelled.
        await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("c-2", Ask: true));
        await probes.PauseAsync("c-2");
        Assert.Equal(1, pending.Sum());
        await probes.CancelAsync("c-2");
        Assert.Equal(0, pending.Sum());

        // Waiting, timed out, retried: it waits for the same reply again, which then arrives.
        await host.SendAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("t-1", Ask: true));
        time.Advance(TimeSpan.FromMinutes(11));
        await host.SettleAsync();
        Assert.Equal(ExecutionStatus.TimedOut, (await probes.GetAsync("t-1"))!.Status);
        Assert.Equal(0, pending.Sum());
        var retried = await probes.RetryAsync("t-1");
        Assert.Equal(ExecutionStatus.Waiting, retried.After);
        Assert.Equal(1, pending.Sum());
        var probe = (await probes.GetAsync("t-1"))!;
        await host.SendAsync(ProbeFlow.Ports.ProbeAnswer, new ProbeAnswer(probe.Execution().PendingTaskId!, "yes"));
        Assert.Equal(ExecutionStatus.Completed, (await probes.GetAsync("t-1"))!.Status);
        Assert.Equal(0, pending.Sum());
    }

    /// <summary>One collection of the gauge: the value per status of the meter-probe flow.</summary>
    internal static Dictionary<string, long> ObserveGauge()
    {
        var measured = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName && instrument.Name == FlowSdkDiagnostics.ExecutionsByStatus)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (IsProbe(tags))
            {
                var status = (string)tags.ToArray().Single(t => t.Key == "status").Value!;
                Assert.True(measured.TryAdd(status, value), $"status {status} measured twice");
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return measured;
    }

    private static bool IsProbe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "flow" && Equals(tag.Value, "meter-probe"))
            {
                return true;
            }
        }

        return false;
    }
}
