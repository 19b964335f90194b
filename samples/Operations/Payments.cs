using FlowSdk;

namespace OperationsSample;

/// <summary>An invoice was issued.</summary>
[Message("invoices.issued")]
public sealed record InvoiceIssued([property: CorrelationKey] string InvoiceId, decimal Amount);

/// <summary>A payment for an invoice arrived.</summary>
[Message("invoices.paid")]
public sealed record InvoicePaid([property: CorrelationKey] string InvoiceId, decimal Amount);

/// <summary>The payment provider rejected a charge.</summary>
[Message("invoices.rejected")]
public sealed record ChargeRejected([property: CorrelationKey] string InvoiceId, string Why);

/// <summary>The phases of an invoice.</summary>
public enum InvoicePhase
{
    /// <summary>Not issued yet.</summary>
    New,

    /// <summary>Issued, waiting for payment.</summary>
    Issued,

    /// <summary>Paid in full.</summary>
    [TerminalPhase]
    Settled,
}

/// <summary>One invoice. Its lifecycle events (started, step, paused, cancelled, retried, ended...) go to <c>invoices.events.&lt;kind&gt;</c>.</summary>
[Flow<InvoicePhase>("invoice", Timeout = "7.00:00:00", Events = "invoices.events")]
public partial class Invoice
{
    /// <summary>What is owed.</summary>
    public decimal Amount { get; set; }

    /// <summary>What was paid.</summary>
    public decimal Paid { get; set; }
}

/// <summary>How an invoice moves.</summary>
[Rules<Invoice>]
public static partial class InvoiceRules
{
    /// <summary>An issued invoice waits for payment.</summary>
    [Rule(From = InvoicePhase.New, To = InvoicePhase.Issued)]
    public static void Issue(Invoice invoice, InvoiceIssued issued) => invoice.Amount = issued.Amount;

    /// <summary>A payment that covers the amount settles the invoice.</summary>
    [Rule(From = InvoicePhase.Issued, To = InvoicePhase.Settled)]
    [When(nameof(Covers), Description = "the payment covers the amount")]
    public static void Settle(Invoice invoice, InvoicePaid paid) => invoice.Paid = paid.Amount;

    /// <summary>A rejected charge fails the invoice; an operator may retry it.</summary>
    [Rule(From = InvoicePhase.Issued)]
    public static void Reject(Invoice invoice, ChargeRejected rejected, RuleContext context) => context.Fail("charge rejected: " + rejected.Why);

    private static bool Covers(Invoice invoice, InvoicePaid paid) => paid.Amount >= invoice.Amount;
}
