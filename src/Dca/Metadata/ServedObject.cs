using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Metadata;

/// <summary>
/// What the metadata service keeps of a node or a namespace: its key and version, and the bodies the API
/// serves for it, serialized once when its watch event arrives. The snapshot shares these bodies: labels are
/// held once, as the UTF-8 JSON that is served, not also as a dictionary of UTF-16 strings in the informer's
/// store (at 5,000 nodes of ~20 labels the dictionaries cost ~4 MB; and a node's bodies were serialized again
/// each time one of its pods changed). Bodies are kept as <see cref="StoredBody.Pack"/> leaves them (gzip when
/// that saves a quarter), so comparing two versions compares their stored bytes: equal JSON packs to equal bytes.
/// </summary>
internal sealed class ServedObject<T>(string key, ulong version, T served) : IStoredObject
    where T : class
{
    public string Key { get; } = key;

    public ulong Version { get; } = version;

    /// <summary>The served bodies.</summary>
    public T Served { get; } = served;
}

/// <summary>Builds the served bodies of nodes and namespaces and tells whether two versions serve the same.</summary>
internal static class ServedObjects
{
    /// <summary>A node: its labels, the host-alias annotations among its annotations, and its uid.</summary>
    public static ServedObject<NodeMetadataBodies> Node(PartialObjectMetadata node, IReadOnlySet<string> hostAliasAnnotations)
    {
        var meta = node.Metadata;
        var annotations = meta.Annotations?.Where(a => hostAliasAnnotations.Contains(a.Key));
        return new(meta.Key, StoredVersion.Of(meta.ResourceVersion), new NodeMetadataBodies(
            StoredBody.Pack(MetadataBodies.StringMap(meta.Labels)),
            StoredBody.Pack(MetadataBodies.StringMap(annotations)),
            MetadataBodies.Uid(meta.Uid),
            meta.Uid));
    }

    /// <summary>A namespace: its labels, and its metadata as Datadog's entity (labels, annotations, uid).</summary>
    public static ServedObject<NamespaceEntry> Namespace(PartialObjectMetadata ns)
    {
        var meta = ns.Metadata;
        return new(meta.Key, StoredVersion.Of(meta.ResourceVersion), new NamespaceEntry(
            StoredBody.Pack(MetadataBodies.StringMap(meta.Labels)),
            StoredBody.Pack(MetadataBodies.NamespaceMetadata(meta.Name, meta.Uid, meta.Labels, meta.Annotations)),
            meta.Uid));
    }

    /// <summary>
    /// Whether two versions of a node serve the same bodies. Node status heartbeats change the resourceVersion
    /// every few seconds and nothing served: they must not re-serialize anything.
    /// </summary>
    public static bool Same(NodeMetadataBodies a, NodeMetadataBodies b) =>
        a.Uid == b.Uid && a.LabelsBody.AsSpan().SequenceEqual(b.LabelsBody) && a.AnnotationsBody.AsSpan().SequenceEqual(b.AnnotationsBody);

    /// <summary>Whether two versions of a namespace serve the same bodies.</summary>
    public static bool Same(NamespaceEntry a, NamespaceEntry b) =>
        a.Uid == b.Uid && a.LabelsBody.AsSpan().SequenceEqual(b.LabelsBody) && a.MetadataBody.AsSpan().SequenceEqual(b.MetadataBody);
}
