using FlowSdk.State;
using FlowSdk.Testing;
using FlowSdk.Tests.AcceptedShapes;

namespace FlowSdk.Tests
{
    /// <summary>
    /// What the build-time checks leave accepted behaves as the user meant, run by the real generator's
    /// code on the test kit: state members come back after a round trip through the store, integer and
    /// Guid correlation keys find their execution, a reply with an init-only [TaskId] continues its
    /// execution, a message-only rule without phases reacts to every message, and a duration written in
    /// full means what it says. The shapes rejected instead (async rules, strongly typed ids as keys,
    /// get-only collections, ...) are the analyzer tests' (tests/FlowSdk.Analyzers.Tests/CorrectnessTests.cs).
    /// </summary>
    public sealed class AcceptedShapesTests
    {
        [Fact]
        public async Task State_members_the_formatter_writes_survive_a_new_host_on_the_same_store()
        {
            // One store and one transport (its message ids go on counting) for two runtimes, one after the other.
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            await using var store = new InMemoryStateStore();
            await using var transport = new FlowSdk.Transport.InMemoryTransport(time);
            void Shared(FlowTestHostOptions o) => (o.Time, o.StateStore, o.Transport) = (time, store, transport);
            await using (var first = await FlowTestHost.StartAsync([NotebookFlow.Definition], Shared))
            {
                await first.SendAsync(NotebookFlow.Ports.NoteAdded, new NoteAdded("n-1", "first"));
            }

            // A new runtime has nothing in memory: what it reads comes from the stored bytes.
            await using var second = await FlowTestHost.StartAsync([NotebookFlow.Definition], Shared);
            await second.SendAsync(NotebookFlow.Ports.NoteAdded, new NoteAdded("n-1", "second"));

            var notebook = await second.GetAsync(NotebookFlow.Definition, "n-1");
            Assert.Equal(["first", "second"], notebook.Notes);
            Assert.Equal(new Dictionary<string, int> { ["first"] = 5, ["second"] = 6 }, notebook.Lengths);
            Assert.Equal(2, notebook.Count);
            Assert.Equal("second", notebook.Last);
            Assert.Equal(2, notebook.NoteCount);
            FlowAssert.Fired(notebook, "Add", "Add");
        }

        [Fact]
        public async Task Integer_and_Guid_correlation_keys_bring_every_message_to_one_execution()
        {
            await using var host = await FlowTestHost.StartAsync(CounterFlow.Definition, TaggedItemFlow.Definition);
            var id = new Guid("6f9619ff-8b86-d011-b42d-00c04fc964ff");

            await host.SendAsync(CounterFlow.Ports.Counted, new Counted(42));
            await host.SendAsync(CounterFlow.Ports.Counted, new Counted(42));
            await host.SendAsync(TaggedItemFlow.Ports.Tagged, new Tagged(id, "a"));
            await host.SendAsync(TaggedItemFlow.Ports.Tagged, new Tagged(id, "b"));

            Assert.Equal(2, (await host.GetAsync(CounterFlow.Definition, "42")).Total);
            Assert.Equal("ab", (await host.GetAsync(TaggedItemFlow.Definition, "6f9619ff-8b86-d011-b42d-00c04fc964ff")).Tags);
            Assert.Empty(host.Messages.DeadLetters);
        }

        [Fact]
        public async Task A_reply_with_an_init_only_task_id_continues_its_execution_to_completion()
        {
            await using var host = await FlowTestHost.StartAsync(SupportCaseFlow.Definition);

            await host.SendAsync(SupportCaseFlow.Ports.CaseOpened, new CaseOpened("c-1"));
            var waiting = await host.GetAsync(SupportCaseFlow.Definition, "c-1");
            FlowAssert.Status(waiting, ExecutionStatus.Waiting);
            var request = host.Messages.SingleOf(SupportCaseFlow.Ports.OwnerRequested);
            Assert.False(string.IsNullOrEmpty(request.TaskId));

            await host.SendAsync(SupportCaseFlow.Ports.OwnerReplied, new OwnerReplied { TaskId = request.TaskId, Owner = "ada" });

            var done = await host.GetAsync(SupportCaseFlow.Definition, "c-1");
            FlowAssert.Status(done, ExecutionStatus.Completed);
            Assert.Equal("ada", done.Owner);
            FlowAssert.Fired(done, "Ask", "Assign");
        }

        [Fact]
        public async Task A_message_only_rule_without_phases_reacts_to_every_message()
        {
            await using var host = await FlowTestHost.StartAsync(NotebookFlow.Definition);

            await host.SendAsync(NotebookFlow.Ports.Pinged, new Pinged("x"));
            await host.SendAsync(NotebookFlow.Ports.Pinged, new Pinged("y"));

            Assert.Equal([new Ponged("x"), new Ponged("y")], host.Messages.Of(NotebookFlow.Ports.Ponged));
        }

