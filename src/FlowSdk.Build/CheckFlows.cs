using System.Text;
using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace FlowSdk.Build;

/// <summary>
/// Checks the flows of a built assembly against the flows and messages of the assemblies it
/// references, and writes the assembly's manifest and the graphs of the whole set. Reads the flow
/// manifests the FlowSdk generator embeds (<c>[assembly: AssemblyMetadata("FlowSdk.Manifest", json)]</c>)
/// without loading any assembly. Issues are logged with FLOW02xx codes at the declaration to fix;
/// see docs/msbuild.md.
/// </summary>
public sealed class CheckFlows : Microsoft.Build.Utilities.Task
{
    /// <summary>The assembly just compiled (<c>@(IntermediateAssembly)</c>).</summary>
    [Required]
    public ITaskItem? Assembly { get; set; }

    /// <summary>The assemblies it references (<c>@(ReferencePath)</c>); framework reference assemblies are skipped.</summary>
    public ITaskItem[] References { get; set; } = [];

    /// <summary>The folder the manifest and graphs are written to (<c>$(FlowSdk_OutputPath)</c>).</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    /// <summary>Whether to report ports no flow of the set connects (FLOW0201, FLOW0202).</summary>
    public bool CheckPortConnections { get; set; } = true;

    /// <summary>Whether to write the graphs.</summary>
    public bool WriteGraphs { get; set; } = true;

    /// <summary>The graph formats, separated by <c>;</c> or <c>,</c>: <c>mermaid</c> (.mmd) and <c>dot</c> (.dot).</summary>
    public string GraphFormats { get; set; } = "mermaid;dot";

    /// <summary>
    /// A file written when the task succeeds and deleted when it logs an error: the target's
    /// <c>Outputs</c>, so a no-op build skips the task and a failed one runs it again.
    /// </summary>
    public string? StampFile { get; set; }

    /// <summary>The files the task wrote, for <c>FileWrites</c> (clean).</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; private set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        var written = new List<string>();
        var path = Assembly!.GetMetadata("FullPath");
        FlowManifest? current;
        try
        {
            current = ManifestReader.Read(path);
        }
        catch (FormatException e)
        {
            Report(new FlowIssue(FlowCodes.UnreadableManifest, IsError: true, $"The flow manifest of '{Path.GetFileName(path)}' cannot be read: {e.Message}.", new SourcePosition(path, 0, 0)));
            return Finish(written);
        }

        if (current is null)
        {
            Log.LogMessage(MessageImportance.Low, "FlowSdk: {0} carries no flow manifest (no flows or messages, or FlowSdk_EmitManifest is false); nothing to check.", Path.GetFileName(path));
            return Finish(written);
        }

        var referenced = ReadReferences(path);
        foreach (var issue in FlowChecks.Run(current, referenced, CheckPortConnections))
        {
            Report(issue);
        }

        var name = Path.GetFileNameWithoutExtension(path);
        var directory = Path.GetFullPath(OutputDirectory);
        Directory.CreateDirectory(directory);
        written.Add(Write(Path.Combine(directory, name + ".manifest.json"), Indent(current.Json)));
        if (WriteGraphs)
        {
            List<FlowManifest> set = [current, .. referenced];
            foreach (var format in GraphFormats.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!FlowGraphs.Extensions.TryGetValue(format, out var extension))
                {
                    Log.LogWarning(null, FlowCodes.UnreadableManifest, null, FlowCodes.HelpLink(FlowCodes.UnreadableManifest), null, 0, 0, 0, 0, "{0}", $"FlowSdk_GraphFormats: '{format}' is not a graph format; use mermaid, dot or both.");
                    continue;
                }

                written.Add(Write(Path.Combine(directory, name + ".flows" + extension), FlowGraphs.Render(set, format)));
            }
        }

        Log.LogMessage(
            MessageImportance.Normal,
            "FlowSdk: checked {0} flow(s) of {1} against {2} referenced manifest(s); manifest and graphs in {3}",
            current.Flows.Count,
            current.Assembly,
            referenced.Count,
            directory);
        return Finish(written);
    }

    private List<FlowManifest> ReadReferences(string self)
    {
        var manifests = new List<FlowManifest>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { self };
        foreach (var reference in References)
        {
            // Targeting packs carry no manifests; skipping them keeps the task quick.
            var file = reference.GetMetadata("FullPath");
            if (!string.IsNullOrEmpty(reference.GetMetadata("FrameworkReferenceName")) || !seen.Add(file) || !File.Exists(file))
            {
                continue;
            }

            try
            {
                if (ManifestReader.Read(file) is { } manifest)
                {
                    manifests.Add(manifest);
                }
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Report(new FlowIssue(FlowCodes.UnreadableManifest, IsError: false, $"The flow manifest of referenced assembly '{Path.GetFileName(file)}' cannot be read, so its flows are left out of the checks and graphs: {e.Message}.", new SourcePosition(file, 0, 0)));
            }
        }

        return [.. manifests.OrderBy(m => m.Assembly, StringComparer.Ordinal).ThenBy(m => m.Path, StringComparer.Ordinal)];
    }

    private void Report(FlowIssue issue)
    {
        // The message goes in as an argument: it holds braces that are not format items.
        if (issue.IsError)
        {
            Log.LogError(null, issue.Code, null, issue.HelpLink, issue.Location.File, issue.Location.Line, issue.Location.Column, 0, 0, "{0}", issue.Message);
        }
        else
        {
            Log.LogWarning(null, issue.Code, null, issue.HelpLink, issue.Location.File, issue.Location.Line, issue.Location.Column, 0, 0, "{0}", issue.Message);
        }
    }

    private bool Finish(List<string> written)
    {
        if (!string.IsNullOrEmpty(StampFile))
        {
            var stamp = Path.GetFullPath(StampFile);
            if (Log.HasLoggedErrors)
            {
                File.Delete(stamp);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(stamp)!);
                written.Add(Write(stamp, string.Join("\n", written) + "\n"));
            }
        }

        WrittenFiles = [.. written.Select(f => new TaskItem(f))];
        return !Log.HasLoggedErrors;
    }

    private static string Write(string file, string text)
    {
        File.WriteAllText(file, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return file;
    }

    /// <summary>The manifest as the generator wrote it, indented for people; member order is kept.</summary>
    internal static string Indent(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
