using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Metadata;

/// <summary>Posts node and namespace changes that matter to the API (labels, annotations, uid) to the builder.</summary>
internal sealed class ObjectMetadataHandler(SnapshotBuilder builder, string informer, bool isNode) : IReflectorHandler<PartialObjectMetadata>
{
    public void OnAdded(PartialObjectMetadata item) => Post(item.Metadata.Name);

    public void OnUpdated(PartialObjectMetadata previous, PartialObjectMetadata current)
    {
        // Node status heartbeats change the resourceVersion but not what we serve: skip them.
        if (!SameMetadata(previous.Metadata, current.Metadata))
        {
            Post(current.Metadata.Name);
        }
    }

    public void OnDeleted(PartialObjectMetadata item) => Post(item.Metadata.Name);

    public void OnSynced() => builder.Post(new MetadataChange.Synced(informer));

    private void Post(string name) =>
        builder.Post(isNode ? new MetadataChange.NodeChanged(name) : new MetadataChange.NamespaceChanged(name));

    internal static bool SameMetadata(ObjectMeta a, ObjectMeta b) =>
        a.Uid == b.Uid && SameMap(a.Labels, b.Labels) && SameMap(a.Annotations, b.Annotations);

    private static bool SameMap(Dictionary<string, string>? a, Dictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        foreach (var (key, value) in a ?? [])
        {
            if (b is null || !b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>Posts which nodes an endpoints object touched before and after each change.</summary>
internal sealed class EndpointsHandler<T>(SnapshotBuilder builder, string informer, Func<T?, IReadOnlyList<string>> nodesOf) : IReflectorHandler<T>
    where T : class, IKubernetesObject
{
    public void OnAdded(T item) => Post(item.Metadata.Key, [], nodesOf(item));

    public void OnUpdated(T previous, T current) => Post(current.Metadata.Key, nodesOf(previous), nodesOf(current));

    public void OnDeleted(T item) => Post(item.Metadata.Key, nodesOf(item), []);

    public void OnSynced() => builder.Post(new MetadataChange.Synced(informer));

    private void Post(string key, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        if (before.Count > 0 || after.Count > 0)
        {
            builder.Post(new MetadataChange.EndpointsChanged(key, before, after));
        }
    }
}

/// <summary>A handler that only reports the first sync (services: counted, not served).</summary>
internal sealed class SyncOnlyHandler<T>(SnapshotBuilder builder, string informer) : IReflectorHandler<T>
    where T : class, IKubernetesObject
{
    public void OnAdded(T item)
    {
    }

    public void OnUpdated(T previous, T current)
    {
    }

    public void OnDeleted(T item)
    {
    }

    public void OnSynced() => builder.Post(new MetadataChange.Synced(informer));
}
