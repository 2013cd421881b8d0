using Dca.Kubernetes.Informers;

namespace Dca.Metadata;

/// <summary>
/// Posts node or namespace changes that matter to the API (labels, host-alias annotations, uid: what
/// <see cref="ServedObject{T}"/> serves) to the builder.
/// </summary>
internal sealed class ServedObjectHandler<T>(SnapshotBuilder builder, string informer, Func<string, MetadataChange> changed, Func<T, T, bool> same)
    : IReflectorHandler<ServedObject<T>>
    where T : class
{
    public void OnAdded(ServedObject<T> item) => builder.Post(changed(item.Key));

    public void OnUpdated(ServedObject<T> previous, ServedObject<T> current)
    {
        // Node status heartbeats change the resourceVersion but not what we serve: skip them.
        if (!same(previous.Served, current.Served))
        {
            builder.Post(changed(current.Key));
        }
    }

    public void OnDeleted(ServedObject<T> item) => builder.Post(changed(item.Key));

    public void OnSynced() => builder.Post(new MetadataChange.Synced(informer));
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
