using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PlanReviewSample;

namespace FlowSdk.Hosting.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task The_runtime_runs_as_a_hosted_service_with_options_from_configuration()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowSdk:MaxWriteAttempts"] = "3",
            ["FlowSdk:Retention"] = "00:30:00",
            ["FlowSdk:Lanes"] = "2",
        });
        builder.Services.AddFlowSdk().AddFlows([PlanReviewFlow.Definition, ReviewDeskFlow.Definition]);
        using var host = builder.Build();

        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<FlowRuntime>();
        var plans = new PlanReviewClient(runtime);
        await plans.SendAsync(new PlanSubmitted("plan-1", "Ship", "## Risks\n-\n## Rollback\n-"));
        await runtime.WhenIdleAsync();
        var plan = await plans.GetAsync("plan-1");
        await host.StopAsync();

        Assert.Equal(ExecutionStatus.Completed, plan!.Status);
        var options = host.Services.GetRequiredService<IOptions<FlowSdkOptions>>().Value;
        Assert.Equal((3, TimeSpan.FromMinutes(30), 2), (options.MaxWriteAttempts, options.Retention, options.Lanes));
    }

    [Theory]
    [InlineData("FlowSdk:MaxHandlingAttempts", "0", "MaxHandlingAttempts must be at least 1.")]
    [InlineData("FlowSdk:HandlingRetryDelay", "-00:00:01", "HandlingRetryDelay cannot be negative.")]
    [InlineData("FlowSdk:StateCacheCapacity", "-1", "StateCacheCapacity cannot be negative")]
    [InlineData("FlowSdk:MaxTimelineEntries", "0", "MaxTimelineEntries must be at least 1.")]
    public async Task Handling_retry_settings_from_configuration_reach_the_runtime_which_refuses_bad_ones_by_name(string key, string value, string error)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddFlowSdk().AddFlows([PlanReviewFlow.Definition, ReviewDeskFlow.Definition]);
        using var host = builder.Build();

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());
        Assert.StartsWith(error, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_policies_from_configuration_override_the_declared_ones()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FlowSdk:Approvals:expense:Pay"] = "Deny" });
        builder.Services.AddFlowSdk().AddFlows([ApprovalsSample.ExpenseFlow.Definition]);
        using var host = builder.Build();

        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<FlowRuntime>();
        var expenses = new ApprovalsSample.ExpenseClient(runtime);
        await expenses.SendAsync(new ApprovalsSample.ExpenseSubmitted("e-1", "ann", 400m));
        await runtime.WhenIdleAsync();
        var expense = await expenses.GetAsync("e-1");
        await host.StopAsync();

        Assert.Equal(ApprovalsSample.ExpensePhase.Refused, expense!.Phase);
        Assert.Equal((false, Approvals.PolicyBy, Approvals.DeniedReason), (expense.LastApproval!.Approved, expense.LastApproval.By, expense.LastApproval.Reason));
    }

    [Theory]
    [InlineData("FlowSdk:Approvals:expense:Refuse", "Approve", "FlowSdk:Approvals:expense:Refuse names no rule of flow 'expense' that requires approval; those that do: PaySmall, Pay (or * for all).")]
    [InlineData("FlowSdk:Approvals:invoice:*", "Approve", "FlowSdk:Approvals:invoice names no flow of this host; its flows are expense.")]
    [InlineData("FlowSdk:Approvals:expense:Pay", "Sometimes", "FlowSdk:Approvals:expense:Pay")]
    public async Task An_approval_policy_for_no_approval_rule_or_no_policy_is_refused_at_start_naming_its_key(string key, string value, string error)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddFlowSdk().AddFlows([ApprovalsSample.ExpenseFlow.Definition]);
        using var host = builder.Build();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains(error, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoDeploy_false_from_configuration_leaves_flows_without_a_record_undeployed_until_an_operator_deploys_and_starts_them()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FlowSdk:AutoDeploy"] = "false" });
        builder.Services.AddFlowSdk().AddFlows([PlanReviewFlow.Definition, ReviewDeskFlow.Definition]);
        using var host = builder.Build();

        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<FlowRuntime>();
        Assert.False(runtime.IsFlowRunning(PlanReviewFlow.Definition));
        Assert.Null(await runtime.GetDeploymentAsync(PlanReviewFlow.Definition));

        var plans = new PlanReviewClient(runtime);
        await plans.DeployAsync(by: "ops");
        await plans.StartFlowAsync(by: "ops");
        await runtime.WhenFlowRunningAsync(PlanReviewFlow.Definition).WaitAsync(TimeSpan.FromSeconds(30));
        await plans.SendAsync(new PlanSubmitted("plan-1", "Ship", "## Risks\n-\n## Rollback\n-"));
        await runtime.WhenIdleAsync();
        Assert.NotNull(await plans.GetAsync("plan-1"));
        Assert.False(runtime.IsFlowRunning(ReviewDeskFlow.Definition));
        await host.StopAsync();
    }

    [Fact]
    public async Task UseSqlite_keeps_executions_in_the_configured_file_across_hosts_and_holds_the_runner_lease()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-usesqlite-");
        var path = Path.Combine(folder.FullName, "flows.db");
        try
        {
            IHost Build()
            {
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FlowSdk:Sqlite:Path"] = path });
                builder.Services.AddFlowSdk().AddFlows([PlanReviewFlow.Definition, ReviewDeskFlow.Definition]).UseSqlite();
                return builder.Build();
            }

            using (var first = Build())
            {
                await first.StartAsync();
                var runtime = first.Services.GetRequiredService<FlowRuntime>();
                await new PlanReviewClient(runtime).SendAsync(new PlanSubmitted("plan-1", "Ship", "## Risks\n-\n## Rollback\n-"));
                await runtime.WhenIdleAsync();

                // The file is this host's to run: a second host on it cannot start.
                using var second = Build();
                var refused = await Assert.ThrowsAsync<FlowSdk.Sqlite.SqliteFlowStoreException>(() => second.StartAsync());
                Assert.Contains("Another process runs the flows on " + path, refused.Message);
                await first.StopAsync();
            }

            using var third = Build();
            await third.StartAsync();
            var plan = await new PlanReviewClient(third.Services.GetRequiredService<FlowRuntime>()).GetAsync("plan-1");
            await third.StopAsync();
            Assert.Equal(ExecutionStatus.Completed, plan!.Status);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_host_without_flows_says_how_to_add_them()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFlowSdk();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<FlowRuntime>());

        Assert.Contains("AddFlows(AssemblyFlows.All)", error.Message);
    }
}
