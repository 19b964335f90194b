using FlowSdk;

namespace ApprovalsSample;

/// <summary>An employee claims an expense.</summary>
[Message("expenses.submitted", External = true)]
public sealed record ExpenseSubmitted([property: CorrelationKey] string ExpenseId, string Employee, decimal Amount);

/// <summary>Finance is asked to pay a claim.</summary>
[Message("expenses.paid", External = true)]
public sealed record ExpensePaid(string ExpenseId, string Employee, decimal Amount);

/// <summary>The employee is told the claim was refused, and why.</summary>
[Message("expenses.refused", External = true)]
public sealed record ExpenseRefused(string ExpenseId, string By, string? Reason);

/// <summary>The phases of a claim.</summary>
public enum ExpensePhase
{
    /// <summary>Not yet decided.</summary>
    New,

    /// <summary>Paid out.</summary>
    [TerminalPhase]
    Paid,

    /// <summary>Refused: rejected by a manager, or nobody decided in time.</summary>
    [TerminalPhase]
    Refused,
}

/// <summary>One expense claim. A manager has two days to decide; the claim times out after a week.</summary>
[Flow<ExpensePhase>("expense", Timeout = "7.00:00:00", ApprovalExpires = "2.00:00:00")]
public partial class Expense
{
    /// <summary>Who claims.</summary>
    public string Employee { get; set; } = "";

    /// <summary>How much.</summary>
    public decimal Amount { get; set; }
}

/// <summary>How a claim is decided.</summary>
[Rules<Expense>]
public static partial class ExpenseRules
{
    /// <summary>Small claims are paid at once: the policy approves them.</summary>
    [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
    [RequiresApproval(Policy = ApprovalPolicy.Approve)]
    [When(nameof(IsSmall), Description = "under 50")]
    public static ExpensePaid PaySmall(Expense expense, ExpenseSubmitted submitted) => Pay(expense, submitted);

    /// <summary>The others wait for a manager.</summary>
    [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
    [RequiresApproval]
    public static ExpensePaid Pay(Expense expense, ExpenseSubmitted submitted)
    {
        expense.Employee = submitted.Employee;
        expense.Amount = submitted.Amount;
        return new ExpensePaid(expense.Id, submitted.Employee, submitted.Amount);
    }

    /// <summary>The rejected path: a manager rejected the claim, or the request expired.</summary>
    [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
    [When(nameof(WasRejected), Description = "the payout was rejected")]
    public static ExpenseRefused Refuse(Expense expense) => new(expense.Id, expense.LastApproval!.By, expense.LastApproval.Reason);

    private static bool IsSmall(ExpenseSubmitted submitted) => submitted.Amount < 50m;

    private static bool WasRejected(Expense expense) => expense.LastApproval is { Approved: false };
}
