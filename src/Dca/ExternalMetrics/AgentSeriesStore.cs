namespace Dca.ExternalMetrics;

/// <summary>
/// The embedded backend: the latest point of every series node agents push to the cluster agent
/// (<c>POST /api/v2/series</c>), kept per metric name and series (host and tags), at most
/// <see cref="MaxSeries"/> series (new ones beyond that are dropped and counted). A query averages, across
/// every matching series, the latest points no older than the maximum age: so an HPA can scale on what the
/// kubelets report, with no service outside the cluster. One lock. Each metric keeps an index from tag to series,
/// so a query with an equality requirement (<c>kube_deployment=web</c>) checks only the series carrying that tag
/// instead of scanning all of the metric's series.
/// </summary>
public sealed class AgentSeriesStore(TimeProvider time, TimeSpan maxAge, int maxSeries = AgentSeriesStore.DefaultMaxSeries) : IMetricsBackend
{
    public bool LeaderOnly => true;

    public Task<MetricAnswer> QueryAsync(string metric, MetricSelector selector, CancellationToken cancellationToken) => Task.FromResult(Query(metric, selector));

    public const int DefaultMaxSeries = 200_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, MetricSeries> _metrics = new(StringComparer.OrdinalIgnoreCase);
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

    /// <summary>
    /// The largest magnitude a value may have: the average of any number of held series (at most 2^31) then stays finite,
    /// where two values of 1.7e308 would sum to infinity, which no Kubernetes quantity can express.
    /// </summary>
    public const double MaxMagnitude = 1e298;

    /// <summary>Records one series' latest point (an older point than the one held is ignored, as a value past <see cref="MaxMagnitude"/>).</summary>
    public void Add(string metric, string host, IReadOnlyList<string> tags, long timestamp, double value)
    {
        if (!double.IsFinite(value) || Math.Abs(value) > MaxMagnitude || metric.Length == 0)
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
                _metrics[metric] = series = new MetricSeries();
            }
            if (series.Points.TryGetValue(key, out var held))
            {
                if (held.Timestamp <= timestamp)
                {
                    held.Timestamp = timestamp;
                    held.Value = value;
                }
            }
            else if (_series >= maxSeries)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }
            else
            {
                series.Add(key, new Point(all, timestamp, value));
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
            foreach (var point in series.Candidates(selector))
            {
                if (!selector.Matches(point.Tags))
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

    private int _payloadsInFlight;

    /// <summary>Admits one pushed payload unless <paramref name="limit"/> are being read already (the intake's memory bound).</summary>
    public bool TryBeginPayload(int limit)
    {
        if (Interlocked.Increment(ref _payloadsInFlight) <= limit)
        {
            return true;
        }
        Interlocked.Decrement(ref _payloadsInFlight);
        return false;
    }

    /// <summary>Ends a payload admitted by <see cref="TryBeginPayload"/>.</summary>
    public void EndPayload() => Interlocked.Decrement(ref _payloadsInFlight);

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
                var gone = series.Points.Where(s => s.Value.Timestamp < oldest).Select(s => s.Key).ToList();
                if (gone.Count > 0)
                {
                    series.Remove(gone);
                    removed += gone.Count;
                }
                if (series.Points.Count == 0)
                {
                    _metrics.Remove(name);
                }
            }
            _series -= removed;
            if (removed > 0)
            {
                // The pool keeps only the tags of the series that remain.
                _interned = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var tag in _metrics.Values.SelectMany(s => s.Points.Keys).SelectMany(k => k.Tags))
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

    private sealed class Point(string[] tags, long timestamp, double value)
    {
        /// <summary>The series' tags (its key's), so the tag index can hold points alone.</summary>
        public string[] Tags { get; } = tags;

        public long Timestamp { get; set; } = timestamp;

        public double Value { get; set; } = value;
    }

    /// <summary>
    /// One metric's series, and which of them carry each tag. Most tags are on one series of a metric (a pod's name,
    /// its host's): such a tag's entry holds that series inline, and only tags on several series get a list.
    /// </summary>
    private sealed class MetricSeries
    {
        private readonly Dictionary<string, Posting> _byTag = new(StringComparer.Ordinal);

        public Dictionary<SeriesKey, Point> Points { get; } = [];

        public void Add(SeriesKey key, Point point)
        {
            Points[key] = point;
            Index(point);
        }

        private void Index(Point point)
        {
            foreach (var tag in point.Tags)
            {
                ref var posting = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_byTag, tag, out var exists);
                if (!exists)
                {
                    posting.Single = point;
                }
                else if (posting.Many is { } many)
                {
                    many.Add(point);
                }
                else
                {
                    posting.Many = [posting.Single!, point];
                    posting.Single = null;
                }
            }
        }

        /// <summary>Removes series; the index is rebuilt once (removals are rare: series that stopped reporting).</summary>
        public void Remove(IReadOnlyCollection<SeriesKey> keys)
        {
            foreach (var key in keys)
            {
                Points.Remove(key);
            }
            _byTag.Clear();
            _byTag.TrimExcess();
            foreach (var point in Points.Values)
            {
                Index(point);
            }
        }

        /// <summary>
        /// The series that can match: those carrying the rarest <c>k:v</c> tag an equality requirement needs (a
        /// match has that tag), else all of them. The caller still checks the whole selector.
        /// </summary>
        public IEnumerable<Point> Candidates(MetricSelector selector)
        {
            Posting? smallest = null;
            foreach (var (key, op, values) in selector.Requirements)
            {
                if (op != "=" || values[0].Length == 0)
                {
                    continue;
                }
                if (!_byTag.TryGetValue(key + ":" + values[0], out var posting))
                {
                    return [];
                }
                if (smallest is not { } s || posting.Count < s.Count)
                {
                    smallest = posting;
                }
            }
            return smallest is not { } best ? Points.Values : best.Many is { } many ? many : [best.Single!];
        }

        private struct Posting
        {
            public Point? Single;
            public List<Point>? Many;

            public readonly int Count => Many?.Count ?? 1;
        }
    }

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
