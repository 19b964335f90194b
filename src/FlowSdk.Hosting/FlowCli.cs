using System.CommandLine;
using System.CommandLine.Invocation;
using FlowSdk.Sqlite;
using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Hosting;

/// <summary>
/// The command line of a FlowSdk host: what <c>dotnet run</c> gives an Exe that holds nothing but
/// annotated classes. Commands: <c>run</c>, <c>send</c>, <c>executions</c>, <c>inspect</c>,
/// <c>graph</c>, <c>validate</c>; <c>--help</c> on each.
/// </summary>
public static partial class FlowCli
{
    /// <summary>Exit code: the command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the command ran, and found errors (validation) or the flows failed; or NATS could not be reached.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the command could not run as written (bad JSON, unknown port, unknown execution, unknown option).</summary>
    public const int UsageError = 2;

    /// <summary>
    /// The configuration key of the NATS server URL, used when a command has no <c>--nats</c>:
    /// <c>FlowSdk:Nats:Url</c> in appsettings.json, or the environment variable <c>FlowSdk__Nats__Url</c>
    /// (or <c>FLOWSDK__NATS__URL</c>); <c>run</c> also reads its host's other configuration sources,
    /// such as <c>--FlowSdk:Nats:Url=nats://...</c> on its command line.
    /// </summary>
    public const string NatsUrlKey = "FlowSdk:Nats:Url";

    /// <summary>
    /// The configuration section of every NATS option (<c>FlowSdk:Nats</c>: <c>Url</c>, <c>Username</c>,
    /// <c>Password</c>, <c>Token</c>, <c>NKeySeedFile</c>, <c>CredentialsFile</c>, <c>Tls</c>, <c>StateBucket</c>,
    /// <c>StreamName</c>, <c>StreamSubjects</c>, <c>Replicas</c>, ...), handed to
    /// <see cref="FlowCliEnvironment.Connect"/> as <see cref="FlowCliConnectRequest.NatsConfiguration"/>.
    /// </summary>
    public const string NatsSection = "FlowSdk:Nats";

    /// <summary>
    /// The configuration key of the database file, used when a command has no <c>--db</c>:
    /// <c>FlowSdk:Sqlite:Path</c> in appsettings.json, or the environment variable <c>FlowSdk__Sqlite__Path</c>;
    /// else <see cref="FlowCliEnvironment.DatabasePath"/> (<c>flowsdk.db</c> in the current directory).
    /// </summary>
    public const string SqlitePathKey = "FlowSdk:Sqlite:Path";

