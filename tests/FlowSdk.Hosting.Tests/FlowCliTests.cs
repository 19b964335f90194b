using System.Text.Json;
using FlowSdk.Internal;
using PlanReviewSample;

namespace FlowSdk.Hosting.Tests;

public sealed class FlowCliTests
{
    private static readonly FlowDefinition[] PlanFlows = [PlanReviewFlow.Definition, ReviewDeskFlow.Definition];

    private static readonly FlowDefinition[] DeliveryFlows = [DeliveryFlow.Definition];

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
        Assert.Contains("the file does not exist yet (run or send creates it; --db names another)", error);
    }

    [Fact]
    public async Task Unknown_flows_and_nats_without_its_package_are_explained()
    {
        var (flowCode, _, flowError) = await RunAsync("executions", "--flow", "payroll");
        var (natsCode, _, natsError) = await RunAsync("executions", "--nats", "nats://127.0.0.1:4222");

        Assert.Equal((FlowCli.UsageError, FlowCli.UsageError), (flowCode, natsCode));
        Assert.Contains("No flow 'payroll'. The flows are: plan-review, review-desk.", flowError);
        Assert.Contains("needs FlowSdk.Nats, which this host does not reference. Add a reference to the FlowSdk.Nats package", natsError);
    }

    [Theory]
    [InlineData("run", "--nats", "nats://127.0.0.1:4222")]
    [InlineData("run", "--FlowSdk:Nats:Url=nats://127.0.0.1:4222")]
    [InlineData("send", "plans.submitted", "{\"PlanId\": \"p\"}", "--nats", "nats://127.0.0.1:4222")]
    [InlineData("inspect", "plan-1", "--nats", "nats://127.0.0.1:4222")]
    public async Task Every_command_given_nats_without_FlowSdk_Nats_names_the_package(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains("error: --nats (or the configuration's FlowSdk:Nats:Url) needs FlowSdk.Nats, which this host does not reference. Add a reference to the FlowSdk.Nats package (or project) to the host's project", error);
        Assert.DoesNotContain("Running", output);
        Assert.DoesNotContain("Sent", output);
    }

    [Fact]
    public async Task The_connector_is_asked_for_the_url_and_the_flows_whose_subjects_the_stream_must_capture()
    {
        var requests = new List<FlowCliConnectRequest>();
        var environment = (TextWriter output, TextWriter error) => new FlowCliEnvironment
        {
            Out = output,
            Error = error,
            Connect = (request, _) =>
            {
                requests.Add(request);
                throw new InvalidOperationException("Could not connect FlowSdk to NATS at nats://***@nats.example:4222: refused");
            },
        };

        var run = await RunAsync(PlanFlows, environment, "run", "--nats", "nats://user:secret@nats.example:4222");
        var send = await RunAsync(PlanFlows, environment, "send", "plans.submitted", """{"PlanId": "p"}""", "--nats", "nats://a:4222");
        var executions = await RunAsync(PlanFlows, environment, "executions", "--nats", "nats://b:4222");

        // Failing to connect is not a usage error: exit code 1, with the connector's message.
        Assert.Equal((FlowCli.Failed, FlowCli.Failed, FlowCli.Failed), (run.Code, send.Code, executions.Code));
        Assert.Equal("error: Could not connect FlowSdk to NATS at nats://***@nats.example:4222: refused\n", run.Error.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("Running", run.Output);
        Assert.Equal(["nats://user:secret@nats.example:4222", "nats://a:4222", "nats://b:4222"], requests.Select(r => r.Url));
        Assert.Equal(PlanFlows, requests[0].Flows);
        Assert.Equal(PlanFlows, requests[1].Flows);
        Assert.Empty(requests[2].Flows);
        Assert.NotNull(requests[0].LoggerFactory);
        Assert.Null(requests[1].LoggerFactory);
    }

    [Fact]
    public async Task A_url_the_connector_refuses_as_an_argument_is_a_usage_error()
    {
        var environment = (TextWriter output, TextWriter error) => new FlowCliEnvironment
        {
            Out = output,
            Error = error,
            Connect = (_, _) => throw new ArgumentException("The NATS URL 'http://x' is not a nats://, tls://, ws:// or wss:// URL."),
        };

        var (code, _, error) = await RunAsync(PlanFlows, environment, "executions", "--nats", "http://x");

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains("error: The NATS URL 'http://x' is not", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("run")]
    [InlineData("send")]
    [InlineData("executions")]
    [InlineData("inspect")]
    [InlineData("graph")]
    [InlineData("validate")]
    public async Task Help_explains_every_command_with_an_example(string command)
    {
        var (code, output, _) = await RunAsync(command.Length == 0 ? ["--help"] : [command, "--help"]);

        Assert.Equal(FlowCli.Success, code);
        Assert.Matches(@"Example: dotnet run -- " + (command.Length == 0 ? "run" : command) + " ", output);
    }

    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "See 'send --help'.", "send", "plans.submitted", "{}", "--bogus")]
    [InlineData("Required argument missing for command: 'send'.", "See 'send --help'.", "send")]
    [InlineData("Cannot parse argument 'Lost' for option '--status'", "See 'executions --help'.", "executions", "--status", "Lost")]
    [InlineData("'frobnicate'", "See '--help'.", "frobnicate")]
    public async Task A_command_line_that_does_not_parse_is_a_usage_error(string expected, string hint, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains("error: ", error);
        Assert.Contains(expected, error);
        Assert.Contains(hint, error);
        Assert.Equal("", output);
    }

    [Fact]
    public void The_fields_of_a_message_with_required_members_come_from_its_generated_formatter()
    {
        var port = ParcelFlow.Definition.InputPorts.Single();

        Assert.Equal(["ParcelId", "Kilograms", "Label", "Note"], JsonMessages.FieldsOf(port));
    }

    [Fact]
    public async Task A_message_with_required_members_is_sent_from_json_with_its_bytes_as_base64()
    {
        var (code, output, error) = await RunAsync(
            [ParcelFlow.Definition],
            "send",
            "parcels.registered",
            """{"ParcelId": "p-1", "Kilograms": 2.5, "Label": "AAECAw=="}""");

        Assert.Equal(("", FlowCli.Success), (error, code));
        Assert.Contains("parcel/p-1: Completed in phase Registered", output);
    }

    [Theory]
    [InlineData("""{"ParcelId": "p-1", "Kilograms": 2.5}""", "ParcelRegistered.Label is required, but the data does not have it.")]
    [InlineData("""{"ParcelId": "p-1", "Kilograms": "heavy", "Label": "AA=="}""", "Field 'Kilograms' of ParcelRegistered cannot be the string \"heavy\"")]
    [InlineData("""{"ParcelId": "p-1", "Kilograms": 2.5, "Label": "not base64!"}""", "Field 'Label' of ParcelRegistered cannot be the string \"not base64!\"")]
    public async Task A_message_with_required_members_names_what_is_missing_or_wrong(string json, string expected)
    {
        var (code, output, error) = await RunAsync([ParcelFlow.Definition], "send", "parcels.registered", json);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains(expected, error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Dates_durations_and_bytes_are_written_in_json_as_inspect_shows_them()
    {
        var (code, output, error) = await RunAsync(
            DeliveryFlows,
            "send",
            "deliveries.booked",
            """{"DeliveryId": "d-1", "At": "2025-01-31T08:00:00Z", "Promised": "2025-02-01T10:00:00+02:00", "Window": "02:30:00", "Signature": "AAEC+g==", "Fee": 12.50, "Attempts": "3", "Reference": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Kind": "Air", "Items": ["a", "b"]}""");

        Assert.Equal(("", FlowCli.Success), (error, code));
        Assert.Contains("delivery/d-1: Completed in phase Booked", output);
    }

    [Fact]
    public void The_json_inspect_shows_for_a_message_reads_back_to_the_same_message()
    {
        var booked = new DeliveryBooked(
            "d-2",
            new DateTime(2025, 1, 31, 8, 0, 0, DateTimeKind.Utc).AddTicks(1234567),
            new DateTimeOffset(2025, 2, 1, 10, 0, 0, TimeSpan.FromHours(2)),
            TimeSpan.FromMinutes(150),
            [0, 1, 2, 250],
            12.50m,
            long.MaxValue,
            Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            DeliveryKind.Air,
            ["a", "b"]);
        var port = DeliveryFlow.Definition.InputPorts.Single();
        var bytes = port.EncodeMessage(booked);

        var json = JsonMessages.ToJson(bytes);

        Assert.Equal(
            """{"DeliveryId":"d-2","At":"2025-01-31T08:00:00.1234567Z","Promised":["2025-02-01T08:00:00.0000000Z",120],"Window":90000000000,"Signature":"AAEC+g==","Fee":"12.50","Attempts":9223372036854775807,"Reference":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","Kind":"Air","Items":["a","b"]}""",
            json);
        Assert.Equal(bytes, JsonMessages.Encode(port, json));
    }

    [Theory]
    [InlineData("{\"DeliveryId\": \"d\", \"At\": \"tomorrow\"}", "Field 'At' of DeliveryBooked cannot be the string \"tomorrow\"")]
    [InlineData("{\"DeliveryId\": \"d\", \"Promised\": 5}", "Field 'Promised' of DeliveryBooked cannot be the number 5")]
    [InlineData("{\"DeliveryId\": \"d\", \"Signature\": \"not base64!\"}", "Field 'Signature' of DeliveryBooked cannot be the string \"not base64!\"")]
    [InlineData("{\"DeliveryId\": \"d\", \"Kind\": \"Sea\"}", "Field 'Kind' of DeliveryBooked cannot be the string \"Sea\"")]
    [InlineData("{\"DeliveryId\": \"d\", \"Items\": [1, \"b\"]}", "Field 'Items' of DeliveryBooked cannot be a JSON array")]
    [InlineData("{\"deliveryId\": \"d\", \"DeliveryId\": \"e\"}", "Field 'DeliveryId' of DeliveryBooked is given twice.")]
    public async Task A_value_the_field_cannot_hold_is_named(string json, string expected)
    {
        var (code, _, error) = await RunAsync(DeliveryFlows, "send", "DeliveryBooked", json);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task Executions_on_an_empty_store_says_why_it_is_empty()
    {
        var (code, output, _) = await RunAsync("executions");

        Assert.Equal(FlowCli.Success, code);
        Assert.Contains("No executions in ", output);
        Assert.Contains("the file does not exist yet (run or send creates it; --db names another)", output);
    }

    [Fact]
    public async Task Graph_draws_the_phases_rules_and_the_subjects_between_flows()
    {
        var (mermaidCode, mermaid, _) = await RunAsync("graph");
        var (dotCode, dot, _) = await RunAsync("graph", "--format", "dot");
        var (jsonCode, json, _) = await RunAsync("graph", "--format", "json");
        var (badCode, _, badError) = await RunAsync("graph", "--format", "svg");

        Assert.Equal((0, 0, 0), (mermaidCode, dotCode, jsonCode));
        Assert.Contains("flow_plan_review__InReview -->|\"Approve\"| flow_plan_review__Approved", mermaid);
        Assert.Contains("flow_plan_review__InReview -.->|\"Submit\"| subject_plans_review_requested", mermaid);
        Assert.Contains("subject_plans_review_requested -.->|\"Approve\"| flow_review_desk__Reviewing", mermaid);
        Assert.Contains("\"flow_plan_review__Revising\" -> \"flow_plan_review__InReview\" [label=\"Resubmit\"];", dot);
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
        Assert.DoesNotContain("subject-bound-to-two-types", kinds);
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
        Assert.Contains("error FLOW0203 subject-bound-to-two-types: Subject 'plans.submitted' is bound to both 'PlanSubmitted' in flow 'plan-review' and 'ReviewCompleted' in flow 'conflicting': a rule listening on it could not tell which type a message is.", output);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(PlanFlows, args);

    private static Task<(int Code, string Output, string Error)> RunAsync(FlowDefinition[] flows, params string[] args)
        => RunAsync(flows, (output, error) => new FlowCliEnvironment { Out = output, Error = error, LiveStatus = false, DatabasePath = FreshDatabase() }, args);

    /// <summary>A database file of its own for each command, so no command sees another's executions.</summary>
    internal static string FreshDatabase() => Path.Combine(Path.GetTempPath(), "flowsdk-cli-tests", Guid.NewGuid().ToString("N"), "flowsdk.db");

    private static async Task<(int Code, string Output, string Error)> RunAsync(FlowDefinition[] flows, Func<TextWriter, TextWriter, FlowCliEnvironment> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, flows, environment(output, error));
        return (code, output.ToString(), error.ToString());
    }
}
