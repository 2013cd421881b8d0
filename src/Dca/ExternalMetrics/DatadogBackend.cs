using System.Collections.Concurrent;
using System.Globalization;
using Dca.Leader;

namespace Dca.ExternalMetrics;

/// <summary>
/// External metrics from Datadog (<c>DCA_EXTERNAL_METRICS_BACKEND=datadog</c>): a metric name and an HPA's selector
/// become <c>&lt;aggregator&gt;:&lt;metric&gt;{k:v,...}.rollup(&lt;rollup&gt;)</c> (tags sorted, <c>{*}</c> for none, <c>!k:v</c>
/// for <c>k!=v</c>), as Datadog's cluster agent writes them. The queries asked for are remembered, and the leader
/// refreshes all of them in batches every refresh period; answers come from memory. A query never seen before is
/// fetched at once (concurrent askers share the fetch), so the first HPA poll already gets a value. A query nobody
/// asked for in <see cref="DatadogQuerySettings.Forget"/> stops being refreshed. Values older than the max age
/// (at least three rollups) are errors.
/// </summary>
public sealed partial class DatadogBackend(DatadogQueryClient client, TimeSpan maxAge, TimeProvider time, ILogger<DatadogBackend> logger)
    : IMetricsBackend, ILeaderWork
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly DatadogQuerySettings _settings = client.Settings;

    public bool LeaderOnly => true;

    public string Name => "external-metrics-datadog";

    /// <summary>Queries being refreshed.</summary>
    public int QueryCount => _entries.Count;

    /// <summary>Values older than this are errors.</summary>
    public TimeSpan MaxAge => TimeSpan.FromTicks(Math.Max(maxAge.Ticks, TimeSpan.FromSeconds(3 * _settings.RollupSeconds).Ticks));

    public IReadOnlyList<string> MetricNames() => [.. _entries.Values.Select(e => e.Metric).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The Datadog query for a metric name and a selector, or why the selector cannot be one.</summary>
    public static (string? Query, string? Error) Query(string aggregator, int rollupSeconds, string metric, MetricSelector selector)
    {
        var tags = new List<string>();
        foreach (var (key, op, values) in selector.Requirements)
        {
            switch (op)
            {
                case "=":
                    tags.Add(key + ":" + values[0]);
                    break;
                case "!=":
                    tags.Add("!" + key + ":" + values[0]);
                    break;
                default:
                    return (null, $"a Datadog metric query takes k=v and k!=v requirements only, not \"{key} {op}\": use a DatadogMetric for anything else");
            }
        }
        tags.Sort(StringComparer.Ordinal);
        var scope = tags.Count == 0 ? "*" : string.Join(',', tags);
        return (string.Create(CultureInfo.InvariantCulture, $"{aggregator}:{metric}{{{scope}}}.rollup({rollupSeconds})"), null);
    }

    public async Task<MetricAnswer> QueryAsync(string metric, MetricSelector selector, CancellationToken cancellationToken)
    {
        var (query, invalid) = Query(_settings.Aggregator, _settings.RollupSeconds, metric, selector);
        if (query is null)
        {
            return MetricAnswer.Invalid(invalid!);
        }
        if (DatadogQueryClient.Validate(query) is { } why)
        {
            return MetricAnswer.Invalid($"{query}: {why}");
        }
        var entry = _entries.GetOrAdd(query, q => new Entry(metric));
        entry.LastAsked = time.GetTimestamp();
        var point = entry.Point ?? await entry.FirstFetch(() => FetchOneAsync(query)).WaitAsync(cancellationToken);
        return Answer(query, point);
    }

    private MetricAnswer Answer(string query, DatadogPoint point)
    {
        if (!point.IsValid)
        {
            return MetricAnswer.Stale($"{query}: {point.Error}");
        }
        var age = time.GetUtcNow() - point.Timestamp;
        return age > MaxAge
            ? MetricAnswer.Stale(string.Create(CultureInfo.InvariantCulture, $"{query}: the latest value is {age.TotalSeconds:0} s old (max age {MaxAge.TotalSeconds:0} s)"))
            : MetricAnswer.Value(point.Value, point.Timestamp, 1);
    }

    private async Task<DatadogPoint> FetchOneAsync(string query)
    {
        // Not the caller's token: askers that give up must not fail the fetch the others wait on.
        var answer = await client.QueryAsync([query], _settings.Window, CancellationToken.None);
        var point = answer[query];
        _entries.TryGetValue(query, out var entry);
        if (entry is not null)
        {
            entry.Point = point;
        }
        return point;
    }

    /// <summary>The leader's loop: refresh every remembered query each period; forget those nobody asks for.</summary>
    public async Task RunAsync(long term, CancellationToken termToken)
    {
        using var timer = new PeriodicTimer(_settings.RefreshPeriod, time);
        while (await timer.WaitForNextTickAsync(termToken))
        {
            await RefreshAsync(termToken);
        }
    }

    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        foreach (var (query, entry) in _entries)
        {
            if (time.GetElapsedTime(entry.LastAsked, now) > _settings.Forget)
            {
                _entries.TryRemove(query, out _);
                Log.Forgotten(logger, query);
            }
        }
        if (_entries.IsEmpty)
        {
            return;
        }
        try
        {
            var answers = await client.QueryAsync([.. _entries.Keys], _settings.Window, cancellationToken);
            foreach (var (query, point) in answers)
            {
                if (_entries.TryGetValue(query, out var entry))
                {
                    // A failed refresh keeps a still-fresh value: the max age decides when it stops being served.
                    if (point.IsValid || entry.Point is not { IsValid: true } previous || time.GetUtcNow() - previous.Timestamp > MaxAge)
                    {
                        entry.Point = point;
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RefreshFailed(logger, e.Message);
        }
    }

    private sealed class Entry(string metric)
    {
        private readonly Lock _lock = new();
        private Task<DatadogPoint>? _first;
        private volatile StrongBox? _point;

        public string Metric { get; } = metric;

        public long LastAsked { get; set; }

        public DatadogPoint? Point
        {
            get => _point?.Value;
            set => _point = value is { } v ? new StrongBox(v) : null;
        }

        public Task<DatadogPoint> FirstFetch(Func<Task<DatadogPoint>> fetch)
        {
            lock (_lock)
            {
                return _first ??= fetch();
            }
        }

        private sealed record StrongBox(DatadogPoint Value);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "External metric query {Query} is no longer refreshed: no autoscaler asked for it recently")]
        public static partial void Forgotten(ILogger logger, string query);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the Datadog external metrics failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string reason);
    }
}
