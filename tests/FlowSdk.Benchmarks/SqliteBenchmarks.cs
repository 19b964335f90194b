using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.Benchmarks.OnNats;
using FlowSdk.Sqlite;
using FlowSdk.State;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The embedded back-ends side by side, in one run (<c>--only sqlite</c>): the in-memory store and
/// transport against FlowSdk.Sqlite on a temporary file (WAL, <c>synchronous=NORMAL</c>, the defaults).
/// <list type="bullet">
/// <item><b>Step</b>: one execution step as the runtime takes it, without transport: read the stored
/// order (<c>GetAsync</c>), deserialize, <c>Definition.Fire</c>, serialize, and the compare-and-set write
/// (<c>TryUpdateAsync</c> on the revision read). Microseconds per step.</item>
/// <item><b>Events</b>: <see cref="EventsPerRound"/> events published through the runtime's transport on
/// the tally flow's input (one execution per ten events, each loaded, fired and written back with
/// compare-and-set), until <c>FlowRuntime.WhenIdleAsync</c> says every one is handled and acknowledged.
/// The time per operation is per event; events per second are its inverse. On SQLite each event is
/// an inbox row written, read, and deleted on acknowledgement, besides the state write.</item>
/// </list>
/// NATS figures for the same two measurements come from the NATS benchmarks (<c>--only nats</c>),
/// which start their own server.
/// </summary>
[BenchmarkCategory("Embedded")]
public class SqliteBenchmarks
{
    /// <summary>Events per benchmark invocation.</summary>
    public const int EventsPerRound = 2_000;

    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
    private readonly PaymentReceived _payment = new("o-1", 42m);
    private string _folder = "";
    private SqliteFlowDatabase? _database;
    private IStateStore _store = null!;
    private FlowRuntime _runtime = null!;
    private byte[][] _ticks = [];
    private byte[] _stored = [];
    private int _round;

    /// <summary>The back-end.</summary>
    [Params("in-memory", "sqlite")]
    public string Backend { get; set; } = "in-memory";

    /// <summary>Opens the store (a fresh file for SQLite), stores the order in Placed, starts the runtime.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _folder = Directory.CreateTempSubdirectory("flowsdk-bench-sqlite-").FullName;
        var options = new FlowRuntimeOptions();
        if (Backend == "sqlite")
        {
            _database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Path.Combine(_folder, "bench.db") });
            options.UseSqlite(_database);
            _store = _database.Store;
        }
        else
        {
            _store = new InMemoryStateStore();
            options.StateStore = _store;
        }

        var order = OrderFlow.Definition.Start("o-1", Now);
        order.Total = 42m;
        _stored = FlowSerializer.Serialize(OrderFlow.Definition.StateFormatter, order);
        _store.TryCreateAsync("bench-order.o-1", _stored).GetAwaiter().GetResult();
        _runtime = FlowRuntime.StartAsync([TallyFlow.Definition], options).GetAwaiter().GetResult();
        _ticks = new byte[EventsPerRound][];
        if (!Step())
        {
            throw new InvalidOperationException("The step did not fire.");
        }
    }

    /// <summary>Stops the runtime and removes the file.</summary>
    [GlobalCleanup]
    public void CleanUp()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_database is not null)
        {
            _database.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        else
        {
            _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Read, deserialize, fire, serialize, compare-and-set write.</summary>
    [Benchmark]
    public bool Step()
    {
        var definition = OrderFlow.Definition;
        var entry = _store.GetAsync("bench-order.o-1").GetAwaiter().GetResult()!;

        // The stored order in Placed each time (the read value is the same size), as the firing
        // benchmark starts every operation from the same order.
        var order = FlowSerializer.Deserialize(definition.StateFormatter, _stored);
        var fired = definition.Fire(order, _payment, Now).Fired;
        var written = _store.TryUpdateAsync("bench-order.o-1", FlowSerializer.Serialize(definition.StateFormatter, order), entry.Revision).GetAwaiter().GetResult();
        return fired && written.Succeeded;
    }

    /// <summary>Publishes a round of ticks and waits until the runtime has handled them all.</summary>
    [IterationSetup(Target = nameof(Events))]
    public void PrepareRound()
    {
        var round = Interlocked.Increment(ref _round);
        var port = TallyFlow.Ports.Tick;
        for (var i = 0; i < EventsPerRound; i++)
        {
            _ticks[i] = port.Serialize(new Tick($"r{round}-e{i / 10}", i, "tick"));
        }
    }

    /// <summary>Events through the runtime, until quiescent.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerRound)]
    public void Events()
    {
        var subject = TallyFlow.Ports.Tick.Subject;
        for (var i = 0; i < EventsPerRound; i++)
        {
            _runtime.Transport.PublishAsync(subject, _ticks[i]).GetAwaiter().GetResult();
        }

        _runtime.WhenIdleAsync().GetAwaiter().GetResult();
    }
}
