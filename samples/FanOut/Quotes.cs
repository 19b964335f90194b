using FlowSdk;

namespace FanOutSample;

/// <summary>A customer asks for a quote of a basket.</summary>
[Message("quotes.requested", External = true)]
public sealed record QuoteRequested([property: CorrelationKey] string QuoteId, List<string> Skus);

/// <summary>Starts a price lookup: one child execution per item of the basket.</summary>
[Message("prices.lookup.requested")]
public sealed record PriceLookupRequested([property: CorrelationKey] string LookupId, string Sku);

/// <summary>A supplier answers a lookup the catalog could not price at once.</summary>
[Message("prices.supplier.answered", External = true)]
public sealed record SupplierAnswered([property: CorrelationKey] string LookupId, decimal Price);

/// <summary>A lookup's result: the price of one item.</summary>
[Message("prices.found", External = true)]
public sealed record PriceFound(string LookupId, string Sku, decimal Price);

public enum QuotePhase
{
    New,
    Pricing,
    [TerminalPhase]
    Quoted,
    [TerminalPhase]
    Refused,
}

/// <summary>A quote prices every item in a child lookup, fails fast on an item that cannot be priced, and gives up after a minute.</summary>
[Flow<QuotePhase>("quote")]
[FanOut<PriceLookup, PriceLookupRequested, PriceFound>("prices", Mode = FanOutMode.AnyError, Timeout = "00:01:00")]
public partial class Quote
{
    public decimal Total { get; set; }

    public string Reason { get; set; } = "";
}

[Rules<Quote>]
public static partial class QuoteRules
{
    [Rule(From = QuotePhase.New, To = QuotePhase.Pricing)]
    public static void Price(Quote quote, QuoteRequested requested, RuleContext context)
        => context.FanOut(QuoteFlow.FanOuts.Prices, requested.Skus, (lookupId, sku) => new PriceLookupRequested(lookupId, sku));

    [Rule(From = QuotePhase.Pricing, To = QuotePhase.Quoted)]
    [When(nameof(AllPriced))]
    public static void Total(Quote quote) => quote.Total = QuoteFlow.FanOuts.Prices.Results(quote)!.Sum(r => r.Result!.Price);

    [Rule(From = QuotePhase.Pricing, To = QuotePhase.Refused)]
    [When(nameof(PricingFailed))]
    public static void Refuse(Quote quote)
    {
        var results = QuoteFlow.FanOuts.Prices.Results(quote)!;
        quote.Reason = results.Outcome == FanOutOutcome.TimedOut
            ? $"{results.Expected - results.Count} of {results.Expected} items were not priced within a minute"
            : string.Join("; ", results.NotCompleted.Select(r => r.Reason));
    }

    private static bool AllPriced(Quote quote) => QuoteFlow.FanOuts.Prices.Results(quote) is { Outcome: FanOutOutcome.AllEnded } results && results.All(r => r.Completed);

    private static bool PricingFailed(Quote quote) => QuoteFlow.FanOuts.Prices.Results(quote) is { } results && !(results.Outcome == FanOutOutcome.AllEnded && results.All(r => r.Completed));
}

public enum LookupPhase
{
    Requested,
    AskingSupplier,
    [TerminalPhase]
    Found,
    [TerminalPhase]
    Unknown,
}

/// <summary>Prices one item: from the catalog at once, or from a supplier's answer.</summary>
[Flow<LookupPhase>("price-lookup")]
public partial class PriceLookup
{
    public string Sku { get; set; } = "";
}

[Rules<PriceLookup>]
public static partial class PriceLookupRules
{
    private static readonly Dictionary<string, decimal> Catalog = new() { ["apple"] = 0.5m, ["bread"] = 2.2m, ["cheese"] = 6.8m };

    [Rule(From = LookupPhase.Requested, To = LookupPhase.Found)]
    [When(nameof(InCatalog))]
    public static PriceFound FromCatalog(PriceLookup lookup, PriceLookupRequested requested) => new(requested.LookupId, requested.Sku, Catalog[requested.Sku]);

    [Rule(From = LookupPhase.Requested, To = LookupPhase.AskingSupplier)]
    [When(nameof(FromSupplier))]
    public static void AskSupplier(PriceLookup lookup, PriceLookupRequested requested) => lookup.Sku = requested.Sku;

    [Rule(From = LookupPhase.Requested, To = LookupPhase.Unknown)]
    public static void NotSold(PriceLookup lookup, PriceLookupRequested requested, RuleContext context) => context.Fail($"'{requested.Sku}' is not sold here");

    [Rule(From = LookupPhase.AskingSupplier, To = LookupPhase.Found)]
    public static PriceFound Answered(PriceLookup lookup, SupplierAnswered answered) => new(answered.LookupId, lookup.Sku, answered.Price);

    private static bool InCatalog(PriceLookupRequested requested) => Catalog.ContainsKey(requested.Sku);

    private static bool FromSupplier(PriceLookupRequested requested) => requested.Sku.StartsWith("rare-", StringComparison.Ordinal);
}
