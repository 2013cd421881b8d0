namespace Dca.Sim.Store;

/// <summary>
/// The bounded, ordered record of recent changes across all resources (the simulator's etcd
/// history). Watches replay from it; once an event falls off the front, its resourceVersion
/// becomes the compaction point and anything older answers 410 Expired. Used under the store's lock.
/// </summary>
internal sealed class WatchHistory(int capacity)
{
    private readonly WatchEvent[] _ring = new WatchEvent[Math.Max(1, capacity)];
    private int _start;
    private int _count;

    public int Count => _count;

    public int Capacity => _ring.Length;

    /// <summary>Appends an event; returns the resourceVersion of the evicted event, or null.</summary>
    public long? Add(WatchEvent e)
    {
        long? evicted = null;
        if (_count == _ring.Length)
        {
            evicted = _ring[_start].ResourceVersion;
            _ring[_start] = e;
            _start = (_start + 1) % _ring.Length;
        }
        else
        {
            _ring[(_start + _count) % _ring.Length] = e;
            _count++;
        }
        return evicted;
    }

    public void Clear()
    {
        Array.Clear(_ring);
        _start = 0;
        _count = 0;
    }

    /// <summary>The events of <paramref name="type"/> after <paramref name="afterRv"/>, oldest first.</summary>
    public List<WatchEvent> After(ResourceType type, long afterRv)
    {
        var result = new List<WatchEvent>();
        // Binary search for the first event after afterRv: the ring is ordered by resourceVersion.
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (At(mid).ResourceVersion <= afterRv)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        for (var i = lo; i < _count; i++)
        {
            var e = At(i);
            var t = (e.Object ?? e.Previous)!.Type;
            // A custom resource's type is replaced when its CRD changes; its history is still its own.
            if (ReferenceEquals(t, type) || (t.IsCustomResource && type.IsCustomResource && t.SameResource(type)))
            {
                result.Add(e);
            }
        }
        return result;
    }

    private WatchEvent At(int i) => _ring[(_start + i) % _ring.Length];
}
