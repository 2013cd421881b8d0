namespace Dca.Node.Collection;

/// <summary>
/// Turns cumulative counters (CPU nanoseconds, network bytes) into per-second rates the way the Datadog
/// aggregator does: the first sample of a series gives nothing, a counter that went down (the kubelet or
/// the container restarted) gives nothing and becomes the new baseline, two samples with the same
/// timestamp give nothing. Series not seen in a collection are forgotten, so memory follows the pods.
/// </summary>
internal sealed class RateTracker
{
    private readonly Dictionary<(string Metric, string Key), (double Value, double Time, int Generation)> _last = [];
    private int _generation;

    public int Count => _last.Count;

    /// <summary>Counter resets seen (a value lower than the previous one).</summary>
    public long Resets { get; private set; }

    /// <summary>Starts a collection.</summary>
    public void Begin() => _generation++;

    /// <summary>The rate since the previous sample of this series, or null when there is none to give.</summary>
    public double? Sample(string metric, string key, double value, double timeSeconds)
    {
        var id = (metric, key);
        var found = _last.TryGetValue(id, out var previous);
        if (found && timeSeconds == previous.Time)
        {
            _last[id] = previous with { Generation = _generation };
            return null;
        }
        _last[id] = (value, timeSeconds, _generation);
        if (!found || timeSeconds < previous.Time)
        {
            return null;
        }
        if (value < previous.Value)
        {
            Resets++;
            return null;
        }
        return (value - previous.Value) / (timeSeconds - previous.Time);
    }

    /// <summary>Ends a collection: forgets the series it did not sample.</summary>
    public void End()
    {
        List<(string, string)>? stale = null;
        foreach (var (id, entry) in _last)
        {
            if (entry.Generation != _generation)
            {
                (stale ??= []).Add(id);
            }
        }
        foreach (var id in stale ?? [])
        {
            _last.Remove(id);
        }
    }
}
