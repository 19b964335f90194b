using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Abstractions;

namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated files with the baselines checked in under <c>Baselines/&lt;case&gt;/&lt;hint name&gt;.txt</c>.
/// Baselines change only on request: run the tests with <c>FLOWSDK_UPDATE_BASELINES=1</c> to rewrite them
/// from what the generator writes now, then review the change like any other.
/// </summary>
internal static class Baselines
{
    public const string UpdateVariable = "FLOWSDK_UPDATE_BASELINES";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>Compares the generated files (those <paramref name="include"/> accepts by hint name, or all) with the case's baselines.</summary>
    public static void Verify(string caseName, GeneratorOutput output, ITestOutputHelper log, Func<string, bool>? include = null)
    {
        var folder = RepoPaths.Baselines(caseName);
        var generated = output.Sources
            .Where(s => include is null || include(s.HintName))
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.NotEmpty(generated);
        var existing = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.txt").ToDictionary(path => Path.GetFileName(path)!, path => Normalize(File.ReadAllText(path)), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

        if (Updating)
        {
            // On CI the baselines are the reference, never something to rewrite.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{UpdateVariable}=1 is ignored on CI: update the baselines locally and commit them.");
            Update(folder, generated, existing, log);
            return;
        }

        var failures = new StringBuilder();
        foreach (var (name, actual) in generated.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!existing.TryGetValue(name, out var expected))
            {
                failures.AppendLine($"New generated file {name}: it has no baseline in {folder}.");
            }
            else if (expected != actual)
            {
                failures.AppendLine($"{name} differs from its baseline (- baseline, + generated):");
                failures.AppendLine(Diff(expected, actual));
            }
        }

        foreach (var name in existing.Keys.Where(n => !generated.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal))
        {
            failures.AppendLine($"Baseline {name} has no generated file: the generator no longer writes it.");
        }

        if (failures.Length > 0)
        {
            failures.AppendLine($"If the change is intended, run the tests with {UpdateVariable}=1 and review the baselines' diff.");
            Assert.Fail(failures.ToString());
        }
    }

    /// <summary>A line diff with three lines of context around each change and line numbers of both sides.</summary>
    public static string Diff(string expected, string actual)
    {
        var lines = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false).Lines;
        var result = new StringBuilder();
        const int context = 3;
        var lastPrinted = -1;
        int oldLine = 0, newLine = 0;
        var numbers = new (int Old, int New)[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type != ChangeType.Inserted)
            {
                oldLine++;
            }

            if (lines[i].Type != ChangeType.Deleted)
            {
                newLine++;
            }

            numbers[i] = (oldLine, newLine);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type == ChangeType.Unchanged)
            {
                continue;
            }

            var from = Math.Max(Math.Max(0, i - context), lastPrinted + 1);
            if (from > lastPrinted + 1 || lastPrinted < 0)
            {
                result.AppendLine($"@@ baseline line {numbers[from].Old}, generated line {numbers[from].New} @@");
            }

            for (var j = from; j <= i; j++)
            {
                result.AppendLine(Render(lines[j]));
            }

            lastPrinted = i;
            for (var j = i + 1; j < lines.Count && j <= i + context && lines[j].Type == ChangeType.Unchanged; j++)
            {
                result.AppendLine(Render(lines[j]));
                lastPrinted = j;
            }
        }

        return result.ToString();
    }

    private static string Render(DiffPiece line) => line.Type switch
    {
        ChangeType.Deleted => "- " + line.Text,
        ChangeType.Inserted => "+ " + line.Text,
        _ => "  " + line.Text,
    };

    private static void Update(string folder, Dictionary<string, string> generated, Dictionary<string, string> existing, ITestOutputHelper log)
    {
        Directory.CreateDirectory(folder);
        var changed = new List<string>();
        foreach (var (name, text) in generated)
        {
            if (!existing.TryGetValue(name, out var old) || old != text)
            {
                File.WriteAllText(Path.Combine(folder, name), text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                changed.Add(name);
            }
        }

        foreach (var name in existing.Keys.Where(n => !generated.ContainsKey(n)))
        {
            File.Delete(Path.Combine(folder, name));
            changed.Add(name + " (deleted)");
        }

        log.WriteLine(changed.Count == 0
            ? $"{UpdateVariable}=1: the baselines in {folder} were already up to date."
            : $"{UpdateVariable}=1: updated baselines in {folder}: {string.Join(", ", changed.OrderBy(n => n, StringComparer.Ordinal))}.");
    }

    // Git may check a baseline out with CRLF line endings despite .gitattributes; the generator writes LF,
    // and what it writes is compared as it is, so a change of its line endings shows.
    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
