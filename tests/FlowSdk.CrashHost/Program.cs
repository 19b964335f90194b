using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using FlowSdk;
using FlowSdk.CrashHost;
using FlowSdk.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

// Usage:
//   host    <urls> [ackWaitSeconds|default] [lanes]    run the flow until killed (SIGTERM prints counters as JSON)
//   publish <urls> <executions> [prefix] [first] [seconds]  publish 5 steps per execution, interleaved (ids prefix+first ...),
//           spread over at least [seconds] when given
//   verify  <urls> <executions> <timeoutSeconds> [prefix]  wait for the executions and print the outcome as JSON
// <urls> is a comma-separated list of NATS server URLs. A host prints "ready" once it consumes, then
// "fired N" each time its rule firings reach a multiple of ProgressEvery, and "server NAME" (the
// server it is connected to) before "ready" and after each reconnect. CRASH_REPLICAS sets the
// replicas of the stream and the state bucket (3 in a three-node cluster).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: host|publish|verify <urls> ...");
    return 2;
}

const int ProgressEvery = 25;
var urls = args[1];
var Logs = new StderrLoggerFactory(Enum.Parse<Microsoft.Extensions.Logging.LogLevel>(Environment.GetEnvironmentVariable("CRASH_LOG_LEVEL") ?? "Information"));
var replicas = int.Parse(Environment.GetEnvironmentVariable("CRASH_REPLICAS") ?? "1", CultureInfo.InvariantCulture);
NatsFlowOptions Options(TimeSpan ackWait) => new()
{
    Url = urls,
    StreamSubjects = { "crash.applied" },
    Replicas = replicas,
    AckWait = ackWait,
    RedeliveryDelay = TimeSpan.FromMilliseconds(250),
    ReconnectWaitMax = TimeSpan.FromMilliseconds(250),
    ConnectionName = "crash-" + args[0],
    LoggerFactory = args[0] == "host" ? Logs : null,
};

switch (args[0])
{
    case "host":
        return await HostAsync();
    case "publish":
        return await PublishAsync();
    case "verify":
        return await VerifyAsync();
    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}

async Task<int> HostAsync()
{
    // "default": the transport's default AckWait, what a user gets.
    var ackWait = args.Length > 2 && args[2] != "default" ? TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture)) : new NatsFlowOptions().AckWait;
    var counters = new Dictionary<string, long>(StringComparer.Ordinal);
    using var listener = new MeterListener();
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName)
        {
            l.EnableMeasurementEvents(instrument);
        }
    };
    listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
    {
        var name = instrument.Name;
        foreach (var tag in tags)
        {
            if (tag.Key == "outcome" && instrument.Name == FlowSdkDiagnostics.MessagesUnmatched)
            {
                name += "." + tag.Value;
            }
        }

        long total;
        lock (counters)
        {
            total = counters[name] = counters.GetValueOrDefault(name) + value;
        }

        // Progress the tests wait on before they kill something: the kill lands mid-run, by event, not by a guess of time.
        if (name == FlowSdkDiagnostics.RuleFirings && total % ProgressEvery == 0)
        {
            Console.WriteLine("fired " + total.ToString(CultureInfo.InvariantCulture));
        }
    });
    listener.Start();

    var options = new FlowRuntimeOptions { LoggerFactory = Logs };
    if (args.Length > 3)
    {
        options.Lanes = int.Parse(args[3], CultureInfo.InvariantCulture);
    }

    await using var nats = await options.UseNatsAsync(Options(ackWait), [StepStateFlow.Definition]);
    await using var runtime = await FlowRuntime.StartAsync([StepStateFlow.Definition], options);

    // The server the host is connected to, now and after each reconnect: a cluster test kills it.
    nats.Connection.ConnectionOpened += (_, _) =>
    {
        Console.WriteLine("server " + nats.Connection.ServerInfo?.Name);
        return ValueTask.CompletedTask;
    };
    Console.WriteLine("server " + nats.Connection.ServerInfo?.Name);
    Console.WriteLine("ready");
    Console.Out.Flush();
    var stop = new TaskCompletionSource();
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
    {
        c.Cancel = true;
        stop.TrySetResult();
    });
    await stop.Task;
    lock (counters)
    {
        Console.WriteLine("stats " + JsonSerializer.Serialize(counters, CrashJson.Default.DictionaryStringInt64));
    }

    return 0;
}

async Task<int> PublishAsync()
{
    var executions = int.Parse(args[2], CultureInfo.InvariantCulture);
    var prefix = args.Length > 3 ? args[3] : "x";
    var first = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;
    var spread = args.Length > 5 ? TimeSpan.FromSeconds(double.Parse(args[5], CultureInfo.InvariantCulture)) : TimeSpan.Zero;
    await using var nats = await ConnectWithRetriesAsync();
    var port = StepStateFlow.Ports.Step;

    // Step N of every execution is published before step N+1 of any, up to 100 publishes in flight at a
    // time. Spread over a given time, the chunks are paced (a rate limit, not a wait for anything): a
    // host faster than the publisher then cannot have drained a wave before the test's kill lands.
    var chunks = Enumerable.Range(1, 5).SelectMany(n => Enumerable.Range(first, executions).Chunk(spread > TimeSpan.Zero ? 20 : 100).Select(c => (n, c))).ToList();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (var k = 0; k < chunks.Count; k++)
    {
        var due = spread * k / chunks.Count;
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }

        var (n, chunk) = chunks[k];
        await Task.WhenAll(chunk.Select(i => PublishStepAsync(nats, port, $"{prefix}{i}", n)));
    }

    Console.WriteLine($"published {executions * 5}");
    return 0;
}

