namespace Dca.ExternalMetrics;

/// <summary>
/// The embedded backend: the latest point of every series node agents push to the cluster agent
/// (<c>POST /api/v2/series</c>), kept per metric name and series (host and tags), at most
/// <see cref="MaxSeries"/> series (new ones beyond that are dropped and counted). A query averages, across
/// every matching series, the latest points no older than the maximum age: so an HPA can scale on what the
/// kubelets report, with no service outside the cluster. One lock; a query scans one metric's series.
/// </summary>
public sealed class AgentSeriesStore(TimeProvider time, TimeSpan maxAge, int maxSeries = AgentSeriesStore.DefaultMaxSeries) : IMetricsBackend
{
    public bool LeaderOnly => true;

    public Task<MetricAnswer> QueryAsync(string metric, MetricSelector selector, CancellationToken cancellationToken) => Task.FromResult(Query(metric, selector));

    public const int DefaultMaxSeries = 200_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<SeriesKey, Point>> _metrics = new(StringComparer.OrdinalIgnoreCase);
    // Tags repeat across series (a pod's cpu and memory, a deployment's pods): each distinct tag is held once.
    private Dictionary<string, string> _interned = new(StringComparer.Ordinal);
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
        lock (_lock)
        {
            // At the bound only known series are updated: their tags are in the pool already, so nothing new goes in.
            var full = _series >= maxSeries;
            var all = new string[tags.Count + (host.Length > 0 ? 1 : 0)];
            for (var i = 0; i < tags.Count; i++)
            {
                all[i] = full ? tags[i] : Intern(tags[i]);
            }
            if (host.Length > 0)
            {
                all[^1] = full ? "host:" + host : Intern("host:" + host);
            }
            Array.Sort(all, StringComparer.Ordinal);
            var key = new SeriesKey(all);
            if (!_metrics.TryGetValue(metric, out var series))
            {
                _metrics[metric] = series = new Dictionary<SeriesKey, Point>();
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
                series[key] = new Point(timestamp, value);
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
            foreach (var (key, point) in series)
            {
                if (!selector.Matches(key.Tags))
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
            if (removed > 0)
            {
                // The pool keeps only the tags of the series that remain.
                _interned = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var tag in _metrics.Values.SelectMany(s => s.Keys).SelectMany(k => k.Tags))
                {
                    _interned.TryAdd(tag, tag);
                }
            }
        }
        return removed;
    }

    private string Intern(string tag)
    {
        if (_interned.TryGetValue(tag, out var held))
        {
            return held;
        }
        _interned[tag] = tag;
        return tag;
    }

    private sealed record Point(long Timestamp, double Value);

    /// <summary>A series' identity: its sorted, interned tags (the host as <c>host:&lt;name&gt;</c>), hashed once.</summary>
    private readonly struct SeriesKey : IEquatable<SeriesKey>
    {
        private readonly int _hash;

        public SeriesKey(string[] tags)
        {
            Tags = tags;
            var hash = new HashCode();
            foreach (var tag in tags)
            {
                hash.Add(tag, StringComparer.Ordinal);
            }
            _hash = hash.ToHashCode();
        }

        public string[] Tags { get; }

        public bool Equals(SeriesKey other)
        {
            if (_hash != other._hash || Tags.Length != other.Tags.Length)
            {
                return false;
            }
            for (var i = 0; i < Tags.Length; i++)
            {
                // Interned: the same tag is the same string, so the reference check settles most comparisons.
                if (!ReferenceEquals(Tags[i], other.Tags[i]) && !string.Equals(Tags[i], other.Tags[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is SeriesKey other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
