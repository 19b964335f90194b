using System.Text.Json;
using PlanReviewSample;

namespace FlowSdk.Hosting.Tests;

public sealed class FlowCliTests
{
    private static readonly FlowDefinition[] PlanFlows = [PlanReviewFlow.Definition, ReviewDeskFlow.Definition];

    [Fact]
    public async Task Send_runs_the_flows_until_quiescent_and_prints_what_happened()
    {
        var (code, output, error) = await RunAsync("send", "plans.submitted", """{"planId": "plan-9", "title": "Ship", "content": "## Risks\nnone\n## Rollback\nundo"}""");

        Assert.Equal(FlowCli.Success, code);
        Assert.Equal("", error);
        Assert.Contains("Sent PlanSubmitted on plans.submitted.", output);
        Assert.Contains("Messages: plans.submitted, plans.review.requested, plans.review.completed, plans.approved", output);
        Assert.Contains("plan-review/plan-9: Completed in phase Approved, iteration 1", output);
        Assert.Contains("review-desk/plan-9: Completed in phase Closed", output);
        Assert.Contains("#1 Approve: InReview -> Approved (Complete, MessageAndState on plans.review.completed)", output);
    }

    [Fact]
    public async Task A_port_can_be_named_by_its_message_type()
    {
        var (code, output, _) = await RunAsync("send", "PlanSubmitted", """{"PlanId": "p", "Title": "t", "Content": "c"}""");

        Assert.Equal(FlowCli.Success, code);
        Assert.Contains("Sent PlanSubmitted on plans.submitted.", output);
    }

    [Theory]
    [InlineData("plans.submitted", "{\"PlanId\": ", "The message is not valid JSON")]
    [InlineData("plans.submitted", "[1, 2]", "A PlanSubmitted is written as a JSON object, for example {\"PlanId\": ..., \"Title\": ..., \"Content\": ...}")]
    [InlineData("plans.submitted", "{\"PlanId\": \"p\", \"Author\": \"me\"}", "PlanSubmitted has no field 'Author'; its fields are PlanId, Title, Content.")]
    [InlineData("plans.submitted", "{\"PlanId\": true}", "Field 'PlanId' of PlanSubmitted cannot be the boolean true")]
    [InlineData("plans.review.requested", "{\"PlanId\": \"p\", \"Round\": 1.5}", "Field 'Round' of ReviewRequested cannot be the number 1.5")]
    [InlineData("plans.review.completed", "{\"PlanId\": \"p\", \"Approved\": \"yes\"}", "Field 'Approved' of ReviewCompleted cannot be the string \"yes\"")]
    [InlineData("plans.nowhere", "{}", "No input port 'plans.nowhere'. The ports are: plans.submitted (PlanSubmitted),")]
    public async Task Bad_input_is_a_usage_error_that_says_what_is_wrong(string port, string json, string expected)
    {
        var (code, output, error) = await RunAsync("send", port, json);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("Sent", output);
    }

    [Fact]
    public async Task Inspecting_an_unknown_execution_is_a_usage_error()
    {
        var (code, _, error) = await RunAsync("inspect", "plan-404");

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains("No execution 'plan-404'", error);
        Assert.Contains("--nats", error);
    }

    [Fact]
    public async Task Unknown_flows_and_nats_without_its_package_are_explained()
    {
        var (flowCode, _, flowError) = await RunAsync("executions", "--flow", "payroll");
        var (natsCode, _, natsError) = await RunAsync("executions", "--nats", "nats://127.0.0.1:4222");

        Assert.Equal((FlowCli.UsageError, FlowCli.UsageError), (flowCode, natsCode));
        Assert.Contains("No flow 'payroll'. The flows are: plan-review, review-desk.", flowError);
        Assert.Contains("--nats needs the FlowSdk.Nats package", natsError);
    }

    [Fact]
    public async Task Executions_on_the_embedded_store_says_why_it_is_empty()
    {
        var (code, output, _) = await RunAsync("executions");

        Assert.Equal(FlowCli.Success, code);
        Assert.Contains("the embedded store lives only as long as one command", output);
    }

    [Fact]
    public async Task Graph_draws_the_phases_rules_and_the_subjects_between_flows()
    {
        var (mermaidCode, mermaid, _) = await RunAsync("graph");
        var (dotCode, dot, _) = await RunAsync("graph", "--format", "dot");
        var (jsonCode, json, _) = await RunAsync("graph", "--format", "json");
        var (badCode, _, badError) = await RunAsync("graph", "--format", "svg");

        Assert.Equal((0, 0, 0), (mermaidCode, dotCode, jsonCode));
        Assert.Contains("plan_review_InReview -->|\"Approve\"| plan_review_Approved", mermaid);
        Assert.Contains("plan_review -.->|\"plans.review.requested\"| review_desk", mermaid);
        Assert.Contains("\"plan-review.Revising\" -> \"plan-review.InReview\" [label=\"Resubmit\"];", dot);
        using var document = JsonDocument.Parse(json);
        var links = document.RootElement.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("subject").GetString()).ToList();
        Assert.Equal(["plans.review.completed", "plans.review.requested"], links);
        Assert.NotEqual(0, badCode);
        Assert.Contains("svg", badError);
    }

    [Fact]
    public async Task Validate_reports_warnings_and_exits_zero_when_there_is_no_error()
    {
        var (code, output, _) = await RunAsync("validate", "--json");

        Assert.Equal(FlowCli.Success, code);
        using var document = JsonDocument.Parse(output);
        Assert.True(document.RootElement.GetProperty("valid").GetBoolean());
        var kinds = document.RootElement.GetProperty("issues").EnumerateArray().Select(i => i.GetProperty("kind").GetString()).ToList();
        Assert.Contains("unproduced-input", kinds);
        Assert.DoesNotContain("subject-type-mismatch", kinds);
    }

    [Fact]
    public async Task Validate_fails_when_one_subject_carries_two_message_types()
    {
        // A second flow that reads plans.submitted as a ReviewCompleted.
        var wrong = new InputPort<ReviewDesk, ReviewCompleted>(
            new MessagePort<ReviewCompleted>("plans.submitted", ReviewCompletedFormatter.Instance), static m => m.PlanId, []);
        var conflicting = new FlowDefinition<ReviewDesk>("conflicting", ["Reviewing", "Closed"], ["Closed"], 0, ReviewDesk.FlowFormatter.Instance, [wrong]);

        var (code, output, _) = await RunAsync([.. PlanFlows, conflicting], "validate");

        Assert.Equal(FlowCli.Failed, code);
        Assert.Contains("error subject-type-mismatch: Subject 'plans.submitted' carries different message types: PlanSubmitted in flow 'plan-review', ReviewCompleted in flow 'conflicting'.", output);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(PlanFlows, args);

    private static async Task<(int Code, string Output, string Error)> RunAsync(FlowDefinition[] flows, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, flows, new FlowCliEnvironment { Out = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
