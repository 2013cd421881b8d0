namespace Dca.ExternalMetrics;

/// <summary>
/// The embedded backend: the latest point of every series node agents push to the cluster agent
/// (<c>POST /api/v2/series</c>), kept per metric name and series (host and tags), at most
/// <see cref="MaxSeries"/> series (new ones beyond that are dropped and counted). A query averages, across
/// every matching series, the latest points no older than the maximum age: so an HPA can scale on what the
/// kubelets report, with no service outside the cluster. One lock; a query scans one metric's series.
/// </summary>
public sealed class AgentSeriesStore(TimeProvider time, TimeSpan maxAge, int maxSeries = AgentSeriesStore.DefaultMaxSeries)
{
    public const int DefaultMaxSeries = 200_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, Point>> _metrics = new(StringComparer.OrdinalIgnoreCase);
    private int _series;
    private long _dropped;
    private long _accepted;

    public int MaxSeries => maxSeries;

    public int SeriesCount
    {
        get
        {
            lock (_lock)
            {
                return _series;
            }
        }
    }

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records one series' latest point (an older point than the one held is ignored).</summary>
    public void Add(string metric, string host, IReadOnlyList<string> tags, long timestamp, double value)
    {
        if (!double.IsFinite(value) || metric.Length == 0)
        {
            return;
        }
        var key = host + "\n" + string.Join(',', tags.Order(StringComparer.Ordinal));
        lock (_lock)
        {
            if (!_metrics.TryGetValue(metric, out var series))
            {
                _metrics[metric] = series = new Dictionary<string, Point>(StringComparer.Ordinal);
            }
            if (series.TryGetValue(key, out var held))
            {
                if (held.Timestamp <= timestamp)
                {
                    series[key] = held with { Timestamp = timestamp, Value = value };
                }
            }
            else if (_series >= maxSeries)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }
            else
            {
                series[key] = new Point(MetricSelector.Labels(tags.Append("host:" + host)), timestamp, value);
                _series++;
            }
        }
        Interlocked.Increment(ref _accepted);
    }

    /// <summary>The metric names held, for discovery.</summary>
    public IReadOnlyList<string> MetricNames()
    {
        lock (_lock)
        {
            return [.. _metrics.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The average of the matching series' latest points, or why there is none.</summary>
    public MetricAnswer Query(string metric, MetricSelector selector)
    {
        var oldest = time.GetUtcNow().ToUnixTimeSeconds() - (long)maxAge.TotalSeconds;
        lock (_lock)
        {
            if (!_metrics.TryGetValue(metric, out var series))
            {
                return MetricAnswer.Unknown($"no node agent has reported {metric}");
            }
            double sum = 0;
            var count = 0;
            var stale = 0;
            long newest = 0;
            foreach (var point in series.Values)
            {
                if (!selector.Matches(point.Labels))
                {
                    continue;
                }
                if (point.Timestamp < oldest)
                {
                    stale++;
                    continue;
                }
                sum += point.Value;
                count++;
                newest = Math.Max(newest, point.Timestamp);
            }
            if (count > 0)
            {
                return MetricAnswer.Value(sum / count, DateTimeOffset.FromUnixTimeSeconds(newest), count);
            }
            return stale > 0
                ? MetricAnswer.Stale($"{metric}: the {stale} matching series are older than {maxAge.TotalSeconds:0} s (are the node agents reporting?)")
                : MetricAnswer.Unknown($"no series of {metric} matches the selector");
        }
    }

    private long _lastPrune = time.GetTimestamp();

    /// <summary><see cref="Prune"/>, at most once a minute (called on intake).</summary>
    public void PruneIfDue()
    {
        var last = Interlocked.Read(ref _lastPrune);
        if (time.GetElapsedTime(last) >= TimeSpan.FromMinutes(1) && Interlocked.CompareExchange(ref _lastPrune, time.GetTimestamp(), last) == last)
        {
            Prune();
        }
    }

    /// <summary>Forgets series not updated for ten times the maximum age (pods and nodes that went away).</summary>
    public int Prune()
    {
        var oldest = time.GetUtcNow().ToUnixTimeSeconds() - (long)(maxAge.TotalSeconds * 10);
        var removed = 0;
        lock (_lock)
        {
            foreach (var (name, series) in _metrics.ToList())
            {
                foreach (var key in series.Where(s => s.Value.Timestamp < oldest).Select(s => s.Key).ToList())
                {
                    series.Remove(key);
                    removed++;
                }
                if (series.Count == 0)
                {
                    _metrics.Remove(name);
                }
            }
            _series -= removed;
        }
        return removed;
    }

    private sealed record Point(IReadOnlyDictionary<string, string> Labels, long Timestamp, double Value);
}
