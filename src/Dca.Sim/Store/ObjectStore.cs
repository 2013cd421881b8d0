using System.Collections.Immutable;

namespace Dca.Sim.Store;

/// <summary>
/// The simulator's etcd and watch cache in one: objects of every resource as JSON bytes, one
/// cluster-wide resourceVersion, a bounded history for watches and consistent paged lists, and
/// optimistic concurrency. Writes are serialised by one lock (the rate is what a control plane
/// sees, not what a kubelet fleet reads); reads take immutable snapshots.
/// </summary>
public sealed partial class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceType, ResourceCollection> _collections = [];
    private readonly WatchHistory _history;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private long _rv;
    private long _compactedRv;

    /// <summary>Creates a store with the built-in resources.</summary>
    /// <param name="historyCapacity">How many changes the watch history keeps before compacting (default 50,000).</param>
    /// <param name="time">The clock for creationTimestamp.</param>
    /// <param name="seed">Seeds uid and generateName suffixes, for repeatable runs.</param>
    public ObjectStore(int historyCapacity = 50_000, TimeProvider? time = null, int seed = 1)
    {
        _history = new WatchHistory(historyCapacity);
        _time = time ?? TimeProvider.System;
        _random = new Random(seed);
        foreach (var type in ResourceTypes.All)
        {
            _collections[type] = new ResourceCollection(type);
        }
    }

    /// <summary>The current (last committed) resourceVersion.</summary>
    public long ResourceVersion => Volatile.Read(ref _rv);

    /// <summary>The oldest resourceVersion a watch or a continued list can still start from.</summary>
    public long CompactedResourceVersion => Volatile.Read(ref _compactedRv);

    /// <summary>How many changes the history keeps.</summary>
    public int HistoryCapacity => _history.Capacity;

    /// <summary>The resources served.</summary>
    public IReadOnlyList<ResourceType> Types
    {
        get
        {
            lock (_lock)
            {
                return [.. _collections.Keys];
            }
        }
    }

    /// <summary>Adds a resource (a custom resource, say) to the store.</summary>
    public void Register(ResourceType type)
    {
        lock (_lock)
        {
            _collections.TryAdd(type, new ResourceCollection(type));
        }
    }

    /// <summary>The resource served at <paramref name="group"/>/<paramref name="version"/>/<paramref name="plural"/>, or null.</summary>
    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_lock)
        {
            foreach (var type in _collections.Keys)
            {
                if (type.Group == group && type.Version == version && type.Plural == plural)
                {
                    return type;
                }
            }
        }
        return null;
    }

    /// <summary>The current objects of a resource, in key order.</summary>
    public IReadOnlyList<StoredObject> Objects(ResourceType type) => Collection(type).Items;

    /// <summary>The current objects of a resource and the resourceVersion they are consistent with.</summary>
    public (IReadOnlyList<StoredObject> Items, long ResourceVersion) Snapshot(ResourceType type)
    {
        var collection = Collection(type);
        lock (_lock)
        {
            return (collection.Items, _rv);
        }
    }

    /// <summary>The current pods bound to a node (an index kept for the kubelets).</summary>
    public IReadOnlyList<StoredObject> PodsOnNode(string node) => Collection(ResourceTypes.Pods).OnNode(node);

    /// <summary>The number of current objects of a resource.</summary>
    public int Count(ResourceType type) => Collection(type).Items.Count;

    /// <summary>One object, or null.</summary>
    public StoredObject? Get(ResourceType type, string ns, string name)
    {
        var items = Collection(type).Items;
        var i = ResourceCollection.Find(items, type.Namespaced ? ns : "", name);
        return i >= 0 ? items[i] : null;
    }

    /// <summary>
    /// Forgets the whole history: every resourceVersion before now answers 410 Expired to watches and
    /// continued lists, as after an etcd compaction.
    /// </summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            Volatile.Write(ref _compactedRv, _rv);
            foreach (var collection in _collections.Values)
            {
                collection.Trim(_rv);
            }
        }
    }

    internal ResourceCollection Collection(ResourceType type)
    {
        lock (_lock)
        {
            if (_collections.TryGetValue(type, out var c))
            {
                return c;
            }
            // A custom resource whose CRD was deleted (or changed) while the request was on its way.
            throw type.IsCustomResource
                ? new StatusException(404, "NotFound", "the server could not find the requested resource")
                : new ArgumentException($"resource {type} is not registered", nameof(type));
        }
    }

    /// <summary>Reserves <paramref name="count"/> consecutive resourceVersions for a bulk <see cref="Load"/>; returns the first.</summary>
    public long ReserveResourceVersions(int count)
    {
        lock (_lock)
        {
            var first = _rv + 1;
            Volatile.Write(ref _rv, _rv + count);
            return first;
        }
    }

    /// <summary>
    /// Replaces a resource's objects wholesale (the scenario's initial load; objects carry their
    /// reserved resourceVersions). No watch events are produced: the history starts after the load.
    /// </summary>
    public void Load(ResourceType type, IEnumerable<StoredObject> objects)
    {
        var builder = ImmutableList.CreateBuilder<StoredObject>();
        builder.AddRange(objects.OrderBy(o => o, ObjectOrder.Instance));
        var items = builder.ToImmutable();
        var collection = Collection(type);
        lock (_lock)
        {
            collection.Replace(_rv, items);
            Volatile.Write(ref _compactedRv, Math.Max(_compactedRv, _rv));
        }
    }
}