    /// <summary>Runs the command line over <paramref name="flows"/>.</summary>
    /// <param name="args">The command line arguments.</param>
    /// <param name="flows">The flows of the host: the generated <c>FlowSdk.Generated.AssemblyFlows.All</c>.</param>
    /// <param name="environment">Output writers and the NATS connector; the console and no NATS when <see langword="null"/>.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flows);
        environment ??= new FlowCliEnvironment();
        var root = BuildCommands(flows, environment);
        var parsed = root.Parse(args.Length == 0 ? ["run"] : args);
        if (parsed.Action is ParseErrorAction)
        {
            // Bad input, as for a bad message: exit code 2, and what was wrong.
            foreach (var error in parsed.Errors)
            {
                await environment.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            var command = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
            await environment.Error.WriteLineAsync($"See '{command}--help'.").ConfigureAwait(false);
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }).ConfigureAwait(false);
    }

    private static RootCommand BuildCommands(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env)
    {
        var nats = new Option<string?>("--nats")
        {
            Description = $"The NATS server URL (for example nats://127.0.0.1:4222); needs FlowSdk.Nats. Without it, the configuration's {NatsUrlKey} (environment variable FlowSdk__Nats__Url), else the embedded in-process transport and store.",
        };

        var db = new Option<string?>("--db")
        {
            Description = $"The database file that keeps executions and queued messages (default {SqliteFlowOptions.DefaultPath} in the current directory, or the configuration's {SqlitePathKey}). Several processes share it: one runs the flows, the others send, list and inspect.",
        };
        var inMemory = new Option<bool>("--in-memory")
        {
            Description = "Keep everything in this process's memory, no file: executions last as long as the command.",
        };

        var root = new RootCommand($"Runs and inspects the flows of this host: {string.Join(", ", flows.Select(f => f.Id))}.\nExample: dotnet run -- run --nats nats://127.0.0.1:4222");

        var dashboard = DashboardOption();
        var healthPort = HealthPortOption();
        var run = new Command("run", $"Starts the host and runs the flows until Ctrl+C, keeping executions in {SqliteFlowOptions.DefaultPath} (--db, --in-memory, --nats). Other arguments go to the host's configuration (--FlowSdk:Lanes=4).\nExample: dotnet run -- run --db orders.db") { nats, db, inMemory, dashboard, healthPort };
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetAction((result, cancellationToken) => Guard(env, () => RunHostAsync(flows, env, Choose(result.GetValue(nats), result.GetValue(db), result.GetValue(inMemory)), [.. result.UnmatchedTokens], cancellationToken, Listeners(result, dashboard, healthPort))));
        root.Subcommands.Add(run);

        var portArgument = new Argument<string>("port") { Description = "The input port: its subject (plans.submitted) or its message type (PlanSubmitted)." };
        var json = new Argument<string>("json") { Description = "The message as a JSON object, with the message type's fields." };
        var firstPort = flows.SelectMany(f => f.InputPorts).FirstOrDefault();
        var example = firstPort is null ? "\nThe flows of this host have no input port." : $"\nExample: dotnet run -- send {firstPort.Subject} '{JsonMessages.Example(firstPort)}'";
        var send = new Command("send", "Sends a message to an input port. When a host runs the flows on the database file (or on NATS), the message is queued for it; otherwise this command runs the flows on the file until they are quiescent and prints what happened." + example)
        {
            portArgument, json, nats, db, inMemory,
        };
        send.SetAction((result, cancellationToken) => Guard(env, () => SendAsync(flows, env, result.GetValue(portArgument)!, result.GetValue(json)!, Choose(result.GetValue(nats), result.GetValue(db), result.GetValue(inMemory)), cancellationToken)));
        root.Subcommands.Add(send);

        var flowFilter = new Option<string?>("--flow") { Description = "Only executions of this flow id." };
        var statusFilter = new Option<ExecutionStatus?>("--status") { Description = "Only executions with this status (Running, Waiting, Paused, WaitingForApproval, Completed, Failed, Escalated, TimedOut, Cancelled)." };
        var executions = new Command("executions", "Lists executions with their flow, phase and status, from the database file (or NATS), also while a host runs the flows.\nExample: dotnet run -- executions --status Escalated")
        {
            flowFilter, statusFilter, nats, db,
        };
        executions.SetAction((result, cancellationToken) => Guard(env, () => ListAsync(flows, env, result.GetValue(flowFilter), result.GetValue(statusFilter), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(executions);

        var id = new Argument<string>("id") { Description = "The execution id (its correlation key)." };
        var inspect = new Command("inspect", "Shows one execution: state, phase, status, timeline, pending task and deadline, from the database file (or NATS).\nExample: dotnet run -- inspect plan-1")
        {
            id, flowFilter, nats, db,
        };
        inspect.SetAction((result, cancellationToken) => Guard(env, () => InspectAsync(flows, env, result.GetValue(id)!, result.GetValue(flowFilter), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken)));
        root.Subcommands.Add(inspect);

        var format = new Option<string>("--format") { Description = "mermaid, dot or json.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot", "json");
        var graph = new Command("graph", "Prints the flows as a graph: phases, rules, and the subjects between flows.\nExample: dotnet run -- graph --format dot > flows.dot") { format };
        graph.SetAction(result =>
        {
            env.Out.Write(FlowGraph.Render(flows.ToArray(), result.GetValue(format)!));
            return Success;
        });
        root.Subcommands.Add(graph);

        AddValidateCommand(root, flows, env, nats, db);
        AddControlCommands(root, flows, env, nats, db);
        AddProgressCommand(root, flows, env, nats, db);
        AddDeploymentCommands(root, flows, env, nats, db);
        AddApprovalCommands(root, flows, env, nats, db);
        return root;
    }

    private static async Task<int> Guard(FlowCliEnvironment env, Func<Task<int>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (FlowCliException ex)
        {
            await env.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
    }

    /// <summary>The configuration keys without a section that the generic host itself reads from the command line.</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase) { "environment", "contentRoot", "applicationName", "urls" };

    /// <summary>
    /// The tokens of <c>run</c> that are no option of it and go to the configuration (<c>--FlowSdk:Nats:Url=...</c>):
    /// one whose key has no section and is no key the host reads is most likely a mistyped option, which
    /// would otherwise be taken in silence (<c>--database x.db</c> for <c>--db x.db</c>).
    /// </summary>
    internal static IEnumerable<string> UnreadConfigurationKeys(IEnumerable<string> hostArgs)
    {
        foreach (var token in hostArgs)
        {
            var key = token.StartsWith("--", StringComparison.Ordinal) ? token[2..]
                : token.StartsWith('-') || token.StartsWith('/') ? token[1..]
                : null;
            if (key is null)
            {
                continue;
            }

            var equals = key.IndexOf('=', StringComparison.Ordinal);
            key = equals < 0 ? key : key[..equals];
            if (key.Length > 0 && !key.Contains(':', StringComparison.Ordinal) && !HostKeys.Contains(key))
            {
                yield return token;
            }
        }
    }

    private static async Task<int> RunHostAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, BackendChoice choice, string[] hostArgs, CancellationToken cancellationToken, WebListeners? listeners = null)
    {
        foreach (var token in UnreadConfigurationKeys(hostArgs))
        {
            await env.Error.WriteLineAsync($"warning: '{token}' is not an option of run; it goes to the configuration as a key nothing of FlowSdk reads (the options are listed by run --help; configuration keys look like --FlowSdk:Nats:Url=...).").ConfigureAwait(false);
        }

        var builder = Host.CreateApplicationBuilder(hostArgs);
        var backend = Resolve(choice, builder.Configuration, env);
        var flowSdk = builder.Services.AddFlowSdk().AddFlows(flows);
        AddWebListeners(builder.Services, listeners);
        FlowConnection? connection = null;
        SqliteFlowDatabase? database = null;
        SqliteRunnerLease? lease = null;
        if (backend.NatsUrl is not null)
        {
            RequireConnector(env);

            // Connected below, once the host's logging exists; the runtime is created when the host starts.
            flowSdk.UseTransport(_ => connection!.Transport).UseStateStore(_ => connection!.Store);
        }
        else if (backend.DatabasePath is { } path)
        {
            database = OpenDatabase(path);
            lease = database.TryAcquireRunnerLease();
            if (lease is null)
            {
                var holder = database.RunnerLeaseHolder();
                await database.DisposeAsync().ConfigureAwait(false);
                throw new FlowCliException(
                    $"Another process runs the flows on {path}{(holder is null ? "" : $" ({holder.Holder}, lease renewed until {holder.ExpiresAt:O})")}. "
                    + "One process runs the flows on a database file at a time: stop that one first, or give this one a file of its own (--db <path>). "
                    + "send, executions and inspect work alongside the running host.",
                    Failed);
            }

            var open = database;
            flowSdk.UseTransport(_ => open.Transport).UseStateStore(_ => open.Store);
        }

        var host = builder.Build();
        try
        {
            if (backend.NatsUrl is not null)
            {
                connection = await ConnectAsync(env, new FlowCliConnectRequest(backend.NatsUrl, flows, host.Services.GetService<ILoggerFactory>()) { NatsConfiguration = backend.NatsConfiguration }, cancellationToken).ConfigureAwait(false);
            }

            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            await env.Out.WriteLineAsync($"Running {flows.Count} flow(s) ({string.Join(", ", flows.Select(f => f.Id))}) on {backend.Describe()}. Press Ctrl+C to stop.").ConfigureAwait(false);
            await PrintWebListenersAsync(host, env).ConfigureAwait(false);
            using var stopStatus = new CancellationTokenSource();
            var status = env.LiveStatus
                ? ShowStatusAsync(host.Services.GetRequiredService<FlowRuntime>(), flows, env.Out, stopStatus.Token)
                : Task.CompletedTask;

            // Returns once the host has stopped (Ctrl+C, SIGTERM, or the command's cancellation): the
            // runtime stopped taking messages and let the running rules commit.
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            await stopStatus.CancelAsync().ConfigureAwait(false);
            await status.ConfigureAwait(false);
        }
        finally
        {
            // The runtime first (it stops using the transport and store), then the NATS connection or the file.
            if (host is IAsyncDisposable asyncHost)
            {
                await asyncHost.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (lease is not null)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }

            if (database is not null)
            {
                await database.DisposeAsync().ConfigureAwait(false);
            }
        }

        await env.Out.WriteLineAsync("Stopped.").ConfigureAwait(false);
        return Success;
    }

    /// <summary>Keeps one line up to date on a terminal: executions by status and messages per second on the flows' input subjects.</summary>
    private static async Task ShowStatusAsync(FlowRuntime runtime, IReadOnlyList<FlowDefinition> flows, TextWriter output, CancellationToken cancellationToken)
    {
        long events = 0;
        using var taps = new System.Reactive.Disposables.CompositeDisposable(flows
            .SelectMany(f => f.InputSubjects)
            .Distinct(StringComparer.Ordinal)
            .Select(subject => runtime.Transport.Subscribe(subject).Subscribe(_ => Interlocked.Increment(ref events))));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var last = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                // The store's progress counters: no listing of executions every second.
                var counts = new Dictionary<ExecutionStatus, long>();
                foreach (var flow in flows)
                {
                    var progress = await runtime.GetProgressAsync(flow, cancellationToken).ConfigureAwait(false);
                    foreach (var (status, n) in progress.Counts)
                    {
                        counts[status] = counts.GetValueOrDefault(status) + n;
                    }
                }

                var now = Interlocked.Read(ref events);
                var line = string.Join(" | ", counts.Where(c => c.Value != 0).Select(c => $"{c.Key} {c.Value}").DefaultIfEmpty("no executions")) + $" | {now - last} messages/s";
                last = now;
                await output.WriteAsync("\r" + line.PadRight(Console.WindowWidth > 1 ? Console.WindowWidth - 1 : 79)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await output.WriteLineAsync().ConfigureAwait(false);
    }

    private static async Task<int> SendAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, string portName, string json, BackendChoice choice, CancellationToken cancellationToken)
    {
        var port = FindPort(flows, portName);
        var payload = JsonMessages.Encode(port, json);
        var backend = Resolve(choice, env);
        if (backend.NatsUrl is not null)
        {
            // The stream captures the flows' input subjects before the message goes out, so it is kept
            // for a host that starts later.
            await using var connection = await ConnectAsync(env, new FlowCliConnectRequest(backend.NatsUrl, flows, null) { NatsConfiguration = backend.NatsConfiguration }, cancellationToken).ConfigureAwait(false);
            await connection.Transport.PublishAsync(port.Subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
            await env.Out.WriteLineAsync($"Sent {port.MessageType} on {port.Subject}.").ConfigureAwait(false);
            return Success;
        }

        SqliteFlowDatabase? database = null;
        SqliteRunnerLease? lease = null;
        FlowRuntimeOptions? options = null;
        try
        {
            if (backend.DatabasePath is { } path)
            {
                database = OpenDatabase(path);

                // Kept for the flows whether or not a host runs them now.
                database.Transport.CaptureFlows(flows);
                lease = database.TryAcquireRunnerLease();
                if (lease is null)
                {
                    // A host runs the flows on this file: queue the message for it.
                    var holder = database.RunnerLeaseHolder();
                    await database.Transport.PublishAsync(port.Subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await env.Out.WriteLineAsync($"Sent {port.MessageType} on {port.Subject}: queued in {path} for the host that runs the flows there{(holder is null ? "" : $" ({holder.Holder})")}. See it with: inspect <id>").ConfigureAwait(false);
                    return Success;
                }

                options = new FlowRuntimeOptions().UseSqlite(database);
            }

            return await RunUntilQuiescentAsync(flows, env, port, payload, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (lease is not null)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }

            if (database is not null)
            {
                await database.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>No host runs the flows: run them here on the message until they are quiescent, and print what happened.</summary>
    private static async Task<int> RunUntilQuiescentAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, IInputPort port, byte[] payload, FlowRuntimeOptions? options, CancellationToken cancellationToken)
    {
        await using var runtime = await FlowRuntime.StartAsync(flows, options, cancellationToken).ConfigureAwait(false);

        // A flow that takes the message but does not run here would leave it unhandled: say so now,
        // not after waiting out the quiescence timeout.
        var waiting = new List<string>();
        var running = 0;
        foreach (var flow in flows)
        {
            if (!flow.InputPorts.Any(p => string.Equals(p.Subject, port.Subject, StringComparison.Ordinal)))
            {
                continue;
            }

            if (runtime.IsFlowRunning(flow))
            {
                running++;
                continue;
            }

            var record = await runtime.GetDeploymentAsync(flow, cancellationToken).ConfigureAwait(false);
            var local = runtime.VersionOf(flow);
            if (DeployedWithAnotherVersion(record, local))
            {
                await env.Error.WriteLineAsync(
                    $"error: flow {flow.Id} is deployed with version {record.Version}, this build has {local}: this build does not run it, so the message was not sent. "
                    + $"Deploy this build's version with: deploy {flow.Id} --force (its executions are kept), then send again.").ConfigureAwait(false);
                return Failed;
            }

            waiting.Add($"flow {flow.Id} is {record?.State ?? DeploymentState.NotDeployed}{(record?.State == DeploymentState.Deployed ? $" (stopped; start {flow.Id} runs it)" : $" (deploy {flow.Id}, then start {flow.Id} runs it)")}");
        }

        if (waiting.Count > 0 && running == 0)
        {
            await runtime.Transport.PublishAsync(port.Subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
            await env.Out.WriteLineAsync($"Sent {port.MessageType} on {port.Subject}: kept until the flow runs; {string.Join("; ", waiting)}.").ConfigureAwait(false);
            return Success;
        }

        foreach (var line in waiting)
        {
            await env.Out.WriteLineAsync($"Kept until the flow runs: {line}.").ConfigureAwait(false);
        }

        var since = runtime.TimeProvider.GetUtcNow();
        var published = new List<string>();
        using var tap = runtime.Transport.Subscribe(">").Subscribe(m =>
        {
            lock (published)
            {
                published.Add(m.Subject);
            }
        });
        await runtime.Transport.PublishAsync(port.Subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(env.QuiescenceTimeout);
        try
        {
            await runtime.WhenIdleAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await env.Error.WriteLineAsync($"error: the flows were still busy after {env.QuiescenceTimeout.TotalSeconds:0} s; what they did so far follows.").ConfigureAwait(false);
        }

        await env.Out.WriteLineAsync($"Sent {port.MessageType} on {port.Subject}.").ConfigureAwait(false);
        lock (published)
        {
            env.Out.WriteLine($"Messages: {string.Join(", ", published)}");
        }

        var anyFailed = false;
        foreach (var flow in flows)
        {
            await foreach (var (executionId, info) in ReadExecutionsAsync(runtime.Store, flow, cancellationToken).ConfigureAwait(false))
            {
                if (info.UpdatedAt < since)
                {
                    continue; // an execution of an earlier command, kept in the file
                }

                anyFailed |= info.Status is ExecutionStatus.Failed;
                await env.Out.WriteLineAsync($"{flow.Id}/{executionId}: {info.Status} in phase {info.Phase}, iteration {info.Iteration}{(info.StatusReason is null ? "" : " - " + info.StatusReason)}").ConfigureAwait(false);
                foreach (var entry in info.Timeline)
                {
                    await env.Out.WriteLineAsync($"  #{entry.Iteration} {entry.Rule}: {entry.PhaseBefore} -> {entry.PhaseAfter} ({entry.Action}, {entry.Trigger} on {entry.Source})").ConfigureAwait(false);
                }
            }
        }

        return anyFailed ? Failed : Success;
    }

    private static async Task<int> ListAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, string? flowId, ExecutionStatus? status, BackendChoice choice, CancellationToken cancellationToken)
    {
        var selected = SelectFlows(flows, flowId);
        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        var count = 0;
        await env.Out.WriteLineAsync($"{"FLOW",-20} {"EXECUTION",-24} {"STATUS",-10} {"PHASE",-16} {"ITERATION",9} UPDATED").ConfigureAwait(false);
        if (connection is not null)
        {
            foreach (var flow in selected)
            {
                await foreach (var (id, info) in ReadExecutionsAsync(connection.Store, flow, cancellationToken).ConfigureAwait(false))
                {
                    if (status is { } wanted && info.Status != wanted)
                    {
                        continue;
                    }

                    count++;
                    await env.Out.WriteLineAsync($"{flow.Id,-20} {id,-24} {info.Status,-10} {info.Phase,-16} {info.Iteration,9} {info.UpdatedAt:O}").ConfigureAwait(false);
                }
            }
        }

        await env.Out.WriteLineAsync(count > 0 || backend.NatsUrl is not null ? $"{count} execution(s)." : $"No executions {backend.Where()}.").ConfigureAwait(false);
        return Success;
    }

    private static async Task<int> InspectAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, string id, string? flowId, BackendChoice choice, CancellationToken cancellationToken)
    {
        var selected = SelectFlows(flows, flowId);
        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        foreach (var flow in connection is null ? [] : selected)
        {
            var entry = await connection!.Store.GetAsync(flow.Id + "." + id, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue;
            }

            var info = flow.ReadExecution(entry.Value);
            var o = env.Out;
            await o.WriteLineAsync($"Execution {id} of flow {flow.Id} (revision {entry.Revision})").ConfigureAwait(false);
            await o.WriteLineAsync($"  status:    {info.Status}{(info.StatusReason is null ? "" : " - " + info.StatusReason)}").ConfigureAwait(false);
            await o.WriteLineAsync($"  phase:     {info.Phase}, iteration {info.Iteration}").ConfigureAwait(false);
            await o.WriteLineAsync($"  created:   {info.CreatedAt:O}, updated {info.UpdatedAt:O}").ConfigureAwait(false);
            await o.WriteLineAsync($"  deadline:  {(info.Deadline is { } d ? d.ToString("O") : "none")}").ConfigureAwait(false);
            await o.WriteLineAsync($"  waiting:   {(info.PendingTaskId is { } task ? $"task {task} since {info.PendingSince:O}" : "no")}").ConfigureAwait(false);
            await o.WriteLineAsync("  timeline:").ConfigureAwait(false);
            if (info.DroppedTimelineEntries > 0)
            {
                await o.WriteLineAsync($"    ({info.DroppedTimelineEntries} earlier entries not kept, the first at {info.FirstTimelineEntryAt:O})").ConfigureAwait(false);
            }

            foreach (var e in info.Timeline)
            {
                await o.WriteLineAsync($"    {e.At:O} #{e.Iteration} {e.Rule}: {e.PhaseBefore} -> {e.PhaseAfter} ({e.Action}, {e.Trigger} on {e.Source})").ConfigureAwait(false);
            }

            string state;
            try
            {
                state = JsonMessages.ToJson(entry.Value);
            }
            catch (MessagePack.MessagePackSerializationException ex)
            {
                state = $"({entry.Value.Length} bytes that are not valid MessagePack: {ex.Message})";
            }

            await o.WriteLineAsync("  state: " + state).ConfigureAwait(false);
            return Success;
        }

        throw new FlowCliException($"No execution '{id}' in flow(s) {string.Join(", ", selected.Select(f => f.Id))} {backend.Where()}.");
    }

    internal static IInputPort FindPort(IReadOnlyList<FlowDefinition> flows, string name)
    {
        var ports = flows.SelectMany(f => f.InputPorts).ToList();
        return ports.FirstOrDefault(p => string.Equals(p.Subject, name, StringComparison.Ordinal))
            ?? ports.FirstOrDefault(p => string.Equals(p.MessageType, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new FlowCliException($"No input port '{name}'. The ports are: {string.Join(", ", ports.Select(p => $"{p.Subject} ({p.MessageType})").Distinct())}.");
    }

    private static List<FlowDefinition> SelectFlows(IReadOnlyList<FlowDefinition> flows, string? flowId)
    {
        if (flowId is null)
        {
            return [.. flows];
        }

        var flow = flows.FirstOrDefault(f => f.Id == flowId)
            ?? throw new FlowCliException($"No flow '{flowId}'. The flows are: {string.Join(", ", flows.Select(f => f.Id))}.");
        return [flow];
    }

    private static async IAsyncEnumerable<(string Id, ExecutionInfo Info)> ReadExecutionsAsync(IStateStore store, FlowDefinition flow, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var key in store.ListKeysAsync(flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is not null)
            {
                yield return (key[(flow.Id.Length + 1)..], flow.ReadExecution(entry.Value));
            }
        }
    }

    /// <summary>The store <c>executions</c> and <c>inspect</c> read; <see langword="null"/> when the database file does not exist yet.</summary>
    private static async Task<FlowConnection?> StoreAsync(FlowCliEnvironment env, Backend backend, CancellationToken cancellationToken)
    {
        if (backend.NatsUrl is not null)
        {
            return await ConnectAsync(env, new FlowCliConnectRequest(backend.NatsUrl, [], null) { NatsConfiguration = backend.NatsConfiguration }, cancellationToken).ConfigureAwait(false);
        }

        if (backend.DatabasePath is { } path)
        {
            if (!File.Exists(path))
            {
                return null; // reading never creates the file
            }

            var database = OpenDatabase(path);
            return new FlowConnection(database.Transport, database.Store, database);
        }

        return new FlowConnection(new InMemoryTransport(), new InMemoryStateStore(), null);
    }

    private static SqliteFlowDatabase OpenDatabase(string path)
    {
        try
        {
            return SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path });
        }
        catch (SqliteFlowStoreException ex)
        {
            throw new FlowCliException(ex.Message, Failed);
        }
    }

    /// <summary>What a command's options ask for: NATS, a database file, or memory only.</summary>
    private sealed record BackendChoice(string? NatsUrl, string? DatabasePath, bool InMemory);

    /// <summary>Where a command works: a NATS URL, a database file (full path), or neither (in memory).</summary>
    private sealed record Backend(string? NatsUrl, string? DatabasePath)
    {
        /// <summary>With a NATS URL: a copy of the configuration's <see cref="NatsSection"/> section, the other NATS options.</summary>
        public IConfiguration? NatsConfiguration { get; init; }

        public string Describe() => NatsUrl is not null ? "NATS" : DatabasePath is not null ? DatabasePath : "the embedded in-memory transport";

        public string Where() => NatsUrl is not null
            ? "on NATS"
            : DatabasePath is not null
                ? (File.Exists(DatabasePath) ? $"in {DatabasePath}" : $"in {DatabasePath}: the file does not exist yet (run or send creates it; --db names another)")
                : "in memory: with --in-memory the executions live only as long as one command";
    }

    private static BackendChoice Choose(string? natsUrl, string? databasePath, bool inMemory)
    {
        if (inMemory && (natsUrl is not null || databasePath is not null))
        {
            throw new FlowCliException($"--in-memory cannot be combined with {(natsUrl is not null ? "--nats" : "--db")}: choose where the executions live.", UsageError);
        }

        if (natsUrl is not null && databasePath is not null)
        {
            throw new FlowCliException("--db and --nats cannot be combined: the executions live either in the database file or on NATS.", UsageError);
        }

        return new BackendChoice(natsUrl, databasePath, inMemory);
    }

    private static Backend Resolve(BackendChoice choice, FlowCliEnvironment env)
    {
        var configuration = ReadConfiguration();
        try
        {
            return Resolve(choice, configuration, env);
        }
        finally
        {
            (configuration as IDisposable)?.Dispose();
        }
    }

    private static Backend Resolve(BackendChoice choice, IConfiguration configuration, FlowCliEnvironment env)
    {
        if (choice.InMemory)
        {
            return new Backend(null, null);
        }

        if (choice.DatabasePath is { } explicitPath)
        {
            return new Backend(null, Path.GetFullPath(explicitPath));
        }

        if ((choice.NatsUrl ?? ConfiguredNatsUrl(configuration)) is { } url)
        {
            // A copy (errors still name FlowSdk:Nats:<key>): the one-shot commands dispose their configuration before they connect.
            return new Backend(url, null)
            {
                NatsConfiguration = new ConfigurationBuilder().AddInMemoryCollection(configuration.GetSection(NatsSection).AsEnumerable()).Build().GetSection(NatsSection),
            };
        }

        var path = configuration[SqlitePathKey] is { } configured && !string.IsNullOrWhiteSpace(configured) ? configured.Trim() : env.DatabasePath;
        return new Backend(null, Path.GetFullPath(path));
    }

    /// <summary>
    /// The configuration of the commands other than <c>run</c> (which reads its host's):
    /// appsettings.json and appsettings.&lt;environment&gt;.json in the current directory, then
    /// environment variables, as the host reads them.
    /// </summary>
    private static IConfigurationRoot ReadConfiguration()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } name ? name : Environments.Production;
        return new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddJsonFile($"appsettings.{environment}.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .Build();
    }

    private static string? ConfiguredNatsUrl(IConfiguration configuration)
        => configuration[NatsUrlKey] is { } url && !string.IsNullOrWhiteSpace(url) ? url.Trim() : null;

    private static void RequireConnector(FlowCliEnvironment env)
    {
        if (env.Connect is null)
        {
            throw new FlowCliException(
                "--nats (or the configuration's " + NatsUrlKey + ") needs FlowSdk.Nats, which this host does not reference. "
                + "Add a reference to the FlowSdk.Nats package (or project) to the host's project and build it again: its generated entry point then connects through it.");
        }
    }

    private static async Task<FlowConnection> ConnectAsync(FlowCliEnvironment env, FlowCliConnectRequest request, CancellationToken cancellationToken)
    {
        RequireConnector(env);
        try
        {
            return await env.Connect!(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // FlowSdk.Nats's messages say what failed and never show credentials.
            throw new FlowCliException(ex.Message, ex is ArgumentException or NotSupportedException ? UsageError : Failed);
        }
    }
}

/// <summary>Where the command line writes, and how it reaches NATS.</summary>
public sealed class FlowCliEnvironment
{
    /// <summary>Standard output; the console by default.</summary>
    public TextWriter Out { get; init; } = Console.Out;

    /// <summary>Standard error; the console by default.</summary>
    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>
    /// Connects to NATS for <c>--nats</c> (or the configuration's <see cref="FlowCli.NatsUrlKey"/>). The
    /// generated entry point of a host that references FlowSdk.Nats sets it; without it, a command
    /// given a NATS URL is an error that says which package to reference. Failures it throws are shown
    /// by their message and exit with <see cref="FlowCli.Failed"/> (<see cref="FlowCli.UsageError"/> for
    /// an <see cref="ArgumentException"/> or <see cref="NotSupportedException"/>).
    /// </summary>
    /// <example>
    /// What the generated entry point passes, with FlowSdk.Nats:
    /// <code>
    /// Connect = async (request, cancellationToken) =>
    /// {
    ///     var options = new NatsFlowOptions { LoggerFactory = request.LoggerFactory };
    ///     if (request.NatsConfiguration is { } section) options.Bind(section);
    ///     options.Url = request.Url;
    ///     var nats = await NatsFlowInfrastructure.ConnectAsync(options, request.Flows, cancellationToken);
    ///     return new FlowConnection(nats.Transport, nats.Store, nats);
    /// }
    /// </code>
    /// </example>
    public Func<FlowCliConnectRequest, CancellationToken, Task<FlowConnection>>? Connect { get; init; }

    /// <summary>
    /// Whether <c>run</c> keeps a status line (executions by status, messages per second on the flows' input subjects) up to date.
    /// On by default when standard output is a terminal; plain logs otherwise.
    /// </summary>
    public bool LiveStatus { get; init; } = !Console.IsOutputRedirected;

    /// <summary>
    /// The database file the commands use when neither <c>--db</c> nor the configuration's
    /// <see cref="FlowCli.SqlitePathKey"/> names one: <c>flowsdk.db</c> in the current directory by default.
    /// </summary>
    public string DatabasePath { get; init; } = SqliteFlowOptions.DefaultPath;

    /// <summary>How long <c>send</c> waits for the flows to be quiescent when it runs them itself. Default 30 s.</summary>
    public TimeSpan QuiescenceTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What the command line asks <see cref="FlowCliEnvironment.Connect"/> to connect to.</summary>
/// <param name="Url">The NATS server URL, from <c>--nats</c> or the configuration's <see cref="FlowCli.NatsUrlKey"/>; it may hold credentials, which must not be shown.</param>
/// <param name="Flows">
/// The flows whose input subjects the NATS stream must capture before the command goes on: every
/// flow of the host for <c>run</c> and <c>send</c>, none for <c>executions</c> and <c>inspect</c>.
/// </param>
/// <param name="LoggerFactory">Where the connection should log: the host's logging for <c>run</c>; <see langword="null"/> for the one-shot commands.</param>
public sealed record FlowCliConnectRequest(string Url, IReadOnlyList<FlowDefinition> Flows, ILoggerFactory? LoggerFactory)
{
    /// <summary>
    /// The configuration's <see cref="FlowCli.NatsSection"/> section (<c>FlowSdk:Nats</c>): credentials, TLS,
    /// bucket and stream names, replicas, stream subjects and the other NATS options, from appsettings.json,
    /// <c>FLOWSDK__NATS__...</c> environment variables and, for <c>run</c>, the command line;
    /// <see langword="null"/> when there is none. It may hold credentials, which must not be shown.
    /// </summary>
    public IConfiguration? NatsConfiguration { get; init; }
}

/// <summary>A transport and a state store the command line uses, and what to dispose with them.</summary>
/// <param name="Transport">The transport.</param>
/// <param name="Store">The state store.</param>
/// <param name="Owner">Disposed with the connection (for example the NATS connection), or <see langword="null"/>.</param>
public sealed record FlowConnection(IMessageTransport Transport, IStateStore Store, IAsyncDisposable? Owner) : IAsyncDisposable
{
    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        if (Owner is not null)
        {
            await Owner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
