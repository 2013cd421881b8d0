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

/// <summary>
/// Posts, for each change of an endpoints object, the nodes it references and the nodes whose
/// memberships it actually changed. A slice update that replaces one pod dirties that pod's node
/// only, not every node the slice spans, so a change re-serializes a handful of bodies.
/// </summary>
internal sealed class EndpointsHandler(SnapshotBuilder builder, string informer) : IReflectorHandler<EndpointMembers>
{
    private readonly MembershipDiff _diff = new();

    public void OnAdded(EndpointMembers item) => Post(item.Key, null, item);

    public void OnUpdated(EndpointMembers previous, EndpointMembers current) => Post(current.Key, previous, current);

    public void OnDeleted(EndpointMembers item) => Post(item.Key, item, null);

    public void OnSynced() => builder.Post(new MetadataChange.Synced(informer));

    private void Post(string key, EndpointMembers? previous, EndpointMembers? current)
    {
        if (_diff.Compute(previous, current) is { } change)
        {
            builder.Post(new MetadataChange.EndpointsChanged(key, change.Referenced, change.Unreferenced, change.Dirty));
        }
    }
}

/// <summary>A handler that only reports the first sync (services: counted, not served).</summary>
internal sealed class SyncOnlyHandler<T>(SnapshotBuilder builder, string informer) : IReflectorHandler<T>
    where T : class, IStoredObject
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
