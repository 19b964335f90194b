using System.Diagnostics;
using System.Text.RegularExpressions;
using FlowSdk.Serialization.Tests.Infrastructure;

namespace FlowSdk.Serialization.Tests;

/// <summary>
/// samples/AotSerialization, published with Native AOT: the publish reports no trim or AOT warning
/// (nothing on FlowSdk's serialization path reaches reflection or MessagePack's dynamic code), and the
/// native program reads back what it wrote, with the same bytes as under the JIT. About a minute and a
/// half on two cores; set FLOWSDK_SKIP_AOT_TESTS=1 to leave it out of a quick local run.
/// </summary>
public sealed partial class AotPublishTests
{
    [Fact]
    public async Task The_sample_publishes_with_Native_AOT_without_warnings_and_runs_like_the_JIT_build()
    {
        if (Environment.GetEnvironmentVariable("FLOWSDK_SKIP_AOT_TESTS") == "1")
        {
            return;
        }

        Assert.True(Processes.OnPath("gcc") || Processes.OnPath("clang"), "Native AOT links with gcc or clang; neither is on PATH (apt-get install -y gcc).");
        var sample = Path.Combine(Processes.RepositoryRoot, "samples", "AotSerialization");
        var output = Directory.CreateTempSubdirectory("flowsdk-aot-");
        try
        {
            var clock = Stopwatch.StartNew();
            // Its own artifacts folder: the publish builds the runtime and the Roslyn components there, and
            // never touches the repository's bin/ and obj/, which other test assemblies are running from.
            var artifacts = Path.Combine(output.FullName, "artifacts");
            var native = Path.Combine(output.FullName, "native");
            var publish = await Processes.RunAsync("dotnet", ["publish", sample, "-c", "Release", "-r", "linux-x64", "--artifacts-path", artifacts, "-o", native, "-nologo"], timeout: TimeSpan.FromMinutes(8));
            var publishTime = clock.Elapsed;

            publish.AssertSucceeded("dotnet publish");
            var warnings = TrimOrAotWarning().Matches(publish.Output).Select(m => m.Value).Distinct().ToList();
            Assert.True(warnings.Count == 0, $"The publish reported trim or AOT warnings:{Environment.NewLine}{string.Join(Environment.NewLine, warnings)}");
            Assert.Contains("Generating native code", publish.Output, StringComparison.Ordinal);

            var nativeRun = (await Processes.RunAsync(Path.Combine(native, "AotSerialization"), [], timeout: TimeSpan.FromMinutes(1))).AssertSucceeded("the native sample");
            var jitRun = (await Processes.RunAsync("dotnet", [Path.Combine(artifacts, "bin", "AotSerialization", "release_linux-x64", "AotSerialization.dll")], timeout: TimeSpan.FromMinutes(1))).AssertSucceeded("the JIT sample");

            Assert.Contains("round trip: ok", nativeRun.Output, StringComparison.Ordinal);
            Assert.Matches(@"state: \d+ bytes, sha256 [0-9a-f]{64}", nativeRun.Output);
            Assert.Equal(jitRun.Output, nativeRun.Output);
            Assert.True(publishTime < TimeSpan.FromMinutes(8), $"The publish took {publishTime}.");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"(warning|error) IL[23]\d{3}[^\r\n]*")]
    private static partial Regex TrimOrAotWarning();
}
