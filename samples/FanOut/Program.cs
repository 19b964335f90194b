using FanOutSample;
using FlowSdk;
using FlowSdk.Hosting;
using FlowSdk.Nats;
using Microsoft.Extensions.Time.Testing;

// With arguments: the command line of generated hosts over the quote and price-lookup flows (run, send, get ...),
// connected to NATS with --nats as a generated entry point does.
if (args.Length > 0)
{
    return await FlowCli.RunAsync(args, [QuoteFlow.Definition, PriceLookupFlow.Definition], new FlowCliEnvironment
    {
        Connect = async (request, cancellationToken) =>
        {
            var options = new NatsFlowOptions { LoggerFactory = request.LoggerFactory };
            if (request.NatsConfiguration is { } section)
            {
                options.Bind(section);
            }

            options.Url = request.Url;
            var nats = await NatsFlowInfrastructure.ConnectAsync(options, request.Flows, cancellationToken);
            return new FlowConnection(nats.Transport, nats.Store, nats);
        },
    });
}

// Without: the scenario, on the embedded runtime and virtual time (a minute passes in an instant).
var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
await using var runtime = await FlowRuntime.StartAsync([QuoteFlow.Definition, PriceLookupFlow.Definition], new FlowRuntimeOptions { TimeProvider = time });
var quotes = new QuoteClient(runtime);
var lookups = new PriceLookupClient(runtime);
var problems = new List<string>();

void Expect(bool holds, string what)
{
    Console.WriteLine($"{(holds ? "ok  " : "FAIL")} {what}");
    if (!holds)
    {
        problems.Add(what);
    }
}

// Waits until the quote ends (or 20 s pass): the store says when it changes, no fixed wait.
async Task<Quote?> Ended(string id)
{
    var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using (runtime.Store.Watch("quote." + id).Subscribe(entry =>
    {
        if (QuoteFlow.Definition.ReadExecution(entry.Value).Status.IsTerminal())
        {
            changed.TrySetResult();
        }
    }))
    {
        if ((await quotes.GetAsync(id))?.Status.IsTerminal() != true)
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    var quote = await quotes.GetAsync(id);
    if (quote is not null)
    {
        var results = QuoteFlow.FanOuts.Prices.Results(quote);
        Console.WriteLine($"     {id}: {quote.Phase}, total {quote.Total}{(quote.Reason.Length == 0 ? "" : "; " + quote.Reason)}; group {results?.Outcome}, {results?.Count} of {results?.Expected} children in, {results?.LateResults} late");
    }

    return quote;
}

string Lookup(string quote, int index) => FanOutGroup.ChildId("quote", quote, "prices", index);

// 1. Three items, each priced by its own lookup: the quote totals their typed results.
await quotes.SendAsync(new QuoteRequested("q-1", ["apple", "bread", "cheese"]));
var priced = await Ended("q-1");
Expect(priced is { Phase: QuotePhase.Quoted, Total: 9.5m } && (await lookups.GetAsync(Lookup("q-1", 2)))?.Phase == LookupPhase.Found, "a basket of three is priced by three child lookups and totalled");

// 2. An empty basket: nothing to fan out, the quote continues at once.
await quotes.SendAsync(new QuoteRequested("q-2", []));
var empty = await Ended("q-2");
Expect(empty is { Phase: QuotePhase.Quoted, Total: 0m }, "an empty basket is quoted at once");

// 3. An item that is not sold: its lookup fails and the quote fails fast (AnyError).
await quotes.SendAsync(new QuoteRequested("q-3", ["apple", "caviar", "rare-truffle"]));
var refused = await Ended("q-3");
Expect(refused is { Phase: QuotePhase.Refused, Reason: "'caviar' is not sold here" }, "an item that is not sold fails the quote at once, without waiting for the supplier");

// 4. A rare item waits for its supplier, who does not answer within the group's minute.
await quotes.SendAsync(new QuoteRequested("q-4", ["bread", "rare-saffron"]));
await runtime.WhenIdleAsync();
time.Advance(TimeSpan.FromMinutes(1));
var timedOut = await Ended("q-4");
Expect(timedOut is { Phase: QuotePhase.Refused, Reason: "1 of 2 items were not priced within a minute" }, "a supplier that does not answer within a minute times the group out");

// 5. The supplier answers late: the lookup ends, its result reaches the quote after the group finished and is dropped, counted.
await lookups.SendAsync(new SupplierAnswered(Lookup("q-4", 1), 12m));
await runtime.WhenIdleAsync();
var late = await Ended("q-4");
Expect(late is not null && QuoteFlow.FanOuts.Prices.Results(late)!.LateResults == 1 && late.Total == 0m, "the late answer is dropped and counted, the quote stays refused");

Console.WriteLine(problems.Count == 0 ? "Every step ended as expected." : $"{problems.Count} step(s) did not end as expected.");
return problems.Count == 0 ? 0 : 1;