        [Fact]
        public async Task A_timeout_written_in_full_means_what_it_says()
        {
            await using var host = await FlowTestHost.StartAsync(CounterFlow.Definition);
            await host.SendAsync(CounterFlow.Ports.Counted, new Counted(7));

            // "00:00:30" is thirty seconds (where "00:30" would have been thirty minutes).
            await host.AdvanceAsync(TimeSpan.FromSeconds(29));
            FlowAssert.Status(await host.GetAsync(CounterFlow.Definition, "7"), ExecutionStatus.Running);
            await host.AdvanceAsync(TimeSpan.FromSeconds(1));
            FlowAssert.Status(await host.GetAsync(CounterFlow.Definition, "7"), ExecutionStatus.TimedOut);
        }
    }
}

// The flows, as a user writes them: each builds without a FlowSdk diagnostic.
namespace FlowSdk.Tests.AcceptedShapes
{
    public enum OpenPhase { Open }

    [Message("accepted.notes.added", External = true)]
    public sealed record NoteAdded([property: CorrelationKey] string NotebookId, string Text);

    [TestFlow]
    [Flow<OpenPhase>("accepted-notebook")]
    public partial class Notebook
    {
        public List<string> Notes { get; set; } = [];

        public Dictionary<string, int> Lengths { get; init; } = [];

        public int Count;

        public string Last { get; set; } = "";

        public int NoteCount => Notes.Count;
    }

    [Rules<Notebook>]
    public static partial class NotebookRules
    {
        [Rule(From = OpenPhase.Open)]
        public static void Add(Notebook notebook, NoteAdded added)
        {
            notebook.Notes.Add(added.Text);
            notebook.Lengths[added.Text] = added.Text.Length;
            notebook.Count++;
            notebook.Last = added.Text;
        }

        // Message-only: no From, no To, no execution; it translates every message.
        [Rule]
        public static Ponged Reply(Pinged pinged) => new(pinged.Text);
    }

    [Message("accepted.counted", External = true)]
    public sealed record Counted([property: CorrelationKey] int Number);

    [TestFlow]
    [Flow<OpenPhase>("accepted-counter", Timeout = "00:00:30")]
    public partial class Counter
    {
        public int Total { get; set; }
    }

    [Rules<Counter>]
    public static partial class CounterRules
    {
        [Rule(From = OpenPhase.Open)]
        public static void Count(Counter counter, Counted counted) => counter.Total++;
    }

    [Message("accepted.tagged", External = true)]
    public sealed record Tagged([property: CorrelationKey] Guid ItemId, string Tag);

    [TestFlow]
    [Flow<OpenPhase>("accepted-tagged")]
    public partial class TaggedItem
    {
        public string Tags { get; set; } = "";
    }

    [Rules<TaggedItem>]
    public static partial class TaggedRules
    {
        [Rule(From = OpenPhase.Open)]
        public static void Tag(TaggedItem item, Tagged tagged) => item.Tags += tagged.Tag;
    }

    public enum CasePhase { New, Asking, [TerminalPhase] Assigned }

    [Message("accepted.cases.opened", External = true)]
    public sealed record CaseOpened([property: CorrelationKey] string CaseId);

    /// <summary>The request: the runtime sets its settable task id.</summary>
    [Message("accepted.cases.owner.requested", External = true)]
    public sealed record OwnerRequested(string CaseId)
    {
        [TaskId]
        public string TaskId { get; set; } = "";
    }

    /// <summary>The reply: an init-only task id, as the sender writes it once.</summary>
    [Message("accepted.cases.owner.replied", External = true)]
    public sealed class OwnerReplied
    {
        [TaskId]
        public string TaskId { get; init; } = "";

        public string Owner { get; init; } = "";
    }

    [TestFlow]
    [Flow<CasePhase>("accepted-case")]
    public partial class SupportCase
    {
        public string Owner { get; set; } = "";
    }

    [Rules<SupportCase>]
    public static partial class SupportCaseRules
    {
        [Rule(From = CasePhase.New, To = CasePhase.Asking, AwaitReply = true)]
        public static OwnerRequested Ask(SupportCase support, CaseOpened opened) => new(opened.CaseId);

        [Rule(From = CasePhase.Asking, To = CasePhase.Assigned)]
        public static void Assign(SupportCase support, OwnerReplied replied) => support.Owner = replied.Owner;
    }

    [Message("accepted.pinged", External = true)]
    public sealed record Pinged(string Text);

    [Message("accepted.ponged", External = true)]
    public sealed record Ponged(string Text);
}
