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
    /// <summary>
    /// A node: its labels, the host-alias annotations among its annotations, and its uid. Given the version stored
    /// before (<paramref name="previous"/>), an unchanged resourceVersion (a relist) returns it as it is, and bodies
    /// equal to the previous ones are the previous instances: a status heartbeat packs nothing, and the snapshot keeps
    /// sharing the stored bodies.
    /// </summary>
    public static ServedObject<NodeMetadataBodies> Node(PartialObjectMetadata node, IReadOnlySet<string> hostAliasAnnotations, ServedObject<NodeMetadataBodies>? previous = null)
    {
        var meta = node.Metadata;
        var version = StoredVersion.Of(meta.ResourceVersion);
        if (previous is not null && previous.Version == version)
        {
            return previous;
        }
        var labels = MetadataBodies.StringMap(meta.Labels);
        var annotations = MetadataBodies.StringMap(meta.Annotations?.Where(a => hostAliasAnnotations.Contains(a.Key)));
        if (previous?.Served is { } p && p.Uid == meta.Uid && StoredBody.SameJson(p.LabelsBody, labels) && StoredBody.SameJson(p.AnnotationsBody, annotations))
        {
            return new(meta.Key, version, p);
        }
        return new(meta.Key, version, new NodeMetadataBodies(StoredBody.Pack(labels), StoredBody.Pack(annotations), MetadataBodies.Uid(meta.Uid), meta.Uid));
    }

    /// <summary>A namespace: its labels, and its metadata as Datadog's entity (labels, annotations, uid); see <see cref="Node"/> for <paramref name="previous"/>.</summary>
    public static ServedObject<NamespaceEntry> Namespace(PartialObjectMetadata ns, ServedObject<NamespaceEntry>? previous = null)
    {
        var meta = ns.Metadata;
        var version = StoredVersion.Of(meta.ResourceVersion);
        if (previous is not null && previous.Version == version)
        {
            return previous;
        }
        var labels = MetadataBodies.StringMap(meta.Labels);
        var metadata = MetadataBodies.NamespaceMetadata(meta.Name, meta.Uid, meta.Labels, meta.Annotations);
        if (previous?.Served is { } p && p.Uid == meta.Uid && StoredBody.SameJson(p.LabelsBody, labels) && StoredBody.SameJson(p.MetadataBody, metadata))
        {
            return new(meta.Key, version, p);
        }
        return new(meta.Key, version, new NamespaceEntry(StoredBody.Pack(labels), StoredBody.Pack(metadata), meta.Uid));
    }

    /// <summary>
    /// Whether two versions of a node serve the same bodies. Node status heartbeats change the resourceVersion
    /// every few seconds and nothing served: they reach the snapshot writer as nothing (and <see cref="Node"/> has
    /// kept the previous bodies for them).
    /// </summary>
    public static bool Same(NodeMetadataBodies a, NodeMetadataBodies b) =>
        ReferenceEquals(a, b) || a.Uid == b.Uid && a.LabelsBody.AsSpan().SequenceEqual(b.LabelsBody) && a.AnnotationsBody.AsSpan().SequenceEqual(b.AnnotationsBody);

    /// <summary>Whether two versions of a namespace serve the same bodies.</summary>
    public static bool Same(NamespaceEntry a, NamespaceEntry b) =>
        ReferenceEquals(a, b) || a.Uid == b.Uid && a.LabelsBody.AsSpan().SequenceEqual(b.LabelsBody) && a.MetadataBody.AsSpan().SequenceEqual(b.MetadataBody);
}
