using System.Diagnostics;
using System.Globalization;
using System.Security;

namespace FlowSdk.Benchmarks;

/// <summary>
/// What the clean-build measurement found: the median wall-clock seconds of each variant, with the compiler as the
/// environment sets it (<see cref="WithGeneratorSeconds"/>, <see cref="WithoutGeneratorSeconds"/>), with the generator
/// and analyzers referenced as built assemblies instead of projects (<see cref="WithAssembliesSeconds"/>), from the
/// packed FlowSdk package and from the same package without its generator, analyzers and build files
/// (<see cref="PackageSeconds"/>, <see cref="PackageWithoutSeconds"/>: the goal's pair, the way users build), and the
/// same five with the compiler server on (<c>UseSharedCompilation=true</c>, what <c>dotnet build</c> does by default).
/// </summary>
internal sealed record BuildCostResult(
    double WithGeneratorSeconds,
    double WithoutGeneratorSeconds,
    int Runs,
    string Setup,
    double WithAssembliesSeconds,
    double SharedWithGeneratorSeconds,
    double SharedWithoutGeneratorSeconds,
    double SharedWithAssembliesSeconds,
    double PackageSeconds,
    double PackageWithoutSeconds,
    double SharedPackageSeconds,
    double SharedPackageWithoutSeconds,
    double HandWrittenSeconds,
    double SharedHandWrittenSeconds,
    int GeneratedFiles,
    int GeneratedLines,
    int UserLines);

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
/// <item><b>package</b>: the project references the FlowSdk package, packed by build/pack.sh from this repository into a
/// local feed, as a user's project does: the runtime, the generator, analyzers and code fixes as the package's analyzers,
/// and its build files (the CheckFlows task after the compiler). The goal's variant.</item>
/// <item><b>package without</b>: the same package reference without the package's build files and with its analyzers
/// removed before the compiler runs: the same runtime and the same other analyzers (those of the package's
/// dependencies and of the .NET SDK), none of FlowSdk's. The goal's baseline.</item>
/// <item><b>package without, the same code by hand</b>: <b>package without</b> plus the very files the generator
/// wrote for <b>package</b> (taken from an untimed build with <c>EmitCompilerGeneratedFiles</c>), as the project's own
/// sources: the same code compiled, with nothing of FlowSdk's running (no generator, analyzers or build files). Its
/// time against <b>package without</b> is what compiling that code costs; <b>package</b> against it is what
/// FlowSdk's generator, analyzers and task add on top of the code itself.</item>
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

            var (package, packageWithout) = WritePackageProjects(root, source, repositoryRoot);

            // The "with" project builds the generator and analyzers first, so the assemblies exist when "with, as assemblies" is built.
            string[] built = [with, without, assemblies, package, packageWithout];
            foreach (var project in built)
            {
                // Restores, builds the referenced projects if needed and starts the compiler server: untimed.
                Dotnet(project, "build", "-c", "Release", "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=true");
            }

            var (handWritten, generatedFiles, generatedLines) = WriteHandWritten(root, package, packageWithout);
            Dotnet(handWritten, "build", "-c", "Release", "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=true");
            string[] all = [.. built, handWritten];

            if (!File.Exists(Path.Combine(package, "bin", "Release", "net10.0", "flowsdk", "Flows.manifest.json")))
            {
                throw new InvalidOperationException("The package's CheckFlows task did not run in the project that references the package.");
            }

            if (HasGeneratedFlow(packageWithout))
            {
                throw new InvalidOperationException("The project without FlowSdk's analyzers carries a generated flow: its generator ran.");
            }

            if (!HasGeneratedFlow(handWritten) || File.Exists(Path.Combine(handWritten, "bin", "Release", "net10.0", "flowsdk", "Flows.manifest.json")))
            {
                throw new InvalidOperationException("The project with the generated code as its own sources did not build its flow, or FlowSdk's task ran in it.");
            }

            foreach (var project in new[] { with, assemblies, package })
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
                string[] order = r % 2 == 0 ? all : [.. Enumerable.Reverse(all)];
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
                Median(times[(assemblies, false)]), Median(times[(with, true)]), Median(times[(without, true)]), Median(times[(assemblies, true)]),
                Median(times[(package, false)]), Median(times[(packageWithout, false)]), Median(times[(package, true)]), Median(times[(packageWithout, true)]),
                Median(times[(handWritten, false)]), Median(times[(handWritten, true)]), generatedFiles, generatedLines, source.Split('\n').Length);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Packs the FlowSdk package (build/pack.sh --only FlowSdk, a version of its own) into a feed in
    /// <paramref name="root"/> and writes the two projects that reference it. Their packages are restored into a
    /// folder of <paramref name="root"/> (NuGet caches a package version forever), with the machine's global packages
    /// folder as a fallback, so that only FlowSdk is extracted there.
    /// </summary>
    private static (string Package, string PackageWithout) WritePackageProjects(DirectoryInfo root, string source, string repositoryRoot)
    {
        var feed = Path.Combine(root.FullName, "feed");
        var version = "0.0.0-buildcost." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        // Built in a folder of its own (--artifacts-path): nothing is written to the repository's bin/ and obj/.
        Run(repositoryRoot, "bash", Path.Combine(repositoryRoot, "build", "pack.sh"), "--version", version, "--output", feed, "--only", "FlowSdk", "--", "--artifacts-path", Path.Combine(root.FullName, "artifacts"));

        // The machine's enabled sources after the feed (a mirror here, nuget.org elsewhere), and its global packages folder as a fallback.
        var sources = Run(root.FullName, "dotnet", "nuget", "list", "source", "--format", "short")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && parts[0].StartsWith('E'))
            .Select(parts => parts[1]);
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var entries = new[] { feed }.Concat(sources).Select((s, i) => $"    <add key=\"source{i}\" value=\"{SecurityElement.Escape(s)}\" />\n");
        File.WriteAllText(Path.Combine(root.FullName, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{SecurityElement.Escape(Path.Combine(root.FullName, "packages"))}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{SecurityElement.Escape(globalPackages)}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
            {string.Concat(entries)}  </packageSources>
            </configuration>
            """);

        var package = Write(root, "Package", source, $"""
              <ItemGroup>
                <PackageReference Include="FlowSdk" Version="{version}" />
              </ItemGroup>
            """);

        // The runtime of the same package: its build files excluded (no CheckFlows task) and its generator, analyzers and
        // code fixes removed from the compiler's list (ExcludeAssets="analyzers" alone leaves them there: measured, the
        // SDK still passed them to the compiler).
        var packageWithout = Write(root, "PackageWithout", source, $"""
              <ItemGroup>
                <PackageReference Include="FlowSdk" Version="{version}" ExcludeAssets="build;buildTransitive" />
              </ItemGroup>
              <Target Name="RemoveFlowSdkAnalyzers" AfterTargets="ResolveLockFileAnalyzers" BeforeTargets="CoreCompile">
                <ItemGroup>
                  <Analyzer Remove="@(Analyzer)" Condition="'%(Analyzer.NuGetPackageId)' == 'FlowSdk'" />
                </ItemGroup>
              </Target>
            """);
        return (package, packageWithout);
    }

    /// <summary>
    /// Builds <paramref name="package"/> once more (untimed) with <c>EmitCompilerGeneratedFiles</c> and writes
    /// <c>PackageHandWritten</c>: the project file and source of <paramref name="packageWithout"/> plus the generated files
    /// as its own sources (kept as written, header included, so the compiler treats them as the package build does).
    /// Returns the folder, the number of generated files and their lines.
    /// </summary>
    private static (string Folder, int Files, int Lines) WriteHandWritten(DirectoryInfo root, string package, string packageWithout)
    {
        var emitted = Path.Combine(root.FullName, "generated");
        Dotnet(package, "build", "-c", "Release", "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=true", "--no-incremental",
            "-p:EmitCompilerGeneratedFiles=true", "-p:CompilerGeneratedFilesOutputPath=" + emitted);
        var files = Directory.GetFiles(emitted, "*.cs", SearchOption.AllDirectories).Where(f => f.Contains("FlowSdk.Generators", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new InvalidOperationException($"The package build wrote no generated files to {emitted}.");
        }

        var folder = Path.Combine(root.FullName, "PackageHandWritten");
        var code = Directory.CreateDirectory(Path.Combine(folder, "Code")).FullName;
        File.Copy(Path.Combine(packageWithout, "Flows.csproj"), Path.Combine(folder, "Flows.csproj"));
        File.Copy(Path.Combine(packageWithout, "Flow.cs"), Path.Combine(folder, "Flow.cs"));
        var lines = 0;
        foreach (var file in files)
        {
            File.Copy(file, Path.Combine(code, Path.GetFileName(file)));
            lines += File.ReadAllLines(file).Length;
        }

        return (folder, files.Length, lines);
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

    /// <summary>Runs <c>dotnet</c> with the arguments on the project's <c>Flows.csproj</c>; throws if it fails.</summary>
    private static void Dotnet(string project, params string[] arguments) =>
        Run(project, "dotnet", [.. arguments, Path.Combine(project, "Flows.csproj")]);

    /// <summary>Runs a command to its end and returns what it printed; throws if it fails.</summary>
    private static string Run(string directory, string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        return stdout.Result;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
