using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Informers;
using Dca.Leader;

namespace Dca.ExternalMetrics;

/// <summary>
/// DatadogMetric resources (<c>DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD=true</c>). Every replica watches them
/// and answers <c>datadogmetric@&lt;ns&gt;:&lt;name&gt;</c> from their status, so followers serve what the leader wrote.
/// The leader queries every DatadogMetric's <c>spec.query</c> in batches each refresh period (and at once when one
/// appears or its query changes), then writes <c>status</c>: <c>currentValue</c> and the conditions Active, Valid,
/// Updated and Error. A value older than <c>spec.maxAge</c> (else the provider's max age) is not valid; a status
/// the leader has not refreshed within that age is an error on every replica.
/// </summary>
public sealed partial class DatadogMetricController : BackgroundService, ILeaderWork, IReflectorHandler<DatadogMetric>
{
    /// <summary>The external metric names that designate a DatadogMetric: <c>datadogmetric@&lt;namespace&gt;:&lt;name&gt;</c>.</summary>
    public const string Prefix = "datadogmetric@";

    private const int ParallelWrites = 8;

    private readonly KubernetesClient _kubernetes;
    private readonly DatadogQueryClient _datadog;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Reflector<DatadogMetric> _reflector;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _writes;
    private long _writeErrors;

    public DatadogMetricController(KubernetesClient kubernetes, DatadogQueryClient datadog, TimeSpan maxAge, TimeProvider time, ILoggerFactory loggers)
    {
        _kubernetes = kubernetes;
        _datadog = datadog;
        _maxAge = maxAge;
        _time = time;
        _logger = loggers.CreateLogger<DatadogMetricController>();
        _reflector = new Reflector<DatadogMetric>(kubernetes, DatadogMetricResource.Kind, new ReflectorOptions(), this, loggers);
    }

    public string Name => "datadogmetrics";

    public IReflector Reflector => _reflector;

    /// <summary>Status writes done, and those that failed (retried next period).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _reflector.RunAsync(stoppingToken);

