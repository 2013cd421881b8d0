using System.Text.Json.Serialization.Metadata;

namespace Dca.Kubernetes.Models;

/// <summary>
/// Where a resource lives in the API (group, version, plural, scope) and how its JSON is read.
/// <see cref="MetadataOnly"/> asks the server for the <c>PartialObjectMetadata</c> representation.
/// </summary>
public sealed class ResourceKind<T> where T : class, IKubernetesObject
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Plural { get; init; }

    public required bool Namespaced { get; init; }

    public bool MetadataOnly { get; init; }

    public required JsonTypeInfo<T> ItemType { get; init; }

    public required JsonTypeInfo<KubeList<T>> ListType { get; init; }

    /// <summary>The Accept header: plain JSON, or the metadata-only representation.</summary>
    public string Accept(bool list) => MetadataOnly
        ? $"application/json;as={(list ? "PartialObjectMetadataList" : "PartialObjectMetadata")};g=meta.k8s.io;v=v1"
        : "application/json";

    /// <summary>Group and plural for messages, e.g. <c>pods</c> or <c>leases.coordination.k8s.io</c>.</summary>
    public string DisplayName => Group.Length == 0 ? Plural : Plural + "." + Group;

    public string CollectionPath(string? ns)
    {
        var prefix = Group.Length == 0 ? "/api/" + Version : "/apis/" + Group + "/" + Version;
        return Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{prefix}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}"
            : $"{prefix}/{Plural}";
    }

    public string ObjectPath(string? ns, string name) => CollectionPath(ns) + "/" + Uri.EscapeDataString(name);
}
