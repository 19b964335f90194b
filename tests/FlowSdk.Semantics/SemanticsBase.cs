namespace FlowSdk.Semantics;

/// <summary>
/// Gives each test of a semantics suite a fresh transport and store from the factory its derived
/// class names, and disposes them after the test.
/// </summary>
public abstract class SemanticsBase(IFlowInfrastructureFactory factory) : IAsyncLifetime
{
    private IFlowInfrastructure? _infrastructure;

    /// <summary>This test's transport and store.</summary>
    protected IFlowInfrastructure Infrastructure => _infrastructure ?? throw new InvalidOperationException("The test has not been initialized.");

    /// <summary>Starts a runtime for the test flows on this test's transport and store.</summary>
    protected Task<TestRuntime> StartAsync(Action<FlowRuntimeOptions>? configure = null) => TestRuntime.StartAsync(Infrastructure, configure);

    /// <inheritdoc/>
    public async Task InitializeAsync() => _infrastructure = await factory.CreateAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_infrastructure is not null)
        {
            await _infrastructure.DisposeAsync();
        }
    }
}
