using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace FlowSdk.Build;

/// <summary>
/// Reads the flow manifest from an assembly file with System.Reflection.Metadata: the assembly is
/// never loaded, so neither MSBuild nor the IDE holds on to it, and any target framework is fine.
/// </summary>
internal static class ManifestReader
{
    /// <summary>The key of the <c>AssemblyMetadata</c> attribute the generator writes.</summary>
    public const string Key = "FlowSdk.Manifest";

    /// <summary>The manifest's JSON, or <see langword="null"/> when the file is not a .NET assembly or carries none.</summary>
    /// <param name="path">The assembly file.</param>
    public static string? ReadJson(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return ReadJson(stream);
    }

    /// <summary>The manifest's JSON, or <see langword="null"/> when the stream is not a .NET assembly or carries none.</summary>
    /// <param name="stream">The assembly image; left open.</param>
    public static string? ReadJson(Stream stream)
    {
        try
        {
            using var pe = new PEReader(stream, PEStreamOptions.LeaveOpen);
            if (!pe.HasMetadata)
            {
                return null;
            }

            var metadata = pe.GetMetadataReader();
            if (!metadata.IsAssembly)
            {
                return null;
            }

            foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
            {
                var attribute = metadata.GetCustomAttribute(handle);
                if (!IsAssemblyMetadataAttribute(metadata, attribute.Constructor))
                {
                    continue;
                }

                // The value blob: prolog 0x0001, then the constructor's two string arguments (key, value).
                var blob = metadata.GetBlobReader(attribute.Value);
                if (blob.Length < 2 || blob.ReadUInt16() != 1)
                {
                    continue;
                }

                if (blob.ReadSerializedString() == Key)
                {
                    return blob.ReadSerializedString();
                }
            }

            return null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>Reads and parses the manifest; <see langword="null"/> when there is none.</summary>
    /// <param name="path">The assembly file.</param>
    /// <exception cref="FormatException">The assembly carries a manifest this version cannot read.</exception>
    public static FlowManifest? Read(string path) => ReadJson(path) is { } json ? FlowManifest.Parse(json, path) : null;

    private static bool IsAssemblyMetadataAttribute(MetadataReader metadata, EntityHandle constructor)
    {
        EntityHandle type;
        switch (constructor.Kind)
        {
            case HandleKind.MemberReference:
                type = metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent;
                break;
            case HandleKind.MethodDefinition:
                type = metadata.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
                break;
            default:
                return false;
        }

        return type.Kind switch
        {
            HandleKind.TypeReference => Is(metadata, metadata.GetTypeReference((TypeReferenceHandle)type).Namespace, metadata.GetTypeReference((TypeReferenceHandle)type).Name),
            HandleKind.TypeDefinition => Is(metadata, metadata.GetTypeDefinition((TypeDefinitionHandle)type).Namespace, metadata.GetTypeDefinition((TypeDefinitionHandle)type).Name),
            _ => false,
        };
    }

    private static bool Is(MetadataReader metadata, StringHandle ns, StringHandle name) =>
        metadata.StringComparer.Equals(ns, "System.Reflection") && metadata.StringComparer.Equals(name, "AssemblyMetadataAttribute");
}
