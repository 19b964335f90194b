using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>
/// A compilation emitted to memory and loaded into its own collectible context. FlowSdk and its
/// dependencies resolve from the test's own context, so tests use the generated types through the
/// runtime's public types (FlowDefinition, RuleInfo...).
/// </summary>
internal sealed class InMemoryAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private InMemoryAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    public static InMemoryAssembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, "Emit failed:" + Environment.NewLine + TestCompilation.Format(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("FlowSdk.Generators.Tests." + compilation.AssemblyName, isCollectible: true);
        return new InMemoryAssembly(context, context.LoadFromStream(stream));
    }

    public Type Type(string fullName) => Assembly.GetType(fullName, throwOnError: true)!;

    public object? StaticProperty(string typeName, string property) =>
        Type(typeName).GetProperty(property, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
        ?? throw new InvalidOperationException($"{typeName}.{property} is missing or null.");

    public T StaticField<T>(string typeName, string field) =>
        (T)(Type(typeName).GetField(field, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"{typeName}.{field} is missing or null."));

    public async Task<string> InvokeAsync(string typeName, string method)
    {
        var task = (Task<string>)(Type(typeName).GetMethod(method, BindingFlags.Public | BindingFlags.Static)?.Invoke(null, null)
            ?? throw new InvalidOperationException($"{typeName}.{method} is missing."));
        return await task;
    }

    public void Dispose() => _context.Unload();
}
