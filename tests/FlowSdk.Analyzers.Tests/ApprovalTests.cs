using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0053 (an approval rule whose flow has no rejected path), FLOW0054 (approval on a rule without message and execution) and FLOW0026 on approval expiries.</summary>
public sealed class ApprovalTests
{
    private const string Expenses = """
        using FlowSdk;

        [Message("expenses.submitted", External = true)]
        public sealed record ExpenseSubmitted([property: CorrelationKey] string ExpenseId, decimal Amount);

        public enum ExpensePhase { New, [TerminalPhase] Paid, [TerminalPhase] Refused }

        """;

    [Fact]
    public Task An_approval_rule_with_no_rule_reading_LastApproval_is_reported() =>
        Verify.AnalyzerAsync(Expenses + """
            [Flow<ExpensePhase>("expense")]
            public partial class Expense { }

            [Rules<Expense>]
            public static partial class ExpenseRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
                [{|#0:RequiresApproval(Expires = "1.00:00:00")|}]
                public static void Pay(Expense expense, ExpenseSubmitted submitted) { }

                [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
                public static void Refuse(Expense expense) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.ApprovalWithoutRejectedPath)
                .WithLocation(0)
                .WithArguments("Pay", "expense"));

    [Fact]
    public Task A_rule_of_the_flow_that_reads_LastApproval_in_another_rules_class_is_the_rejected_path() =>
        Verify.AnalyzerAsync(Expenses + """
            [Flow<ExpensePhase>("expense")]
            public partial class Expense { }

            [Rules<Expense>]
            public static partial class ExpenseRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
                [RequiresApproval]
                public static void Pay(Expense expense, ExpenseSubmitted submitted) { }
            }

            [Rules<Expense>]
            public static partial class RefusalRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
                [When(nameof(WasRejected))]
                public static void Refuse(Expense expense) { }

                private static bool WasRejected(Expense expense) => Execution(expense).LastApproval is { Approved: false };

                // The generator (not run here) gives the state class LastApproval; ExecutionInfo has it too.
                private static ExecutionInfo Execution(Expense expense) => new();
            }
            """);

    [Fact]
    public Task A_rule_the_policy_approves_needs_no_rejected_path() =>
        Verify.AnalyzerAsync(Expenses + """
            [Flow<ExpensePhase>("expense", ApprovalPolicy = ApprovalPolicy.Approve)]
            public partial class Expense { }

            [Rules<Expense>]
            public static partial class ExpenseRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
                [RequiresApproval]
                public static void Pay(Expense expense, ExpenseSubmitted submitted) { }

                [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
                public static void Refuse(Expense expense) { }
            }
            """);

    [Fact]
    public Task Approval_on_a_state_only_or_message_only_rule_is_an_error() =>
        Verify.AnalyzerAsync(Expenses + """
            [Flow<ExpensePhase>("expense")]
            public partial class Expense { }

            [Rules<Expense>]
            public static partial class ExpenseRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
                public static void Start(Expense expense, ExpenseSubmitted submitted) { }

                [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
                [{|#0:RequiresApproval|}]
                [When(nameof(WasRejected))]
                public static void Refuse(Expense expense) { }

                [Rule]
                [{|#1:RequiresApproval|}]
                public static void Audit(ExpenseSubmitted submitted) { }

                private static bool WasRejected(Expense expense) => Execution(expense).LastApproval is { Approved: false };

                // The generator (not run here) gives the state class LastApproval; ExecutionInfo has it too.
                private static ExecutionInfo Execution(Expense expense) => new();
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.ApprovalOnWrongTrigger).WithLocation(0).WithArguments("Refuse", "a change of the execution's state alone (no message)"),
            Verify.Diagnostic(DiagnosticDescriptors.ApprovalOnWrongTrigger).WithLocation(1).WithArguments("Audit", "a message alone (no execution)"));

    [Fact]
    public Task An_approval_expiry_that_is_not_a_duration_is_reported() =>
        Verify.AnalyzerAsync(Expenses + """
            [Flow<ExpensePhase>("expense", ApprovalExpires = {|#0:"soon"|})]
            public partial class Expense { }

            [Rules<Expense>]
            public static partial class ExpenseRules
            {
                [Rule(From = ExpensePhase.New, To = ExpensePhase.Paid)]
                [RequiresApproval(Expires = {|#1:"-01:00:00"|})]
                public static void Pay(Expense expense, ExpenseSubmitted submitted) { }

                [Rule(From = ExpensePhase.New, To = ExpensePhase.Refused)]
                [When(nameof(WasRejected))]
                public static void Refuse(Expense expense) { }

                private static bool WasRejected(Expense expense) => Execution(expense).LastApproval is { Approved: false };

                // The generator (not run here) gives the state class LastApproval; ExecutionInfo has it too.
                private static ExecutionInfo Execution(Expense expense) => new();
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidDuration).WithLocation(0).WithArguments("ApprovalExpires", "soon", "the approval requests of flow 'expense'", "the flow's approval rules"),
            Verify.Diagnostic(DiagnosticDescriptors.InvalidDuration).WithLocation(1).WithArguments("Expires", "-01:00:00", "the approval requests of rule 'Pay'", "the rule"));
}
