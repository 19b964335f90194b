using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using FlowSdk.Packaging.Tests.Infrastructure;

namespace FlowSdk.Packaging.Tests;

/// <summary>
/// The symbol packages build/pack.sh makes beside the packages (the fixture's one pack): each holds the
/// portable pdb of its dll, the pdb maps its documents to the repository at the commit packed
/// (SourceLink), and the build is deterministic, so its paths are the /_/ of the source root, not the
/// folder the pack ran in.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class SymbolPackageTests(PackageFixture package)
{
    /// <summary>The kind of the SourceLink custom debug information (Portable PDB format).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static TheoryData<string> Packages => new() { "FlowSdk", "FlowSdk.Hosting", "FlowSdk.Nats", "FlowSdk.Sqlite", "FlowSdk.Dashboard", "FlowSdk.Testing" };

    [Theory]
    [MemberData(nameof(Packages))]
    public void The_symbols_package_holds_a_pdb_with_SourceLink_to_the_repository_and_deterministic_paths(string id)
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.Output);
        var dll = Entry(package.PathOf(id), $"lib/net10.0/{id}.dll");
        var pdb = Entry(package.PathOf(id, symbols: true), $"lib/net10.0/{id}.pdb");

        // The dll: built deterministically, and its pdb is the one in the symbols package.
        using var pe = new PEReader(new MemoryStream(dll));
        var debug = pe.ReadDebugDirectory();
        Assert.Contains(debug, e => e.Type == DebugDirectoryEntryType.Reproducible);
        var codeView = pe.ReadCodeViewDebugDirectoryData(Assert.Single(debug, e => e.Type == DebugDirectoryEntryType.CodeView));

        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        var reader = provider.GetMetadataReader();
        Assert.Equal(codeView.Guid, new BlobContentId(reader.DebugMetadataHeader!.Id).Guid);

        // SourceLink: "/_/*" goes to the raw files of the repository at the commit packed.
        var sourceLink = reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition)
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => reader.GetBlobBytes(c.Value))
            .SingleOrDefault();
        Assert.True(sourceLink is not null, $"{id}.pdb has no SourceLink information");
        using var json = JsonDocument.Parse(sourceLink);
        var target = json.RootElement.GetProperty("documents").GetProperty("/_/*").GetString();
        Assert.Matches("^https://raw\\.githubusercontent\\.com/example/flowsdk/[0-9a-f]{40}/\\*$", target);

        // Deterministic paths: the repository's sources are under /_/, and no document names the checkout.
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.Contains(documents, d => d.StartsWith($"/_/src/{id}/", StringComparison.Ordinal));
        var root = DotNet.RepositoryRoot.TrimEnd('/') + "/";
        Assert.DoesNotContain(documents, d => d.StartsWith(root, StringComparison.Ordinal));
    }

    private static byte[] Entry(string package, string name)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"{Path.GetFileName(package)} has no {name}: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var stream = new MemoryStream();
        using (var input = entry.Open())
        {
            input.CopyTo(stream);
        }

        return stream.ToArray();
    }
}