    /// <summary>The namespace and name in <c>datadogmetric@ns:name</c>, or null when the name is not one.</summary>
    public static (string Namespace, string Name)? Parse(string metric)
    {
        if (!metric.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = metric[Prefix.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < rest.Length - 1 ? (rest[..colon], rest[(colon + 1)..]) : null;
    }

    /// <summary>The value of a DatadogMetric as its status says, or why there is none.</summary>
    public MetricAnswer Answer(string metric)
    {
        if (Parse(metric) is not var (ns, name))
        {
            return MetricAnswer.Invalid($"{metric} is not of the form {Prefix}<namespace>:<name>");
        }
        if (!_reflector.HasSynced)
        {
            return MetricAnswer.Stale("DatadogMetrics are not listed yet" + (_reflector.LastError is { } e ? ": " + e + " (is the datadogmetrics.datadoghq.com CRD installed?)" : ""));
        }
        if (_reflector.Store.Get(ns + "/" + name) is not { } item)
        {
            return MetricAnswer.Unknown($"DatadogMetric {ns}/{name} does not exist");
        }
        var status = item.Status;
        if (status?.Condition(DatadogMetricCondition.Updated) is not { LastUpdateTime: { } updated })
        {
            return MetricAnswer.Stale($"DatadogMetric {ns}/{name} has no value yet: the leader has not queried it");
        }
        var limit = MaxAge(item) + _datadog.Settings.RefreshPeriod;
        var age = _time.GetUtcNow() - updated;
        if (age > limit)
        {
            return MetricAnswer.Stale(string.Create(CultureInfo.InvariantCulture,
                $"DatadogMetric {ns}/{name} was last updated {age.TotalSeconds:0} s ago (more than {limit.TotalSeconds:0} s): is the leader running?"));
        }
        if (status.Condition(DatadogMetricCondition.Valid) is not { IsTrue: true })
        {
            var error = status.Condition(DatadogMetricCondition.Error);
            return MetricAnswer.Stale($"DatadogMetric {ns}/{name} is not valid: {error?.Message ?? error?.Reason ?? "no reason recorded"}");
        }
        return double.TryParse(status.CurrentValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? MetricAnswer.Value(value, updated, 1)
            : MetricAnswer.Stale($"DatadogMetric {ns}/{name} has an unreadable currentValue \"{status.CurrentValue}\"");
    }

    /// <summary>The names HPAs can use, for discovery.</summary>
    public IEnumerable<string> MetricNames() => _reflector.Store.Items.Select(m => Prefix + m.Metadata.Namespace + ":" + m.Metadata.Name);

    private TimeSpan MaxAge(DatadogMetric item) =>
        OptionSource.ParseDuration(item.Spec.MaxAge) is { } d && d > TimeSpan.Zero ? d : _maxAge;

    private TimeSpan Window(DatadogMetric item) =>
        OptionSource.ParseDuration(item.Spec.TimeWindow) is { } d && d > TimeSpan.Zero ? d : _datadog.Settings.Window;

    /// <summary>The leader's loop: refresh now, then every period or as soon as a DatadogMetric appears or changes its query.</summary>
    public async Task RunAsync(long term, CancellationToken termToken)
    {
        while (!termToken.IsCancellationRequested)
        {
            if (_reflector.HasSynced)
            {
                try
                {
                    await RefreshAsync(termToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !termToken.IsCancellationRequested)
                {
                    Log.RefreshFailed(_logger, e.Message);
                }
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(termToken);
            timeout.CancelAfter(_reflector.HasSynced ? _datadog.Settings.RefreshPeriod : TimeSpan.FromSeconds(1));
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!termToken.IsCancellationRequested)
            {
                // The period elapsed.
            }
        }
    }

    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var items = _reflector.Store.Items.ToList();
        if (items.Count == 0)
        {
            return;
        }
        var now = _time.GetUtcNow();
        var answers = new Dictionary<(string, TimeSpan), DatadogPoint>();
        foreach (var group in items.Where(i => DatadogQueryClient.Validate(i.Spec.Query) is null).GroupBy(Window))
        {
            var points = await _datadog.QueryAsync([.. group.Select(i => i.Spec.Query!).Distinct(StringComparer.Ordinal)], group.Key, cancellationToken);
            foreach (var (query, point) in points)
            {
                answers[(query, group.Key)] = point;
            }
        }
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelWrites, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var invalid = DatadogQueryClient.Validate(item.Spec.Query);
            DatadogPoint? point = invalid is null && answers.TryGetValue((item.Spec.Query!, Window(item)), out var p) ? p : null;
            var status = NextStatus(item.Status, point, invalid, MaxAge(item), now);
            try
            {
                var patch = JsonSerializer.SerializeToUtf8Bytes(new DatadogMetricStatusPatch(status), DatadogMetricJsonContext.Default.DatadogMetricStatusPatch);
                await _kubernetes.MergePatchAsync(DatadogMetricResource.Kind, item.Metadata.Namespace, item.Metadata.Name, "status", patch, ct);
                Interlocked.Increment(ref _writes);
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                // Deleted since it was listed.
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                Interlocked.Increment(ref _writeErrors);
                Log.WriteFailed(_logger, item.Metadata.Namespace ?? "", item.Metadata.Name, e.Message);
            }
        });
    }

    /// <summary>The status after a refresh: the new value or the reason there is none, conditions moved as Kubernetes does (transition times change only with the status).</summary>
    internal static DatadogMetricStatus NextStatus(DatadogMetricStatus? previous, DatadogPoint? point, string? invalidQuery, TimeSpan maxAge, DateTimeOffset now)
    {
        now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        string? error = invalidQuery is not null ? "invalid query: " + invalidQuery
            : point is not { } p ? "no answer for this query (see the cluster agent's log)"
            : !p.IsValid ? p.Error
            : now - p.Timestamp > maxAge ? string.Create(CultureInfo.InvariantCulture, $"the latest value is {(now - p.Timestamp).TotalSeconds:0} s old (max age {maxAge.TotalSeconds:0} s)")
            : null;
        var status = new DatadogMetricStatus
        {
            CurrentValue = error is null ? point!.Value.Value.ToString(CultureInfo.InvariantCulture) : previous?.CurrentValue ?? "0",
            AutoscalerReferences = previous?.AutoscalerReferences,
        };
        Set(status, previous, DatadogMetricCondition.Active, true, now, null, null);
        Set(status, previous, DatadogMetricCondition.Valid, error is null, now, null, null);
        Set(status, previous, DatadogMetricCondition.Updated, true, now, null, null);
        Set(status, previous, DatadogMetricCondition.Error, error is not null, now,
            error is null ? null : invalidQuery is not null ? "Invalid query" : "Unable to fetch data from Datadog", error);
        return status;
    }

    private static void Set(DatadogMetricStatus status, DatadogMetricStatus? previous, string type, bool value, DateTimeOffset now, string? reason, string? message)
    {
        var text = value ? "True" : "False";
        var before = previous?.Condition(type);
        status.Conditions.Add(new DatadogMetricCondition
        {
            Type = type,
            Status = text,
            LastUpdateTime = now,
            LastTransitionTime = before is not null && before.Status == text && before.LastTransitionTime is { } t ? t : now,
            Reason = reason,
            Message = message,
        });
    }

    void IReflectorHandler<DatadogMetric>.OnAdded(DatadogMetric item) => _wake.Writer.TryWrite(true);

    void IReflectorHandler<DatadogMetric>.OnUpdated(DatadogMetric previous, DatadogMetric current)
    {
        if (previous.Spec.Query != current.Spec.Query || previous.Spec.TimeWindow != current.Spec.TimeWindow)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    void IReflectorHandler<DatadogMetric>.OnDeleted(DatadogMetric item)
    {
    }

    void IReflectorHandler<DatadogMetric>.OnSynced() => _wake.Writer.TryWrite(true);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing DatadogMetrics failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the status of DatadogMetric {Namespace}/{Name} failed: {Reason}")]
        public static partial void WriteFailed(ILogger logger, string @namespace, string name, string reason);
    }
}
