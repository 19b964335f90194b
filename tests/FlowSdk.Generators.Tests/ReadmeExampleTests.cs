using System.Reflection;
using System.Text.RegularExpressions;
using FlowSdk.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Tests;

/// <summary>The README's code example, copied into a console program as a new user would, builds and runs.</summary>
public sealed partial class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_compiles_with_the_generator_and_completes_its_order()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        var declarations = Assert.Single(blocks, b => b.Contains("[Flow<", StringComparison.Ordinal));
        var program = Assert.Single(blocks, b => b.Contains("FlowRuntime.StartAsync", StringComparison.Ordinal));

        // Top-level statements come first in a file, then the declarations, as in a new console project.
        var source = "using FlowSdk;\n\n" + program + "\n" + declarations;
        var input = TestCompilation.Create([new SourceFile("Program.cs", source)], "ReadmeExample");
        input = input.WithOptions(input.Options.WithOutputKind(OutputKind.ConsoleApplication));
        var output = GeneratorRunner.Run(input).AssertClean();
        // A new console project does not ask for XML docs (CS1591); anything else would show up.
        Assert.Empty(TestCompilation.BuildDiagnostics(output.Output).Where(d => d.Id != "CS1591"));

        using var assembly = InMemoryAssembly.Load(output.Output);
        var console = Console.Out;
        var written = new StringWriter();
        Console.SetOut(written);
        try
        {
            // The compiler's entry point for async top-level statements waits for them itself.
            await Task.Run(() => assembly.Assembly.EntryPoint!.Invoke(null, [Array.Empty<string>()]));
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Equal("Completed", written.ToString().Trim());
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
