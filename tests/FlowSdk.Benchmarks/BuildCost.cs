using System.Diagnostics;
using System.Globalization;

namespace FlowSdk.Benchmarks;

/// <summary>
/// What the clean-build measurement found: the median wall-clock seconds of each variant, with the compiler as the
/// environment sets it (<see cref="WithGeneratorSeconds"/>, <see cref="WithoutGeneratorSeconds"/>), with the generator
/// and analyzers referenced as built assemblies instead of projects (<see cref="WithAssembliesSeconds"/>), and the
/// same three with the compiler server on (<c>UseSharedCompilation=true</c>, what <c>dotnet build</c> does by default).
/// </summary>
internal sealed record BuildCostResult(
    double WithGeneratorSeconds,
    double WithoutGeneratorSeconds,
    int Runs,
    string Setup,
    double WithAssembliesSeconds,
    double SharedWithGeneratorSeconds,
    double SharedWithoutGeneratorSeconds,
    double SharedWithAssembliesSeconds);

/// <summary>
/// What FlowSdk's generator and analyzers add to a clean build: <c>dotnet build</c> of a library with a
/// flow of 100 rules (100 message types; the source of <see cref="GeneratorBenchmarks.FlowSource"/>),
/// written to a temporary folder outside the repository twice, with the same sources:
/// <list type="bullet">
/// <item><b>with</b>: the project imports build/FlowSdk.Local.props (the runtime, and the generator,
/// analyzers and code fixes as Roslyn components, as every sample and test project references them);</item>
/// <item><b>without</b>: the project references only src/FlowSdk/FlowSdk.csproj (the same attributes
/// and runtime; no generator, no analyzers). The sources compile either way: they declare flows and
/// rules and use nothing the generator writes.</item>
/// <item><b>with, as assemblies</b>: as <b>with</b>, but the generator, analyzers and code fixes are referenced as
/// their built assemblies (<c>Analyzer</c> items, as a package's analyzers are), not as projects: the build does
/// not ask three more projects whether they are up to date. (The package also runs the CheckFlows task after
/// the compiler, which none of these variants does.)</item>
/// </list>
/// Each variant is measured twice per run: with the compiler as the environment sets it (this machine sets
/// <c>UseSharedCompilation=false</c>: a new compiler process per build) and with the compiler server on.
/// Each is restored and built once untimed with the compiler server on (the server is then running with
/// the generator and analyzers loaded, and the referenced projects are up to date), then for each run:
/// <c>bin/</c> and <c>obj/Release/</c> are deleted and <c>dotnet build -c Release --no-restore -nodeReuse:false</c>
/// is timed, the variants alternating, first with the environment's compiler setting, then with the server on.
/// </summary>
internal static class BuildCost
{
    public const int Rules = 100;

