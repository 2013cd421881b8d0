using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Leader;
using Dca.Metadata;
using Dca.Telemetry;

namespace Dca.Api;

/// <summary>Assembles the status report and the self-metrics from the running components.</summary>
internal sealed class AgentStatus(KubernetesClient client, SnapshotHolder holder, MetadataService metadata, ClusterIdentity clusterId, HealthRegistry health, LeaderElector elector, LeadershipHolder leadership, IServiceProvider services)
{
    private static readonly string[] GenerationNames =
        ["generation=\"gen0\"", "generation=\"gen1\"", "generation=\"gen2\"", "generation=\"loh\"", "generation=\"poh\""];

    public StatusReport Report()
    {
        var snapshot = holder.Current;
        var apiServer = health.Report();
        var apiError = apiServer.Unhealthy.FirstOrDefault(u => u.StartsWith("apiserver", StringComparison.Ordinal));
        return new StatusReport
        {
            Version = AgentProgram.ProductVersion,
            ApiServer = client.Endpoint.ShownServer,
            ApiServerHealthy = apiServer.Healthy.Contains("apiserver"),
            ApiServerError = apiError,
            ClusterId = clusterId.Id,
            EndpointsSource = metadata.EndpointsSource,
            Leadership = DescribeLeadership(),
            Informers = [.. metadata.Informers.Select(i => new InformerStatus(i.Name, i.Reflector.State.ToString(), i.Reflector.HasSynced,
                i.Reflector.IsHealthy, i.Reflector.ObjectCount, i.Reflector.ResourceVersion, i.Reflector.Relists,
                i.Reflector.WatchRestarts, i.Reflector.Errors, i.Reflector.LastError))],
            Snapshot = new SnapshotStatus(snapshot.Synced, snapshot.Generation, Age(snapshot),
                metadata.Builder?.LastBuildDuration.TotalMilliseconds ?? 0, snapshot.Nodes.Count, snapshot.Namespaces.Count,
                snapshot.Nodes.Values.Sum(n => n.PodCount)),
            ClusterChecks = ClusterChecksReport(),
        };
    }

    private ClusterChecksStatus? ClusterChecksReport()
    {
        if (services.GetService<ClusterChecks.ClusterCheckDispatcher>() is not { } dispatcher || services.GetService<ClusterChecks.ClusterCheckSources>() is not { } sources)
        {
            return null;
        }
        var d = dispatcher.Summary();
        return new ClusterChecksStatus(d.Leading, d.WarmUp, d.Nodes, d.Configs, d.Dangling, d.EndpointsConfigs, [.. sources.Problems.Select(p => p.ToString())]);
    }

    private string DescribeLeadership()
    {
        var current = leadership.Current;
        if (!elector.Settings.Enabled)
        {
            return "leader (election disabled: DD_LEADER_ELECTION=false)";
        }
        var state = current.State switch
        {
            LeaderState.Leader => $"leader since {current.Since:u} (term {current.Term})",
            LeaderState.Follower => $"follower of {current.Holder}",
            _ => "unknown" + (elector.LastError is { } e ? ": " + e : " (electing)"),
        };
        return $"{state}; {elector.Settings.Identity} via {elector.LockDescription}";
    }

    private double Age(ClusterSnapshot snapshot) =>
        snapshot.Generation == 0 ? 0 : (client.TimeProvider.GetUtcNow() - snapshot.BuiltAt).TotalSeconds;

