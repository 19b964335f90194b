using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FlowSdk.State;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FlowSdk.Dashboard.Internal;

/// <summary>The dashboard's routes: the UI's files and the JSON API (docs/dashboard.md).</summary>
internal sealed class DashboardEndpoints(
    FlowRuntime runtime,
    IReadOnlyList<FlowDefinition> flows,
    ExecutionIndex index,
    DashboardAccess access,
    IAntiforgery antiforgery,
    IDashboardHostServices host,
    DashboardControls controls)
{
    /// <summary>The largest request body the API reads (a message or a control's reason).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The longest page of executions.</summary>
    public const int MaxPage = 500;

    private readonly JsonElement _graph = JsonDocument.Parse(host.GraphJson(flows)).RootElement.Clone();

    public void Map(IEndpointRouteBuilder app)
    {
        Get(app, "/", context => Asset(context, "index.html", "text/html; charset=utf-8"));
        Get(app, "/app.js", context => Asset(context, "app.js", "text/javascript; charset=utf-8"));
        Get(app, "/app.css", context => Asset(context, "app.css", "text/css; charset=utf-8"));
        Get(app, "/api/session", Session);
        Post(app, "/api/session", SignIn);
        Get(app, "/api/flows", Flows);
        Get(app, "/api/executions", Executions);
        Get(app, "/api/executions/{flow}/{id}", Execution);
        Get(app, "/api/approvals", ApprovalsList);
        Get(app, "/api/events", Events);
        Post(app, "/api/executions/{flow}/{id}/{verb}", ControlExecution);
        Post(app, "/api/flows/{flow}/{verb}", ControlFlow);
        Post(app, "/api/ports/{port}/messages", Send);
    }

    private static void Get(IEndpointRouteBuilder app, string pattern, Func<HttpContext, Task> handler) => app.MapGet(pattern, Guarded(handler));

    private static void Post(IEndpointRouteBuilder app, string pattern, Func<HttpContext, Task> handler) => app.MapPost(pattern, Guarded(handler));

    /// <summary>Every refusal is a JSON body <c>{"error": "..."}</c> with its 4xx status.</summary>
    private static RequestDelegate Guarded(Func<HttpContext, Task> handler) => async context =>
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (DashboardRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = ex.StatusCode;
            await context.Response.WriteAsJsonAsync(new ErrorResponse(ex.Message), DashboardJson.Context.ErrorResponse).ConfigureAwait(false);
        }
    };

    private static async Task Asset(HttpContext context, string name, string contentType)
    {
        await using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("FlowSdk.Dashboard.wwwroot." + name)
            ?? throw new DashboardRequestException(StatusCodes.Status404NotFound, $"No asset {name}.");
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private Task Session(HttpContext context)
    {
        var signedIn = access.SignedIn(context);
        var token = signedIn ? antiforgery.GetAndStoreTokens(context).RequestToken : null;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new SessionResponse(access.ReadOnly, signedIn, token, DashboardAccess.AntiforgeryHeader), DashboardJson.Context.SessionResponse);
    }

    private async Task SignIn(HttpContext context)
    {
        if (access.ReadOnly)
        {
            throw new DashboardRequestException(StatusCodes.Status403Forbidden, $"The dashboard is read-only: no token is configured ({FlowDashboardOptions.SectionName}:Token).");
        }

        var request = await ReadJsonAsync(context, DashboardJson.Context.SignInRequest, optional: false).ConfigureAwait(false);
        if (!access.IsToken(request?.Token))
        {
            throw new DashboardRequestException(StatusCodes.Status401Unauthorized, "That is not the dashboard's token.");
        }

        context.Response.Cookies.Append(DashboardAccess.CookieName, access.CookieValue(), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task Flows(HttpContext context)
    {
        var views = new List<FlowView>(flows.Count);
        foreach (var flow in flows)
        {
            views.Add(new FlowView(
                flow.Id,
                flow.Phases,
                await ProgressAsync(flow, context.RequestAborted).ConfigureAwait(false),
                [.. flow.InputPorts.Select(p => new PortView(p.Subject, p.MessageType, p.Fields ?? [], host.Example(p)))],
                await DeploymentAsync(flow, context.RequestAborted).ConfigureAwait(false)));
        }

        await context.Response.WriteAsJsonAsync(new FlowsResponse(_graph, views, Enum.GetNames<ExecutionStatus>(), access.ReadOnly), DashboardJson.Context.FlowsResponse).ConfigureAwait(false);
    }

    /// <summary>The flow's deployment record as it is in the store now.</summary>
    private async Task<DeploymentView> DeploymentAsync(FlowDefinition flow, CancellationToken cancellationToken)
    {
        try
        {
            return Deployment(flow, await runtime.GetDeploymentAsync(flow, cancellationToken).ConfigureAwait(false), null);
        }
        catch (FormatException ex)
        {
            return Deployment(flow, null, ex.Message);
        }
    }

    /// <summary>
    /// What the flows page shows of a deployment record: its state (NotDeployed without one), the deployed
    /// version against this host's, who changed it when, and the flow verbs, each disabled with the
    /// runtime's refusal where it does not apply. An unreadable record disables every verb with its error.
    /// </summary>
    private DeploymentView Deployment(FlowDefinition flow, DeploymentRecord? record, string? error)
    {
        var local = runtime.VersionOf(flow);
        return new DeploymentView(
            flow.Id,
            record?.State ?? DeploymentState.NotDeployed,
            record?.Version,
            local,
            record is null || string.Equals(record.Version, local, StringComparison.Ordinal),
            record?.ChangedBy,
            record?.ChangedAt,
            record?.LastAction,
            error,
            [.. controls.Flow.Select(c => (error ?? c.Refusal(flow, record)) is { } reason ? new ControlState(c.Verb, c.Label, false, reason) : new ControlState(c.Verb, c.Label, true, null))]);
    }

    /// <summary>A deployment record changed (the store's watch; on NATS, every host's writes): the live subscribers hear of it.</summary>
    public void OnDeploymentChanged(StateEntry entry)
    {
        var flow = flows.FirstOrDefault(f => string.Equals(FlowDeployments.Key(f.Id), entry.Key, StringComparison.Ordinal));
        if (flow is null)
        {
            return; // a flow this host does not have
        }

        DeploymentView view;
        try
        {
            view = Deployment(flow, DeploymentRecord.FromJson(entry.Value, entry.Revision), null);
        }
        catch (FormatException ex)
        {
            view = Deployment(flow, null, ex.Message);
        }

        index.Publish(new LiveEvent("deployment", JsonSerializer.Serialize(view, DashboardJson.Context.DeploymentView)));
    }

    /// <summary>
    /// Executions of the flow by status, from the store's progress counters (docs/operations.md):
    /// exact across hosts and without a pass over every execution. A store that keeps no counters is
    /// counted from the dashboard's list.
    /// </summary>
    private async Task<Dictionary<string, int>> ProgressAsync(FlowDefinition flow, CancellationToken cancellationToken)
    {
        FlowProgress progress;
        try
        {
            progress = await runtime.GetProgressAsync(flow, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return index.Progress(flow.Id);
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (status, count) in progress.Counts)
        {
            if (count > 0)
            {
                counts[status.ToString()] = (int)Math.Min(count, int.MaxValue);
            }
        }

        return counts;
    }

    private Task Executions(HttpContext context)
    {
        var q = context.Request.Query;
        string? flow = Text(q["flow"]);
        if (flow is not null && flows.All(f => f.Id != flow))
        {
            throw UnknownFlow(flow);
        }

        ExecutionStatus? status = null;
        if (Text(q["status"]) is { } statusText)
        {
            if (!Enum.TryParse<ExecutionStatus>(statusText, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(statusText, out _))
            {
                throw new DashboardRequestException(StatusCodes.Status400BadRequest, $"Query parameter 'status': '{statusText}' is not a status; use one of {string.Join(", ", Enum.GetNames<ExecutionStatus>())}.");
            }

            status = parsed;
        }

        var offset = Number(q["offset"], "offset", 0, 0, int.MaxValue);
        var limit = Number(q["limit"], "limit", 50, 1, MaxPage);
        var (total, items) = index.Query(new ExecutionQuery(flow, status, Text(q["phase"]), Text(q["q"]), offset, limit));
        return context.Response.WriteAsJsonAsync(new ExecutionsResponse(total, offset, limit, items), DashboardJson.Context.ExecutionsResponse);
    }

    private async Task Execution(HttpContext context)
    {
        var (flow, id, entry, info) = await LoadAsync(context).ConfigureAwait(false);
        JsonElement state;
        try
        {
            state = JsonDocument.Parse(host.ToJson(entry.Value)).RootElement.Clone();
        }
        catch (MessagePack.MessagePackSerializationException ex)
        {
            state = JsonDocument.Parse(JsonSerializer.Serialize(new ErrorResponse($"The stored state is not valid MessagePack: {ex.Message}"), DashboardJson.Context.ErrorResponse)).RootElement.Clone();
        }

        var view = new ExecutionView(
            flow.Id, id, entry.Revision, info.Status, info.StatusReason, info.Phase, info.Iteration, info.CreatedAt, info.UpdatedAt, info.Deadline, info.PendingTaskId, info.PendingSince,
            [.. info.Timeline.Select(t => new TimelineView(t.At, t.Rule, t.Trigger.ToString(), t.Source, t.Action.ToString(), t.PhaseBefore, t.PhaseAfter, t.Iteration))],
            info.DroppedTimelineEntries,
            info.FirstTimelineEntryAt,
            state,
            [.. controls.Execution.Select(c => c.Refusal(info) is { } reason ? new ControlState(c.Verb, c.Label, false, reason) : new ControlState(c.Verb, c.Label, true, null))],
            info.PendingApproval is { } request ? new ApprovalView(request.Id, request.Rule, request.RequestedAt, request.ExpiresAt, request.Decision) : null,
            info.LastApproval);
        await context.Response.WriteAsJsonAsync(view, DashboardJson.Context.ExecutionView).ConfigureAwait(false);
    }

    /// <summary>The approval requests that wait for a decision, oldest first, from the dashboard's list (no pass over the store).</summary>
    private Task ApprovalsList(HttpContext context)
    {
        var q = context.Request.Query;
        var flow = Text(q["flow"]);
        if (flow is not null)
        {
            FindFlow(flow);
        }

        var rule = Text(q["rule"]);
        if (rule is not null)
        {
            var selected = flows.Where(f => flow is null || f.Id == flow).ToList();
            if (!selected.Any(f => f.Rules.Any(r => r.Approval is not null && r.Name == rule)))
            {
                var known = selected.SelectMany(f => f.Rules.Where(r => r.Approval is not null).Select(r => $"{f.Id}.{r.Name}")).ToList();
                throw new DashboardRequestException(StatusCodes.Status404NotFound, $"No rule '{rule}' that requires approval in flow(s) {string.Join(", ", selected.Select(f => f.Id))}; {(known.Count == 0 ? "none of their rules requires approval" : "those that do: " + string.Join(", ", known))}.");
            }
        }

        return context.Response.WriteAsJsonAsync(new ApprovalsResponse(index.Approvals(flow, rule)), DashboardJson.Context.ApprovalsResponse);
    }

    /// <summary>
    /// Server-sent events: one <c>execution</c> event per changed execution, one <c>deployment</c> event
    /// per changed deployment record, a comment every 15 s to keep the connection open.
    /// </summary>
    private async Task Events(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var reader = index.Subscribe(context.RequestAborted);
        await context.Response.WriteAsync("retry: 2000\nevent: ready\ndata: {}\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            while (true)
            {
                using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                heartbeat.CancelAfter(TimeSpan.FromSeconds(15));
                try
                {
                    if (!await reader.WaitToReadAsync(heartbeat.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    continue;
                }

                var text = new StringBuilder();
                while (reader.TryRead(out var live))
                {
                    text.Append("event: ").Append(live.Name).Append("\ndata: ").Append(live.Data).Append("\n\n");
                }

                await context.Response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left.
        }
    }

    private async Task ControlExecution(HttpContext context)
    {
        await access.DemandWriteAsync(context).ConfigureAwait(false);
        var verb = (string)context.Request.RouteValues["verb"]!;
        var control = controls.Execution.FirstOrDefault(c => c.Verb == verb)
            ?? throw new DashboardRequestException(StatusCodes.Status404NotFound, controls.Execution.Count == 0
                ? $"No execution verb '{verb}': this runtime has no execution controls."
                : $"No execution verb '{verb}'. The verbs are: {string.Join(", ", controls.Execution.Select(c => c.Verb))}.");
        var request = await ReadJsonAsync(context, DashboardJson.Context.ControlRequest, optional: true).ConfigureAwait(false);
        var (flow, id, _, info) = await LoadAsync(context).ConfigureAwait(false);
        if (control.Refusal(info) is { } refusal)
        {
            throw new DashboardRequestException(StatusCodes.Status409Conflict, $"Cannot {verb} execution {id} of flow {flow.Id}: {refusal}");
        }

        string result;
        try
        {
            result = await control.ApplyAsync(new ExecutionVerbRequest(runtime, flow, id, request?.Reason, "dashboard"), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            throw new DashboardRequestException(StatusCodes.Status409Conflict, ex.Message);
        }

        await context.Response.WriteAsJsonAsync(new ControlResult(verb, result), DashboardJson.Context.ControlResult).ConfigureAwait(false);
    }

    private async Task ControlFlow(HttpContext context)
    {
        await access.DemandWriteAsync(context).ConfigureAwait(false);
        var verb = (string)context.Request.RouteValues["verb"]!;
        var flow = FindFlow((string)context.Request.RouteValues["flow"]!);
        var control = controls.Flow.FirstOrDefault(c => c.Verb == verb)
            ?? throw new DashboardRequestException(StatusCodes.Status404NotFound, controls.Flow.Count == 0
                ? $"No flow verb '{verb}': this runtime has no flow controls."
                : $"No flow verb '{verb}'. The verbs are: {string.Join(", ", controls.Flow.Select(c => c.Verb))}.");
        // A body is optional and, when there is one, must be JSON; a deployment record keeps no reason.
        _ = await ReadJsonAsync(context, DashboardJson.Context.ControlRequest, optional: true).ConfigureAwait(false);

        // No check before the write: the runtime's compare-and-set write refuses a verb that does not
        // apply to the record as it is (also when another operator changed it first), in its own words.
        string result;
        try
        {
            result = await control.ApplyAsync(new FlowVerbRequest(runtime, flow, "dashboard"), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new DashboardRequestException(StatusCodes.Status409Conflict, ex.Message);
        }

        await context.Response.WriteAsJsonAsync(new ControlResult(verb, result), DashboardJson.Context.ControlResult).ConfigureAwait(false);
    }

    /// <summary>An HTTP trigger: the body is the message as JSON, converted and validated as the command line's <c>send</c> does.</summary>
    private async Task Send(HttpContext context)
    {
        await access.DemandWriteAsync(context).ConfigureAwait(false);
        var port = host.FindPort(flows, (string)context.Request.RouteValues["port"]!);
        var json = await ReadBodyAsync(context).ConfigureAwait(false);
        var payload = host.Encode(port, json);

        // A client-supplied id: a retry with the same id within the transport's duplicate window is dropped (NATS JetStream, SQLite and in-memory alike).
        var messageId = Text(context.Request.Headers["Idempotency-Key"].ToString()) ?? Text(context.Request.Query["id"]);
        if (messageId is { Length: > 200 })
        {
            throw new DashboardRequestException(StatusCodes.Status400BadRequest, "The message id (Idempotency-Key) is longer than 200 characters.");
        }

        var headers = messageId is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { [FlowSdk.Transport.MessageHeaders.MessageId] = "http." + messageId };
        await runtime.Transport.PublishAsync(port.Subject, payload, headers, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new SentResponse(port.Subject, port.MessageType, messageId), DashboardJson.Context.SentResponse).ConfigureAwait(false);
    }

    private async Task<(FlowDefinition Flow, string Id, StateEntry Entry, ExecutionInfo Info)> LoadAsync(HttpContext context)
    {
        var flow = FindFlow((string)context.Request.RouteValues["flow"]!);
        var id = (string)context.Request.RouteValues["id"]!;
        var entry = await runtime.Store.GetAsync(flow.Id + "." + id, context.RequestAborted).ConfigureAwait(false)
            ?? throw new DashboardRequestException(StatusCodes.Status404NotFound, $"No execution '{id}' in flow {flow.Id}.");
        return (flow, id, entry, flow.ReadExecution(entry.Value));
    }

    private FlowDefinition FindFlow(string id) => flows.FirstOrDefault(f => f.Id == id) ?? throw UnknownFlow(id);

    private DashboardRequestException UnknownFlow(string id)
        => new(StatusCodes.Status404NotFound, $"No flow '{id}'. The flows are: {string.Join(", ", flows.Select(f => f.Id))}.");

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new DashboardRequestException(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes} bytes.");
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (read > MaxBodyBytes)
        {
            throw new DashboardRequestException(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes} bytes.");
        }

        return new string(buffer, 0, read);
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type, bool optional)
        where T : class
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body))
        {
            return optional ? null : throw new DashboardRequestException(StatusCodes.Status400BadRequest, "The request needs a JSON body.");
        }

        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException ex)
        {
            throw new DashboardRequestException(StatusCodes.Status400BadRequest, $"The body is not valid JSON{(ex.Path is { Length: > 1 } path ? $" at {path}" : "")}: {ex.Message}");
        }
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int Number(string? value, string name, int fallback, int min, int max)
    {
        if (Text(value) is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            throw new DashboardRequestException(StatusCodes.Status400BadRequest, $"Query parameter '{name}': '{text}' is not a whole number from {min} to {max}.");
        }

        return number;
    }
}
