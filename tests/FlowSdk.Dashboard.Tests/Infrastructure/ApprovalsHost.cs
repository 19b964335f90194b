using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Dashboard.Tests.Infrastructure;

/// <summary>samples/Approvals (expense claims that wait for a manager's approval) run as a process through its command line, like <see cref="OrdersHost"/>.</summary>
internal static class ApprovalsHost
{
    /// <summary>Starts a command that keeps running (<c>run</c>); dispose the result to kill it if it still runs.</summary>
    public static HostProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
        => new(OrdersHost.StartInfo(OrdersHost.SampleDll("Approvals"), environment, args, null));

    /// <summary>Runs one command to its end.</summary>
    public static Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
        => OrdersHost.RunSampleAsync(OrdersHost.SampleDll("Approvals"), args);
}
