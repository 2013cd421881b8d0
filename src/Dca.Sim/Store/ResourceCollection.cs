using System.Collections.Immutable;

namespace Dca.Sim.Store;

/// <summary>
/// The objects of one resource: an immutable sorted list (the current state) and the states after
/// each recent change, so a paged list can be continued at the resourceVersion of its first page
/// (etcd's MVCC read) for as long as the history reaches back. All mutation happens under the
/// store's lock; readers take the current list without locking.
/// </summary>
internal sealed class ResourceCollection(ResourceType type)
{
    private readonly List<(long Rv, ImmutableList<StoredObject> Items)> _versions = [(0, [])];
    private int _head;
    private ImmutableList<StoredObject> _items = [];

    // Pods by spec.nodeName, for the kubelets and for spec.nodeName field selectors at the current version.
    private ImmutableDictionary<string, ImmutableList<StoredObject>> _byNode =
        ImmutableDictionary.Create<string, ImmutableList<StoredObject>>(StringComparer.Ordinal);

    private readonly int _nodeField = type.FieldIndex("spec.nodeName");

    public ResourceType Type { get; } = type;

    public List<WatchSubscription> Watchers { get; } = [];

    public ImmutableList<StoredObject> Items => Volatile.Read(ref _items);

    public bool HasNodeIndex => _nodeField >= 0;

    public ImmutableList<StoredObject> OnNode(string node) =>
        Volatile.Read(ref _byNode).TryGetValue(node, out var list) ? list : [];

    /// <summary>The index of the object with this key, or the bitwise complement of where it would go.</summary>
    public static int Find(ImmutableList<StoredObject> items, string ns, string name)
    {
        int lo = 0, hi = items.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = ObjectOrder.Compare(items[mid], ns, name);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    /// <summary>The state at <paramref name="rv"/>; the caller has checked it is not compacted.</summary>
    public ImmutableList<StoredObject> At(long rv)
    {
        for (var i = _versions.Count - 1; i >= _head; i--)
        {
            if (_versions[i].Rv <= rv)
            {
                return _versions[i].Items;
            }
        }
        return _versions[_head].Items;
    }

    /// <summary>Publishes a change: <paramref name="previous"/> replaced by <paramref name="current"/> (either may be null).</summary>
    public void Apply(long rv, StoredObject? previous, StoredObject? current, long compactedRv)
    {
        var items = _items;
        var key = current ?? previous!;
        var index = Find(items, key.Namespace, key.Name);
        items = (index >= 0, current is not null) switch
        {
            (true, true) => items.SetItem(index, current!),
            (true, false) => items.RemoveAt(index),
            (false, true) => items.Insert(~index, current!),
            _ => items,
        };
        Volatile.Write(ref _items, items);
        if (_nodeField >= 0)
        {
            UpdateNodeIndex(previous, current);
        }
        _versions.Add((rv, items));
        Trim(compactedRv);
    }

    /// <summary>Replaces the whole state (initial load).</summary>
    public void Replace(long rv, ImmutableList<StoredObject> items)
    {
        Volatile.Write(ref _items, items);
        _versions.Clear();
        _head = 0;
        _versions.Add((rv, items));
        if (_nodeField >= 0)
        {
            var byNode = items.GroupBy(o => o.FieldAt(_nodeField), StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.ToImmutableList(), StringComparer.Ordinal);
            Volatile.Write(ref _byNode, byNode);
        }
    }

    /// <summary>Drops states no continue token can still ask for (keeping the one in force at <paramref name="compactedRv"/>).</summary>
    public void Trim(long compactedRv)
    {
        while (_versions.Count - _head >= 2 && _versions[_head + 1].Rv <= compactedRv)
        {
            _versions[_head] = default;
            _head++;
        }
        if (_head > 64 && _head > _versions.Count / 2)
        {
            _versions.RemoveRange(0, _head);
            _head = 0;
        }
    }

    private void UpdateNodeIndex(StoredObject? previous, StoredObject? current)
    {
        var byNode = _byNode;
        if (previous is not null)
        {
            var node = previous.FieldAt(_nodeField);
            if (byNode.TryGetValue(node, out var list))
            {
                var i = Find(list, previous.Namespace, previous.Name);
                if (i >= 0)
                {
                    list = list.RemoveAt(i);
                    byNode = list.IsEmpty ? byNode.Remove(node) : byNode.SetItem(node, list);
                }
            }
        }
        if (current is not null)
        {
            var node = current.FieldAt(_nodeField);
            var list = byNode.TryGetValue(node, out var existing) ? existing : [];
            var i = Find(list, current.Namespace, current.Name);
            list = i >= 0 ? list.SetItem(i, current) : list.Insert(~i, current);
            byNode = byNode.SetItem(node, list);
        }
        Volatile.Write(ref _byNode, byNode);
    }
}
