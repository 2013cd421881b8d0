using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dca.Hosting;
using Dca.Node.Kubelet;
using Dca.Node.Tagging;

namespace Dca.Node.Collection;

/// <summary>
/// Every <c>DD_CHECK_INTERVAL</c>: reads the kubelet's <c>/pods</c> and <c>/stats/summary</c>, tags with the
/// cluster agent's last answer, builds the metrics, publishes them on <c>/metrics</c> and hands them to
/// the <see cref="SeriesShipper"/>. A failed kubelet call is logged once per change of cause, counted by
/// kind, marks the node agent not ready, and the next collection tries again; nothing is fatal.
/// </summary>
internal sealed partial class NodeCollector(
    NodeOptions options,
    KubeletClient kubelet,
    ClusterMetadataSource? metadata,
    SeriesShipper shipper,
    HealthRegistry health,
    TimeProvider time,
    ILogger<NodeCollector> logger) : BackgroundService
{
    /// <summary>How long the first collection waits for the cluster agent's first answer.</summary>
    public static readonly TimeSpan FirstAnswerGrace = TimeSpan.FromSeconds(5);

    private readonly HealthComponent _health = health.Register("kubelet");
    private readonly MetricsBuilder _builder = new(new RateTracker());
    private readonly long[] _errors = new long[Enum.GetValues<KubeletFailure>().Length];
    private KubeletCollection _last = new([], [], 0, 0);
    private long _collections;
    private long _internalErrors;
    private double _lastDuration;
    private int _lastSamples;
    private int _lastPods;
    private string? _lastFailure;
    private bool _trimmed;

    /// <summary>The last collection (rendered for <c>/metrics</c> at each scrape).</summary>
    public KubeletCollection Last => Volatile.Read(ref _last);

    public long Collections => Interlocked.Read(ref _collections);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (metadata is not null)
        {
            _ = Task.Run(() => metadata.RunAsync(stoppingToken), stoppingToken);
            // Give the cluster agent a moment to answer, so the first collection already carries kube_service.
            var grace = TimeSpan.FromTicks(Math.Min(options.Interval.Ticks, FirstAnswerGrace.Ticks));
            try
            {
                await metadata.FirstAnswer.WaitAsync(grace, time, stoppingToken);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        using var timer = new PeriodicTimer(options.Interval, time);
        do
        {
            await CollectOnceAsync(stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task CollectOnceAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var pods = await kubelet.GetPodsAsync(cancellationToken);
            StatsSummary? summary = null;
            try
            {
                summary = await kubelet.GetStatsSummaryAsync(cancellationToken);
            }
            catch (KubeletException e)
            {
                // Pod-list metrics still go out; the stats ones are missing for this collection.
                Failed(e);
            }
            var cluster = metadata?.Current ?? ClusterMetadata.Empty;
            metadata?.SetNamespaces((pods.Items ?? []).Select(p => p?.Metadata?.Namespace).OfType<string>());
            var hostTags = HostTags(cluster);
            var collection = _builder.Build(pods, summary,
                pod => Tagger.Tag(pod, options.Tagging, cluster.Services, ns => cluster.NamespaceLabels.GetValueOrDefault(ns), hostTags),
                hostTags, options.Host, time.GetUtcNow());
            Volatile.Write(ref _last, collection);
            shipper.Enqueue(collection.Samples);
            Interlocked.Increment(ref _collections);
            _lastSamples = collection.Samples.Count;
            _lastPods = collection.Pods;
            if (summary is not null)
            {
                if (_lastFailure is not null)
                {
                    Log.Recovered(logger, kubelet.BaseAddress.ToString());
                }
                _lastFailure = null;
                _health.Healthy();
            }
            if (!_trimmed && options.TrimWorkingSet)
            {
                _trimmed = true;
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var (before, after) = WorkingSetTrimmer.Trim();
                Log.Trimmed(logger, before / 1048576.0, after / 1048576.0);
            }
        }
        catch (KubeletException e)
        {
            Failed(e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A defect or an input we did not foresee: report it and collect again next time, never stop.
            Interlocked.Increment(ref _internalErrors);
            _health.Unhealthy("collection failed: " + e.Message);
            Log.CollectionFailed(logger, e);
        }
        finally
        {
            _lastDuration = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
    }

    private void Failed(KubeletException e)
    {
        Interlocked.Increment(ref _errors[(int)e.Failure]);
        _health.Unhealthy(e.Message);
        if (_lastFailure != e.Message)
        {
            Log.KubeletFailed(logger, e.Message);
        }
        _lastFailure = e.Message;
    }

    /// <summary>Tags for everything from this host: cluster name and node labels (the Datadog agent's host tags).</summary>
    private string[] HostTags(ClusterMetadata cluster)
    {
        List<string> tags = [];
        if (options.Cluster is { } name)
        {
            tags.Add("kube_cluster_name:" + name);
            tags.Add("cluster_name:" + name);
        }
        var labels = cluster.NodeLabels.Select(kv =>
            kv.Key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)
                ? new KeyValuePair<string, string?>("kubernetes.io/role", kv.Key["node-role.kubernetes.io/".Length..])
                : new KeyValuePair<string, string?>(kv.Key, kv.Value));
        options.NodeLabels.Apply(labels, tags, tags);
        return [.. tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The node agent's own metrics, appended to <c>/metrics</c>.</summary>
    public void WriteSelfMetrics(StringBuilder sb)
    {
        sb.Append("# HELP dca_node_collections_total Kubelet collections that produced metrics.\n# TYPE dca_node_collections_total counter\n")
          .Append("dca_node_collections_total ").Append(Collections.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_kubelet_errors_total Failed kubelet requests by cause.\n# TYPE dca_node_kubelet_errors_total counter\n");
        foreach (var failure in Enum.GetValues<KubeletFailure>())
        {
            sb.Append("dca_node_kubelet_errors_total{kind=\"").Append(failure.ToString().ToLowerInvariant()).Append("\"} ")
              .Append(Interlocked.Read(ref _errors[(int)failure]).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        sb.Append("# HELP dca_node_collection_errors_total Collections that failed for a reason other than the kubelet (see the log).\n# TYPE dca_node_collection_errors_total counter\n")
          .Append("dca_node_collection_errors_total ").Append(Interlocked.Read(ref _internalErrors).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_collection_duration_seconds Duration of the last collection.\n# TYPE dca_node_collection_duration_seconds gauge\n")
          .Append("dca_node_collection_duration_seconds ").Append(OpenMetricsWriter.FormatValue(_lastDuration)).Append('\n');
        sb.Append("# HELP dca_node_collection_samples Samples in the last collection.\n# TYPE dca_node_collection_samples gauge\n")
          .Append("dca_node_collection_samples ").Append(_lastSamples.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_pods Pods in the last collection.\n# TYPE dca_node_pods gauge\n")
          .Append("dca_node_pods ").Append(_lastPods.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (metadata is not null)
        {
            sb.Append("# HELP dca_node_cluster_agent_polls_total Successful polls of the cluster agent's metadata.\n# TYPE dca_node_cluster_agent_polls_total counter\n")
              .Append("dca_node_cluster_agent_polls_total ").Append(metadata.Successes.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("# HELP dca_node_cluster_agent_errors_total Failed polls of the cluster agent.\n# TYPE dca_node_cluster_agent_errors_total counter\n")
              .Append("dca_node_cluster_agent_errors_total ").Append(metadata.Errors.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("# HELP dca_node_cluster_agent_last_success_timestamp_seconds Unix time of the last successful poll (0: none).\n# TYPE dca_node_cluster_agent_last_success_timestamp_seconds gauge\n")
              .Append("dca_node_cluster_agent_last_success_timestamp_seconds ").Append(metadata.LastSuccessUnix.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        shipper.WriteSelfMetrics(sb);
        var gc = GC.GetGCMemoryInfo();
        sb.Append("# HELP dca_node_gc_heap_bytes Managed heap size after the last garbage collection.\n# TYPE dca_node_gc_heap_bytes gauge\n")
          .Append("dca_node_gc_heap_bytes ").Append(gc.HeapSizeBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_gc_committed_bytes Memory the garbage collector has committed.\n# TYPE dca_node_gc_committed_bytes gauge\n")
          .Append("dca_node_gc_committed_bytes ").Append(gc.TotalCommittedBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_gc_allocated_bytes_total Bytes allocated on the managed heap.\n# TYPE dca_node_gc_allocated_bytes_total counter\n")
          .Append("dca_node_gc_allocated_bytes_total ").Append(GC.GetTotalAllocatedBytes().ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_gc_collections_total Garbage collections by generation.\n# TYPE dca_node_gc_collections_total counter\n");
        for (var generation = 0; generation <= 2; generation++)
        {
            sb.Append("dca_node_gc_collections_total{generation=\"").Append(generation).Append("\"} ")
              .Append(GC.CollectionCount(generation).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Error, "Kubelet: {Failure}; retrying at the next collection")]
        public static partial void KubeletFailed(ILogger logger, string failure);

        [LoggerMessage(701, LogLevel.Information, "Kubelet at {Address} answering again")]
        public static partial void Recovered(ILogger logger, string address);

        [LoggerMessage(703, LogLevel.Error, "Collection failed; collecting again at the next interval")]
        public static partial void CollectionFailed(ILogger logger, Exception exception);

        [LoggerMessage(702, LogLevel.Information, "Start-up memory released: {Before:F1} -> {After:F1} MB")]
        public static partial void Trimmed(ILogger logger, double before, double after);
    }
}