    public void Collect(MetricsWriter w)
    {
        foreach (var (name, reflector) in metadata.Informers)
        {
            var labels = $"resource=\"{name}\"";
            w.Gauge("dca_informer_objects", "Objects held per informer.", reflector.ObjectCount, labels);
            w.Gauge("dca_informer_synced", "1 once the informer has listed.", reflector.HasSynced ? 1 : 0, labels);
            w.Counter("dca_informer_relists_total", "Full lists (first sync and relists after 410 Gone).", reflector.Relists, labels);
            w.Counter("dca_informer_watch_restarts_total", "Watches reopened.", reflector.WatchRestarts, labels);
            w.Counter("dca_informer_errors_total", "List or watch failures.", reflector.Errors, labels);
            w.Counter("dca_informer_events_total", "Watch events received.", reflector.EventsReceived, labels);
        }
        var snapshot = holder.Current;
        w.Gauge("dca_snapshot_age_seconds", "Time since the current snapshot was published.", Age(snapshot));
        w.Gauge("dca_snapshot_generation", "Snapshots published.", snapshot.Generation);
        w.Gauge("dca_snapshot_build_seconds", "Time the last snapshot build took.", metadata.Builder?.LastBuildDuration.TotalSeconds ?? 0);
        w.Gauge("dca_snapshot_nodes", "Nodes in the snapshot.", snapshot.Nodes.Count);
        w.Counter("dca_snapshot_bodies_serialized_total", "Per-node and per-namespace bodies serialized.", metadata.Builder?.BodiesSerialized ?? 0);
        metadata.Builder?.VisibilityDelay.Write(w.Raw("dca_snapshot_visibility_delay_seconds",
            "Time from a watch event's arrival to the publication of the snapshot that shows it.", "histogram"),
            "dca_snapshot_visibility_delay_seconds", "");
        if (services.GetService<ClusterChecks.ClusterCheckDispatcher>() is { } dispatcher && services.GetService<ClusterChecks.ClusterCheckSources>() is { } sources)
        {
            var d = dispatcher.Summary();
            w.Gauge("dca_cluster_checks_configs", "Cluster-check configurations known (placed or not).", d.Configs);
            w.Gauge("dca_cluster_checks_dangling", "Cluster-check configurations on no node agent.", d.Dangling);
            w.Gauge("dca_cluster_checks_nodes", "Node agents sending cluster-check heartbeats to this leader.", d.Nodes);
            w.Gauge("dca_cluster_checks_endpoints_configs", "Endpoints-check configurations (one per checked pod endpoint).", d.EndpointsConfigs);
            w.Gauge("dca_cluster_checks_config_problems", "Check annotations and files that could not be used.", sources.Problems.Count);
            w.Counter("dca_cluster_checks_config_problems_reported_total", "Distinct configuration problems logged.", sources.ProblemsReported);
            w.Counter("dca_cluster_checks_resolve_errors_total", "Resolutions of the sources that failed on an unexpected error (retried).", sources.Errors);
            foreach (var (name, reflector) in sources.Informers)
            {
                var labels = $"resource=\"{name}\"";
                w.Gauge("dca_informer_objects", "Objects held per informer.", reflector.ObjectCount, labels);
                w.Counter("dca_informer_errors_total", "List or watch failures.", reflector.Errors, labels);
            }
        }
        if (services.GetService<ExternalMetrics.AgentSeriesStore>() is { } store)
        {
            w.Gauge("dca_external_metrics_series", "Series held for external metrics (the latest point of each series node agents push).", store.SeriesCount);
            w.Counter("dca_external_metrics_points_accepted_total", "Points node agents pushed that were kept.", store.Accepted);
            w.Counter("dca_external_metrics_series_dropped_total", "Points of new series dropped because the store was full.", store.Dropped);
        }
        if (services.GetService<ExternalMetrics.DatadogQueryClient>() is { } datadog)
        {
            w.Counter("dca_external_metrics_datadog_requests_total", "Requests to the Datadog query API.", datadog.Requests);
            w.Counter("dca_external_metrics_datadog_failures_total", "Requests to the Datadog query API that failed (unreachable, refused, rate limited, unreadable).", datadog.Failures);
        }
        if (services.GetService<ExternalMetrics.DatadogBackend>() is { } backend)
        {
            w.Gauge("dca_external_metrics_datadog_queries", "Datadog queries from metric names the leader refreshes.", backend.QueryCount);
        }
        if (services.GetService<ExternalMetrics.DatadogMetricController>() is { } datadogMetrics)
        {
            w.Gauge("dca_informer_objects", "Objects held per informer.", datadogMetrics.Reflector.ObjectCount, "resource=\"datadogmetrics\"");
            w.Counter("dca_informer_errors_total", "List or watch failures.", datadogMetrics.Reflector.Errors, "resource=\"datadogmetrics\"");
            w.Counter("dca_external_metrics_datadogmetric_status_writes_total", "DatadogMetric statuses written by the leader.", datadogMetrics.Writes);
            w.Counter("dca_external_metrics_datadogmetric_status_write_errors_total", "DatadogMetric status writes that failed (retried next period).", datadogMetrics.WriteErrors);
        }
        w.Gauge("dca_leader_election_is_leader", "1 while this replica is the leader (or election is disabled).", leadership.Current.IsLeader ? 1 : 0);
        w.Counter("dca_leader_election_transitions_total", "Times this replica became leader.", elector.Transitions);
        w.Counter("dca_leader_election_errors_total", "Failed reads or writes of the leader lock.", elector.Errors);
        if (services.GetService<Events.EventCollector>() is { } events)
        {
            w.Counter("dca_events_collected_total", "Kubernetes events delivered by event collection.", events.Collected);
            w.Counter("dca_events_runs_total", "Event collection runs completed.", events.Runs);
            w.Counter("dca_events_errors_total", "Event collection runs that failed (retried next run).", events.Errors);
        }
        if (services.GetService<Protocol.Intake.IIntakeSink>() is Protocol.Intake.DatadogIntakeSink sink)
        {
            w.Counter("dca_intake_sent_total", "Items (events, service checks) the intake accepted.", sink.Sent);
            w.Counter("dca_intake_dropped_total", "Service checks dropped because too many were waiting.", sink.Dropped);
            w.Counter("dca_intake_retries_total", "Intake requests retried.", sink.Retries);
            w.Counter("dca_intake_failures_total", "Intake sends given up.", sink.Failures);
        }
        w.Counter("dca_tls_idle_buffers_released_total", "TLS connections whose OpenSSL record buffers are freed while idle (SSL_MODE_RELEASE_BUFFERS). Where the runtime does not allow it, the first TLS connection logs why and this stays 0.", IdleTlsBuffers.Released);
        var gc = GC.GetGCMemoryInfo();
        w.Gauge("dca_process_resident_bytes", "Resident set size of the process.", Environment.WorkingSet);
        if (Dca.Hosting.WorkingSetTrimmer.NativeHeap() is { } native)
        {
            w.Gauge("dca_native_heap_bytes", "The native heap (glibc): bytes allocated (OpenSSL, zlib, the runtime) and bytes free inside it, whose pages come back into the resident size as they are reused.", native.Allocated, "state=\"allocated\"");
            w.Gauge("dca_native_heap_bytes", "", native.Free, "state=\"free\"");
        }
        w.Gauge("dca_gc_heap_size_bytes", "Managed heap size after the last collection.", gc.HeapSizeBytes);
        w.Gauge("dca_gc_committed_bytes", "Memory committed by the garbage collector.", gc.TotalCommittedBytes);
        w.Gauge("dca_gc_fragmented_bytes", "Free space inside the managed heap.", gc.FragmentedBytes);
        w.Gauge("dca_gc_pause_percent", "Share of time spent paused in garbage collection.", gc.PauseTimePercentage);
        w.Gauge("dca_gc_live_bytes_after_full_collection", "Bytes that survived the last full (gen2) collection: the live managed data, without the sawtooth of garbage between collections.", LiveAfterFullCollection());
        var generations = gc.GenerationInfo;
        for (var i = 0; i < generations.Length && i < GenerationNames.Length; i++)
        {
            w.Gauge("dca_gc_generation_size_bytes", "Size of each generation after the last collection.", generations[i].SizeAfterBytes, GenerationNames[i]);
        }
        for (var i = 0; i <= GC.MaxGeneration; i++)
        {
            w.Counter("dca_gc_collections_total", "Garbage collections of each generation (a gen2 collection counts in gen0 and gen1 too).", GC.CollectionCount(i), GenerationNames[i]);
        }
        w.Counter("dca_gc_allocated_bytes_total", "Bytes allocated on the managed heap since start.", GC.GetTotalAllocatedBytes());
    }

    /// <summary>What the most recent full collection, blocking or background, kept (its promoted bytes are every survivor).</summary>
    private static long LiveAfterFullCollection()
    {
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        return (blocking.Index >= background.Index ? blocking : background).PromotedBytes;
    }
}