// A server or leader may be down meanwhile: the id de-duplicates a publish that did arrive.
static async Task PublishStepAsync(NatsFlowInfrastructure nats, FlowSdk.MessagePort<Step> port, string id, int n)
{
    var step = new Step(id, n, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    var headers = new Dictionary<string, string> { ["Nats-Msg-Id"] = $"step.{id}.{n}" };
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            await nats.Transport.PublishAsync(port.Subject, port.Serialize(step), headers);
            return;
        }
        catch (Exception) when (attempt < 100)
        {
            // Backoff while the server (another process, being killed by the test) is away.
            await Task.Delay(100);
        }
    }
}

// The server may be down while the publisher starts (the server crash test kills it then): keep trying.
async Task<NatsFlowInfrastructure> ConnectWithRetriesAsync()
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await NatsFlowInfrastructure.ConnectAsync(Options(TimeSpan.FromSeconds(2)), [StepStateFlow.Definition]);
        }
        catch (Exception) when (attempt < 100)
        {
            // Backoff while the server (another process, being killed by the test) is away.
            await Task.Delay(100);
        }
    }
}

async Task<int> VerifyAsync()
{
    var executions = int.Parse(args[2], CultureInfo.InvariantCulture);
    var timeout = TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture));
    var prefix = args.Length > 4 ? args[4] : "x";
    await using var nats = await ConnectWithRetriesAsync();
    var clock = Stopwatch.StartNew();
    var states = new Dictionary<string, StepState>(StringComparer.Ordinal);
    while (true)
    {
        foreach (var i in Enumerable.Range(0, executions))
        {
            var id = $"{prefix}{i}";
            if (states.TryGetValue(id, out var known) && known.Status == ExecutionStatus.Completed)
            {
                continue;
            }

            try
            {
                var entry = await nats.Store.GetAsync("steps." + id);
                if (entry is not null)
                {
                    var reader = new MessagePack.MessagePackReader(entry.Value);
                    states[id] = StepStateFlow.Definition.StateFormatter.Deserialize(ref reader, MessagePack.MessagePackSerializerOptions.Standard);
                }
            }
            catch (Exception)
            {
                // A server is down: look again.
            }
        }

        if (states.Count == executions && states.Values.All(s => s.Status == ExecutionStatus.Completed) || clock.Elapsed > timeout)
        {
            break;
        }

        await Task.Delay(100);
    }

    var completedAfter = clock.Elapsed;

    // Every output in the stream, and every dead letter.
    var js = new NatsJSContext((NatsConnection)nats.Connection);
    var outputs = new Dictionary<(string, int), int>();
    var latencies = new List<long>();
    var deadLetters = 0;
    var consumer = await js.CreateOrderedConsumerAsync("FLOWSDK", new NatsJSOrderedConsumerOpts { FilterSubjects = [">"] });
    var stream = await js.GetStreamAsync("FLOWSDK");
    var last = stream.Info.State.LastSeq;
    if (last > 0)
    {
        await foreach (var msg in consumer.ConsumeAsync<byte[]>())
        {
            if (msg.Subject == "crash.applied")
            {
                var applied = StepStateFlow.Ports.Applied.Deserialize(msg.Data ?? []);
                outputs[(applied.Id, applied.N)] = outputs.GetValueOrDefault((applied.Id, applied.N)) + 1;
                latencies.Add(msg.Metadata!.Value.Timestamp.ToUnixTimeMilliseconds() - applied.SentAt);
            }
            else if (msg.Subject.StartsWith("flowsdk.deadletter.", StringComparison.Ordinal))
            {
                deadLetters++;
            }

            if (msg.Metadata!.Value.Sequence.Stream >= last)
            {
                break;
            }
        }
    }

    var lost = 0;
    var doubled = 0;
    var outOfOrder = 0;
    var stuck = 0;
    foreach (var i in Enumerable.Range(0, executions))
    {
        var id = $"{prefix}{i}";
        if (!states.TryGetValue(id, out var s))
        {
            lost += 5;
            stuck++;
            continue;
        }

        var applied = s.Applied.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        lost += 5 - applied.Distinct().Count();
        doubled += applied.Count - applied.Distinct().Count();
        outOfOrder += applied.SequenceEqual(applied.Order()) ? 0 : 1;
        stuck += s.Status == ExecutionStatus.Completed ? 0 : 1;
    }

    latencies.Sort();
    var result = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["executions"] = executions,
        ["completed"] = states.Values.Count(s => s.Status == ExecutionStatus.Completed),
        ["stuck"] = stuck,
        ["lostSteps"] = lost,
        ["doubleApplied"] = doubled,
        ["outOfOrder"] = outOfOrder,
        ["duplicateOutputs"] = outputs.Values.Sum(c => c - 1),
        ["missingOutputs"] = (executions * 5) - outputs.Count,
        ["deadLetters"] = deadLetters,
        ["completedAfterMs"] = (long)completedAfter.TotalMilliseconds,
        ["latencyP50Ms"] = latencies.Count == 0 ? -1 : latencies[latencies.Count / 2],
        ["latencyP99Ms"] = latencies.Count == 0 ? -1 : latencies[Math.Min(latencies.Count - 1, latencies.Count * 99 / 100)],
    };
    Console.WriteLine("result " + JsonSerializer.Serialize(result, CrashJson.Default.DictionaryStringInt64));
    return 0;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class CrashJson : System.Text.Json.Serialization.JsonSerializerContext;
