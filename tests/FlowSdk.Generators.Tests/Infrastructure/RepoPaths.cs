using System.Runtime.CompilerServices;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>Where things are in the repository: tests read the sample's sources and the baselines from the source tree.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The repository root: the folder that holds FlowSdk.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>This test project's folder in the source tree.</summary>
    public static string TestProject => Path.Combine(Root, "tests", "FlowSdk.Generators.Tests");

    /// <summary>The folder of one case's baselines.</summary>
    public static string Baselines(string caseName) => Path.Combine(TestProject, "Baselines", caseName);

    /// <summary>A file of the PlanReview sample.</summary>
    public static string Sample(string file) => Path.Combine(Root, "samples", "PlanReview", file);

    private static string FindRoot()
    {
        // From the test's output folder first; from this source file's folder when the output lives elsewhere.
        foreach (var start in new[] { AppContext.BaseDirectory, ThisFileDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FlowSdk.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"FlowSdk.sln was not found above '{AppContext.BaseDirectory}' or '{ThisFileDirectory()}'.");
    }

    private static string ThisFileDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}
