using FlowSdk;
using FlowSdk.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PlanReviewSample;

// FlowSdk reports through System.Diagnostics: one ActivitySource and one Meter, both named
// FlowSdkDiagnostics.ActivitySourceName / MeterName ("FlowSdk"). Any OpenTelemetry exporter works;
// this sample prints spans and metrics to the console.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddFlowSdk().AddFlows([PlanReviewFlow.Definition, ReviewDeskFlow.Definition]);
builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddSource(FlowSdkDiagnostics.ActivitySourceName).AddConsoleExporter())
    .WithMetrics(metrics => metrics.AddMeter(FlowSdkDiagnostics.MeterName).AddConsoleExporter());

using var host = builder.Build();
await host.StartAsync();
var runtime = host.Services.GetRequiredService<FlowRuntime>();
var plans = new PlanReviewClient(runtime);
await plans.SendAsync(new PlanSubmitted("plan-1", "Ship v1", "## Goal\nShip.\n## Risks\nNone.\n## Rollback\nRedeploy."));
await plans.SendAsync(new PlanSubmitted("plan-2", "Migrate", "## Goal\nMove."));
await runtime.WhenIdleAsync();
Console.WriteLine($"plan-1: {(await plans.GetAsync("plan-1"))!.Status}, plan-2: {(await plans.GetAsync("plan-2"))!.Status}");

// Stopping the host flushes the metric exporter, which prints every FlowSdk instrument.
await host.StopAsync();