    public static BuildCostResult Measure(bool quick, string repositoryRoot)
    {
        // Quick mode: one timed build each (a check; the full run takes the median of five).
        var runs = quick ? 1 : 5;
        var root = Directory.CreateTempSubdirectory("flowsdk-buildcost-");
        try
        {
            var source = GeneratorBenchmarks.FlowSource(Rules);
            var with = Write(root, "WithGenerator", source, $"""  <Import Project="{Path.Combine(repositoryRoot, "build", "FlowSdk.Local.props")}" />""");
            var without = Write(root, "WithoutGenerator", source, $"""
                  <ItemGroup>
                    <ProjectReference Include="{Path.Combine(repositoryRoot, "src", "FlowSdk", "FlowSdk.csproj")}" />
                  </ItemGroup>
                """);

            var generators = Path.Combine(repositoryRoot, "generators", "FlowSdk.Generators", "bin", "Release", "netstandard2.0", "FlowSdk.Generators.dll");
            var analyzers = Path.Combine(repositoryRoot, "analyzers", "FlowSdk.Analyzers", "bin", "Release", "netstandard2.0", "FlowSdk.Analyzers.dll");
            var codeFixes = Path.Combine(repositoryRoot, "analyzers", "FlowSdk.CodeFixes", "bin", "Release", "netstandard2.0", "FlowSdk.CodeFixes.dll");
            var assemblies = Write(root, "WithAssemblies", source, $"""
                  <ItemGroup>
                    <ProjectReference Include="{Path.Combine(repositoryRoot, "src", "FlowSdk", "FlowSdk.csproj")}" />
                    <Analyzer Include="{generators}" />
                    <Analyzer Include="{analyzers}" />
                    <Analyzer Include="{codeFixes}" />
                    <CompilerVisibleProperty Include="FlowSdk_GenerateEntryPoint" />
                    <CompilerVisibleProperty Include="FlowSdk_EmitManifest" />
                  </ItemGroup>
                  <Import Project="{Path.Combine(repositoryRoot, "build", "FlowSdk.Serialization.targets")}" />
                """);

            // The "with" project builds the generator and analyzers first, so the assemblies exist when "with, as assemblies" is built.
            foreach (var project in new[] { with, without, assemblies })
            {
                // Restores, builds the referenced projects if needed and starts the compiler server: untimed.
                Dotnet(project, "build", "-c", "Release", "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=true");
            }

            foreach (var project in new[] { with, assemblies })
            {
                if (!File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "Flows.dll")) || !HasGeneratedFlow(project))
                {
                    throw new InvalidOperationException($"The project {Path.GetFileName(project)} did not build its flow.");
                }
            }

            // Times per (project, compiler server on).
            var times = new Dictionary<(string Project, bool Shared), List<double>>();
            for (var r = 0; r < runs; r++)
            {
                string[] order = r % 2 == 0 ? [with, without, assemblies] : [assemblies, without, with];
                foreach (var shared in new[] { false, true })
                {
                    foreach (var project in order)
                    {
                        var seconds = CleanBuild(project, shared);
                        (times.TryGetValue((project, shared), out var list) ? list : times[(project, shared)] = []).Add(seconds);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// clean build {r + 1}/{runs} {Path.GetFileName(project)}{(shared ? ", compiler server" : "")}: {seconds:F2} s"));
                    }
                }
            }

            var environment = Environment.GetEnvironmentVariable("UseSharedCompilation") ?? "(not set)";
            return new BuildCostResult(Median(times[(with, false)]), Median(times[(without, false)]), runs,
                $"{Rules} rules and message types, {runs} clean builds per variant, alternating, median; compiler as the environment sets it (UseSharedCompilation={environment})",
                Median(times[(assemblies, false)]), Median(times[(with, true)]), Median(times[(without, true)]), Median(times[(assemblies, true)]));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string Write(DirectoryInfo root, string name, string source, string reference)
    {
        var folder = Path.Combine(root.FullName, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Flows.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AssemblyName>Flows</AssemblyName>
              </PropertyGroup>
            {reference}
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Flow.cs"), source);
        return folder;
    }

    /// <summary>Whether the built assembly carries the flow the generator writes (its manifest attribute).</summary>
    private static bool HasGeneratedFlow(string project)
    {
        var bytes = File.ReadAllBytes(Path.Combine(project, "bin", "Release", "net10.0", "Flows.dll"));
        var marker = "FlowSdk.Manifest"u8;
        return bytes.AsSpan().IndexOf(marker) >= 0;
    }

    private static double CleanBuild(string project, bool sharedCompilation)
    {
        foreach (var folder in new[] { Path.Combine(project, "bin"), Path.Combine(project, "obj", "Release") })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var watch = Stopwatch.StartNew();
        if (sharedCompilation)
        {
            // The compiler server stays up between builds (it was started by an earlier build), as it does for a user.
            Dotnet(project, "build", "-c", "Release", "--no-restore", "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=true");
        }
        else
        {
            Dotnet(project, "build", "-c", "Release", "--no-restore", "-nologo", "-v:q", "-nodeReuse:false");
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static void Dotnet(string project, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(Path.Combine(project, "Flows.csproj"));
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed in {project} ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
