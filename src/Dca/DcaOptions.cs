using Dca.Hosting;
using Dca.Leader;
using Dca.ExternalMetrics;
using Dca.Protocol;

namespace Dca;

/// <summary>
/// The cluster agent's options, read from the Datadog cluster agent's environment variables (so its
/// manifests keep working) and a few flags. Every default is documented in <see cref="Definitions"/>.
/// </summary>
internal sealed record DcaOptions
{
    public static readonly OptionDefinition Kubeconfig = new(null, "kubeconfig", null,
        "Kubeconfig file to reach the API server (else KUBECONFIG, else the pod's service account, else ~/.kube/config)");

    public static readonly OptionDefinition Context = new(null, "context", null, "Kubeconfig context (default: current-context)");

    public static readonly OptionDefinition CommandPort = new("DD_CLUSTER_AGENT_CMD_PORT", "cmd-port",
        ClusterAgentRoutes.DefaultCommandPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "HTTPS port of the node-agent API");

    public static readonly OptionDefinition HealthPort = new("DD_HEALTH_PORT", "health-port",
        ClusterAgentRoutes.DefaultHealthPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "Plain-HTTP port of /live, /ready and /startup");

    public static readonly OptionDefinition MetricsPort = new("DD_METRICS_PORT", "metrics-port",
        ClusterAgentRoutes.DefaultMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "Plain-HTTP port of the Prometheus /metrics endpoint");

    public static readonly OptionDefinition BindHost = new("DD_BIND_HOST", "bind-host", "0.0.0.0",
        "Address the ports listen on (127.0.0.1 for a local run)");

    public static readonly OptionDefinition ClusterName = new("DD_CLUSTER_NAME", null, null, "Cluster name added to tags and events");

    public static readonly OptionDefinition AuthToken = new("DD_CLUSTER_AGENT_AUTH_TOKEN", null, null,
        "Bearer token node agents present (at least 32 characters); required", IsSecret: true);

    public static readonly OptionDefinition TlsCertFile = new("DD_CLUSTER_AGENT_TLS_CERT_FILE", "tls-cert-file", null,
        "PEM certificate of the node-agent API (else a self-signed one is generated at start)");

    public static readonly OptionDefinition TlsKeyFile = new("DD_CLUSTER_AGENT_TLS_KEY_FILE", "tls-key-file", null,
        "PEM private key matching DD_CLUSTER_AGENT_TLS_CERT_FILE");

    public static readonly OptionDefinition AllowLegacyTls = new("DD_CLUSTER_AGENT_ALLOW_LEGACY_TLS", null, "false",
        "Accept TLS 1.2 clients (TLS 1.3 is the minimum otherwise)");

    public static readonly OptionDefinition TlsReloadInterval = new("DCA_TLS_CERT_RELOAD_INTERVAL", null, "10",
        "Seconds between re-reads of the certificate files (changes in their directory are read at once)");

    public static readonly OptionDefinition ServiceName = new("DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME", null, "datadog-cluster-agent",
        "The cluster agent's Service: its DNS names go into the generated certificate");

    public static readonly OptionDefinition ResourcesNamespace = new("DD_KUBE_RESOURCES_NAMESPACE", null, null,
        "Namespace of the agent's ConfigMaps and Lease (default: the pod's namespace, else \"default\")");

    public static readonly OptionDefinition PodIp = new("DD_POD_IP", null, null, "This pod's IP, added to the generated certificate");

    public static readonly OptionDefinition UseEndpointSlicesOption = new("DD_KUBERNETES_USE_ENDPOINT_SLICES", null, "true",
        "Map pods to services from EndpointSlices (false: core/v1 Endpoints; automatic when the server has no discovery.k8s.io/v1)");

    public static readonly OptionDefinition IgnoreReadinessOption = new("DD_KUBERNETES_KUBE_SERVICE_IGNORE_READINESS", null, "false",
        "Tag pods with their services even when their endpoint is not ready");

    public static readonly OptionDefinition HostAliasAnnotationsOption = new("DD_KUBERNETES_NODE_ANNOTATIONS_AS_HOST_ALIASES", null, "cluster.k8s.io/machine",
        "Node annotations served by /api/v1/annotations/node/{node} (space- or comma-separated)");

    public static readonly OptionDefinition LeaderElection = new("DD_LEADER_ELECTION", null, "false",
        "Elect one leader among the replicas for the leader-only work (false: this replica leads alone)");

    public static readonly OptionDefinition LeaderLeaseName = new("DD_LEADER_LEASE_NAME", null, "datadog-leader-election",
        "Name of the Lease (or ConfigMap) that holds the leader record");

    public static readonly OptionDefinition LeaderLeaseDuration = new("DD_LEADER_LEASE_DURATION", null, "60",
        "Lease duration in seconds; renew deadline is half of it, retry period a quarter");

    public static readonly OptionDefinition LeaderLockResource = new("DD_LEADER_ELECTION_DEFAULT_RESOURCE", null, "lease",
        "Lock object: lease (coordination.k8s.io/v1) or configmap (the control-plane.alpha.kubernetes.io/leader record Datadog's cluster agent uses)");

    public static readonly OptionDefinition LeaderReleaseOnShutdown = new("DD_LEADER_ELECTION_RELEASE_ON_SHUTDOWN", null, "true",
        "Give the lease back on shutdown so another replica takes over at once");

    public static readonly OptionDefinition PodName = new("DD_POD_NAME", null, null,
        "This replica's identity in leader election (default: the host name)");

    private static readonly Dictionary<string, LockKind> s_lockKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lease"] = LockKind.Lease,
        ["leases"] = LockKind.Lease,
        ["configmap"] = LockKind.ConfigMap,
        ["configmaps"] = LockKind.ConfigMap,
    };

    public static readonly OptionDefinition CheckInterval = new("DD_CHECK_INTERVAL", null, "15",
        "Seconds between runs of the leader's checks (event collection, control-plane status)");

    public static readonly OptionDefinition CollectEvents = new("DD_COLLECT_KUBERNETES_EVENTS", null, "false",
        "The leader collects Kubernetes events and sends them as Datadog events");

    public static readonly OptionDefinition EventTokenName = new("DD_CLUSTER_AGENT_TOKEN_NAME", null, "datadogtoken",
        "ConfigMap holding the event collection resume token (event.tokenKey, event.tokenTimestamp)");

    public static readonly OptionDefinition FilteredEventTypes = new("DD_FILTERED_EVENT_TYPES", null, null,
        "Events to skip, space-separated field selectors (an entry without '=' means reason!=<entry>)");

    public static readonly OptionDefinition UnbundleEvents = new("DCA_UNBUNDLE_EVENTS", null, "false",
        "Send one Datadog event per Kubernetes event instead of one bundle per involved object");

    public static readonly OptionDefinition TrimWorkingSetOption = new("DCA_TRIM_WORKING_SET", null, "true",
        "After the first full sync, give back memory only start-up used (free native heap, start-up-only code pages)");

    public static readonly OptionDefinition ClusterChecksEnabled = new("DD_CLUSTER_CHECKS_ENABLED", null, "false",
        "The leader dispatches cluster checks and endpoints checks to node agents");

    public static readonly OptionDefinition ConfdPath = new("DD_CONFD_PATH", null, "/etc/datadog-agent/conf.d",
        "Checks directory: <check>.yaml and <check>.d/*.yaml files whose instances say cluster_check: true");

    public static readonly OptionDefinition ClusterChecksExtraTags = new("DD_CLUSTER_CHECKS_EXTRA_TAGS", null, null,
        "Tags added to every dispatched check instance (space-separated)");

    public static readonly OptionDefinition ClusterChecksClusterTagName = new("DD_CLUSTER_CHECKS_CLUSTER_TAG_NAME", null, "cluster_name",
        "Tag name carrying DD_CLUSTER_NAME on dispatched checks (kube_cluster_name is added too)");

    public static readonly OptionDefinition ClusterChecksWarmup = new("DD_CLUSTER_CHECKS_WARMUP_DURATION", null, "30s",
        "After becoming leader, node agents keep their checks and nothing is placed for this long");

    public static readonly OptionDefinition ClusterChecksNodeExpiry = new("DD_CLUSTER_CHECKS_NODE_EXPIRATION_TIMEOUT", null, "30",
        "Seconds without a heartbeat after which a node agent's checks are dispatched elsewhere");

    public static readonly OptionDefinition ClusterChecksRebalancePeriod = new("DD_CLUSTER_CHECKS_REBALANCE_PERIOD", null, "10m",
        "How often checks are rebalanced by their measured cost (0: never)");

    public static readonly OptionDefinition ClusterChecksRebalanceImprovement = new("DD_CLUSTER_CHECKS_REBALANCE_MIN_PERCENTAGE_IMPROVEMENT", null, "10",
        "A rebalancing move must lower the busier node's cost by at least this percentage");

    public static readonly OptionDefinition ExternalMetricsEnabled = new("DD_EXTERNAL_METRICS_PROVIDER_ENABLED", null, "false",
        "Serve external.metrics.k8s.io/v1beta1 to the Horizontal Pod Autoscaler (an aggregated API server), from the series node agents push");

    public static readonly OptionDefinition ExternalMetricsPort = new("DD_EXTERNAL_METRICS_PROVIDER_PORT", null, "8443",
        "HTTPS port of the external metrics API (front-proxy client certificates only)");

    public static readonly OptionDefinition ExternalMetricsMaxAge = new("DD_EXTERNAL_METRICS_PROVIDER_MAX_AGE", null, "120",
        "Seconds after which a metric value is stale: an error for the autoscaler, not an answer");

    public static readonly OptionDefinition ExternalMetricsPrometheus = new("DCA_EXTERNAL_METRICS_PROMETHEUS_URL", null, null,
        "Read external metrics from this Prometheus server (instant queries on /api/v1/query) instead of the series node agents push");

    public static readonly OptionDefinition ExternalMetricsBackend = new("DCA_EXTERNAL_METRICS_BACKEND", null, null,
        "Where external metrics come from: agents (the series node agents push), prometheus or datadog; default prometheus with DCA_EXTERNAL_METRICS_PROMETHEUS_URL, datadog with DD_APP_KEY, else agents");

    public static readonly OptionDefinition UseDatadogMetrics = new("DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD", null, "false",
        "Serve datadogmetric@<namespace>:<name> from DatadogMetric resources (datadoghq.com/v1alpha1), queried on Datadog by the leader");

    public static readonly OptionDefinition ExternalMetricsTokenReview = new("DCA_EXTERNAL_METRICS_TOKEN_REVIEW", null, "false",
        "Also accept bearer tokens on the external metrics port: a TokenReview authenticates them and a SubjectAccessReview authorizes each request (RBAC: list on external.metrics.k8s.io)");

    public static readonly OptionDefinition AppKey = new("DD_APP_KEY", null, null,
        "Datadog application key: the Datadog query API (external metrics) needs it with the API key", IsSecret: true);

    public static readonly OptionDefinition ExternalMetricsApiKey = new("DD_EXTERNAL_METRICS_PROVIDER_API_KEY", null, null,
        "API key for the Datadog query API, overriding DD_API_KEY", IsSecret: true);

    public static readonly OptionDefinition ExternalMetricsAppKey = new("DD_EXTERNAL_METRICS_PROVIDER_APP_KEY", null, null,
        "Application key for the Datadog query API, overriding DD_APP_KEY", IsSecret: true);

    public static readonly OptionDefinition ExternalMetricsEndpoint = new("DD_EXTERNAL_METRICS_PROVIDER_ENDPOINT", null, null,
        "Base URL of the Datadog query API (default https://api.<DD_SITE>)");

    public static readonly OptionDefinition ExternalMetricsAggregator = new("DD_EXTERNAL_METRICS_AGGREGATOR", null, "avg",
        "Space aggregator of the Datadog query made from a metric name: avg, sum, min or max");

    public static readonly OptionDefinition ExternalMetricsRollup = new("DD_EXTERNAL_METRICS_PROVIDER_ROLLUP", null, "30",
        "Rollup in seconds of the Datadog query made from a metric name");

    public static readonly OptionDefinition ExternalMetricsBucketSize = new("DD_EXTERNAL_METRICS_PROVIDER_BUCKET_SIZE", null, "300",
        "Seconds of data each Datadog query covers (a DatadogMetric's spec.timeWindow overrides it)");

    public static readonly OptionDefinition ExternalMetricsRefresh = new("DD_EXTERNAL_METRICS_PROVIDER_REFRESH_PERIOD", null, "30",
        "Seconds between the leader's Datadog queries of every metric in use");

    public static readonly OptionDefinition ExternalMetricsChunkSize = new("DD_EXTERNAL_METRICS_PROVIDER_CHUNK_SIZE", null, "35",
        "Queries per request to the Datadog query API");

    public static readonly OptionDefinition IdleTimeout = new("DD_CLUSTER_AGENT_SERVER_IDLE_TIMEOUT_SECONDS", null, "60",
        "Seconds an idle keep-alive connection of the HTTPS ports stays open");

    public static readonly OptionDefinition MaxConnections = new("DCA_MAX_CONNECTIONS", null, "10000",
        "Open connections per HTTPS port; past 90 % of it requests get 503 with Retry-After, beyond it new connections are closed at once (each open TLS connection holds ~75 KB)");

    public static readonly OptionDefinition MaxConcurrentHandshakes = new("DCA_MAX_CONCURRENT_HANDSHAKES", null, "32",
        "TLS handshakes in progress per HTTPS port; others wait up to 1 s for a slot, then start regardless; 0: no limit (each handshake holds ~50 KB while it runs)");

    public static readonly OptionDefinition MaxInFlight = new("DCA_MAX_INFLIGHT_REQUESTS", null, "512",
        "Requests handled at once per HTTPS port; beyond it requests get 503 with Retry-After");

    public static readonly OptionDefinition MaxRequestsPerConnection = new("DCA_MAX_REQUESTS_PER_CONNECTION", null, "0",
        "Requests per second one connection may make (bursts of twice that); beyond it 429 with Retry-After; 0: no limit (the aggregator and followers multiplex many clients per connection)");

    public static readonly OptionDefinition OverloadRetryAfter = new("DCA_OVERLOAD_RETRY_AFTER_SECONDS", null, "5",
        "Retry-After of a 503 when overloaded; each answer adds a random 0-100 %");

    public static IReadOnlyList<OptionDefinition> Definitions { get; } =
    [
        Kubeconfig, Context, CommandPort, HealthPort, MetricsPort, BindHost, ClusterName, AuthToken,
        TlsCertFile, TlsKeyFile, AllowLegacyTls, TlsReloadInterval, ServiceName, ResourcesNamespace, PodIp,
        UseEndpointSlicesOption, IgnoreReadinessOption, HostAliasAnnotationsOption, TrimWorkingSetOption,
        LeaderElection, LeaderLeaseName, LeaderLeaseDuration, LeaderLockResource, LeaderReleaseOnShutdown, PodName,
        CheckInterval, CollectEvents, EventTokenName, UnbundleEvents, FilteredEventTypes,
        ClusterChecksEnabled, ConfdPath, ClusterChecksExtraTags, ClusterChecksClusterTagName, ClusterChecksWarmup, ClusterChecksNodeExpiry,
        ClusterChecksRebalancePeriod, ClusterChecksRebalanceImprovement, ExternalMetricsEnabled, ExternalMetricsPort, ExternalMetricsMaxAge, ExternalMetricsBackend, ExternalMetricsPrometheus, UseDatadogMetrics, ExternalMetricsTokenReview,
        AppKey, ExternalMetricsApiKey, ExternalMetricsAppKey, ExternalMetricsEndpoint, ExternalMetricsAggregator, ExternalMetricsRollup,
        ExternalMetricsBucketSize, ExternalMetricsRefresh, ExternalMetricsChunkSize, IntakeOptions.ApiKey, IntakeOptions.Site, IntakeOptions.DdUrl,
        IdleTimeout, MaxConnections, MaxConcurrentHandshakes, MaxInFlight, MaxRequestsPerConnection, OverloadRetryAfter,
        AgentLogging.LogLevelOption, AgentLogging.LogFormatJsonOption,
    ];

    /// <summary>Changes arriving within this window are published in one snapshot.</summary>
    public TimeSpan CoalesceWindow { get; init; } = TimeSpan.FromMilliseconds(20);

    public string Token { get; init; } = "";

    public string? TlsCertificatePath { get; init; }

    public string? TlsKeyPath { get; init; }

    public bool LegacyTls { get; init; }

    /// <summary>How often the certificate files are re-read besides the changes seen in their directories; 10 s by default.</summary>
    public TimeSpan TlsReloadPeriod { get; init; } = TimeSpan.FromSeconds(10);

    public string KubernetesServiceName { get; init; } = "datadog-cluster-agent";

    public string? ResourcesNamespaceName { get; init; }

    public System.Net.IPAddress? PodAddress { get; init; }

    public bool UseEndpointSlices { get; init; } = true;

    public bool IgnoreReadiness { get; init; }

    public bool TrimWorkingSet { get; init; } = true;

    public bool CollectKubernetesEvents { get; init; }

    public TimeSpan CheckIntervalValue { get; init; } = TimeSpan.FromSeconds(15);

    public bool UnbundleEventsValue { get; init; }

    public string EventTokenConfigMap { get; init; } = "datadogtoken";

    public IReadOnlyList<string> FilteredEventTypeList { get; init; } = [];

    /// <summary>Never logged; <see cref="PrintMembers"/> leaves secrets out.</summary>
    public string? ApiKeyValue { get; init; }

    public Uri IntakeUri { get; init; } = new("https://api.datadoghq.com/");

    public LeaderElectionSettings Election { get; init; } = new() { Identity = Environment.MachineName };

    public IReadOnlySet<string> HostAliasAnnotations { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public string? KubeconfigPath { get; init; }

    public string? KubeContext { get; init; }

    public int CommandPortNumber { get; init; }

    public int HealthPortNumber { get; init; }

    public int MetricsPortNumber { get; init; }

    public System.Net.IPAddress BindAddress { get; init; } = System.Net.IPAddress.Any;

    public string? ClusterNameValue { get; init; }

    public required AgentLogging.Settings Logging { get; init; }

    public Dca.ClusterChecks.ClusterCheckSettings ClusterChecks { get; init; } = new();

    public Dca.Api.AdmissionSettings Admission { get; init; } = new();

    public Dca.ExternalMetrics.ExternalMetricsSettings ExternalMetrics { get; init; } = new();

    /// <summary>Reads and validates every option; the first bad one throws <see cref="OptionException"/>.</summary>
    public static DcaOptions Load(OptionSource source)
    {
        var address = source.IpAddress(BindHost)!;
        var options = new DcaOptions
        {
            KubeconfigPath = source.OptionalString(Kubeconfig),
            KubeContext = source.OptionalString(Context),
            CommandPortNumber = source.ListenPort(CommandPort),
            HealthPortNumber = source.ListenPort(HealthPort),
            MetricsPortNumber = source.ListenPort(MetricsPort),
            BindAddress = address,
            ClusterNameValue = source.OptionalString(ClusterName),
            Logging = AgentLogging.Read(source),
            Token = ReadToken(source),
            TlsCertificatePath = source.OptionalString(TlsCertFile),
            TlsKeyPath = source.OptionalString(TlsKeyFile),
            LegacyTls = source.Bool(AllowLegacyTls),
            TlsReloadPeriod = source.Seconds(TlsReloadInterval, 1, 3600),
            KubernetesServiceName = source.String(ServiceName),
            ResourcesNamespaceName = source.OptionalString(ResourcesNamespace),
            PodAddress = source.IpAddress(PodIp),
            UseEndpointSlices = source.Bool(UseEndpointSlicesOption),
            IgnoreReadiness = source.Bool(IgnoreReadinessOption),
            TrimWorkingSet = source.Bool(TrimWorkingSetOption),
            CollectKubernetesEvents = source.Bool(CollectEvents),
            CheckIntervalValue = source.Seconds(CheckInterval, 1, 3600),
            UnbundleEventsValue = source.Bool(UnbundleEvents),
            EventTokenConfigMap = source.String(EventTokenName),
            FilteredEventTypeList = source.OptionalString(FilteredEventTypes)?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            ApiKeyValue = source.OptionalString(IntakeOptions.ApiKey),
            IntakeUri = IntakeOptions.ReadUri(source, Protocol.Intake.IntakeSinkOptions.Resolve),
            Election = new LeaderElectionSettings
            {
                Enabled = source.Bool(LeaderElection),
                Identity = source.OptionalString(PodName) ?? Environment.MachineName,
                LockName = source.String(LeaderLeaseName),
                LeaseDuration = source.Seconds(LeaderLeaseDuration, 2, 3600),
                Lock = source.Choice(LeaderLockResource, s_lockKinds),
                ReleaseOnShutdown = source.Bool(LeaderReleaseOnShutdown),
            },
            HostAliasAnnotations = new HashSet<string>(
                source.String(HostAliasAnnotationsOption).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                StringComparer.Ordinal),
        };
        options = options with
        {
            ClusterChecks = new Dca.ClusterChecks.ClusterCheckSettings
            {
                Enabled = source.Bool(ClusterChecksEnabled),
                ConfdPath = source.String(ConfdPath),
                ExtraTags = Dca.ClusterChecks.ClusterCheckSettings.TagsFor(options.ClusterNameValue, source.String(ClusterChecksClusterTagName),
                    source.OptionalString(ClusterChecksExtraTags)?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? []),
                WarmUp = source.Duration(ClusterChecksWarmup, TimeSpan.Zero, TimeSpan.FromHours(1)),
                NodeExpiry = source.Seconds(ClusterChecksNodeExpiry, 2, 3600),
                RebalancePeriod = source.Duration(ClusterChecksRebalancePeriod, TimeSpan.Zero, TimeSpan.FromDays(1)),
                RebalanceMinImprovement = source.Double(ClusterChecksRebalanceImprovement, 0, 100) / 100,
            },
            ExternalMetrics = ReadExternalMetrics(source),
            Admission = new Dca.Api.AdmissionSettings
            {
                IdleTimeout = source.Seconds(IdleTimeout, 1, 3600),
                MaxConnections = source.Int(MaxConnections, 1, 1_000_000),
                MaxConcurrentHandshakes = source.Int(MaxConcurrentHandshakes, 0, 1_000_000),
                MaxInFlight = source.Int(MaxInFlight, 1, 1_000_000),
                RequestsPerConnectionPerSecond = source.Double(MaxRequestsPerConnection, 0, 1_000_000),
                RetryAfter = source.Seconds(OverloadRetryAfter, 1, 3600),
            },
        };
        if ((options.TlsCertificatePath is null) != (options.TlsKeyPath is null))
        {
            throw new OptionException($"invalid {(options.TlsCertificatePath is null ? TlsCertFile : TlsKeyFile).DisplayName}: " +
                "DD_CLUSTER_AGENT_TLS_CERT_FILE and DD_CLUSTER_AGENT_TLS_KEY_FILE go together");
        }
        var ports = new List<(OptionDefinition, int)> { (CommandPort, options.CommandPortNumber), (HealthPort, options.HealthPortNumber), (MetricsPort, options.MetricsPortNumber) };
        if (options.ExternalMetrics.Enabled)
        {
            ports.Add((ExternalMetricsPort, options.ExternalMetrics.Port));
        }
        foreach (var group in ports.GroupBy(p => p.Item2).Where(g => g.Count() > 1))
        {
            var names = string.Join(" and ", group.Select(p => p.Item1.DisplayName));
            throw new OptionException($"invalid {group.Last().Item1.DisplayName}=\"{group.Key}\": {names} must differ");
        }
        return options;
    }

    // Records print every property: keep the token and the API key out of any ToString.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0052", Justification = "Called by the record's synthesized ToString.")]
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("CommandPort = ").Append(CommandPortNumber).Append(", secrets redacted");
        return true;
    }

    private static readonly Dictionary<string, ExternalMetricsBackendKind> s_backends = new(StringComparer.OrdinalIgnoreCase)
    {
        ["agents"] = ExternalMetricsBackendKind.Agents,
        ["prometheus"] = ExternalMetricsBackendKind.Prometheus,
        ["datadog"] = ExternalMetricsBackendKind.Datadog,
    };

    private static readonly Dictionary<string, string> s_aggregators = new(StringComparer.OrdinalIgnoreCase)
    {
        ["avg"] = "avg", ["sum"] = "sum", ["min"] = "min", ["max"] = "max",
    };

    private static ExternalMetricsSettings ReadExternalMetrics(OptionSource source)
    {
        var prometheus = source.OptionalString(ExternalMetricsPrometheus) is { } url
            ? Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                ? u
                : throw source.Invalid(ExternalMetricsPrometheus, url, "expected an http or https URL of a Prometheus server")
            : null;
        var appKey = source.OptionalString(ExternalMetricsAppKey) ?? source.OptionalString(AppKey);
        var backend = source.OptionalString(ExternalMetricsBackend) is not null
            ? source.Choice(ExternalMetricsBackend, s_backends)
            : prometheus is not null ? ExternalMetricsBackendKind.Prometheus
            : appKey is not null ? ExternalMetricsBackendKind.Datadog
            : ExternalMetricsBackendKind.Agents;
        var enabled = source.Bool(ExternalMetricsEnabled);
        var useCrd = source.Bool(UseDatadogMetrics);
        if (enabled && backend == ExternalMetricsBackendKind.Prometheus && prometheus is null)
        {
            throw new OptionException($"missing {ExternalMetricsPrometheus.DisplayName}: {ExternalMetricsBackend.DisplayName}=prometheus needs the Prometheus server's URL");
        }
        DatadogQuerySettings? datadog = null;
        if (enabled && (backend == ExternalMetricsBackendKind.Datadog || useCrd))
        {
            var why = backend == ExternalMetricsBackendKind.Datadog ? $"{ExternalMetricsBackend.DisplayName}=datadog" : $"{UseDatadogMetrics.DisplayName}=true";
            var apiKey = source.OptionalString(ExternalMetricsApiKey) ?? source.OptionalString(IntakeOptions.ApiKey)
                ?? throw new OptionException($"missing {IntakeOptions.ApiKey.DisplayName}: {why} queries the Datadog API, which needs an API key");
            var endpoint = source.OptionalString(ExternalMetricsEndpoint) is { } e
                ? Uri.TryCreate(e.EndsWith('/') ? e : e + "/", UriKind.Absolute, out var eu) && eu.Scheme is "http" or "https"
                    ? eu
                    : throw source.Invalid(ExternalMetricsEndpoint, e, "expected an http or https URL")
                : IntakeOptions.ReadUri(source, Protocol.Intake.IntakeSinkOptions.Resolve);
            datadog = new DatadogQuerySettings
            {
                Endpoint = endpoint,
                ApiKey = apiKey,
                AppKey = appKey ?? throw new OptionException($"missing {AppKey.DisplayName}: {why} queries the Datadog API, which needs an application key"),
                Aggregator = source.Choice(ExternalMetricsAggregator, s_aggregators),
                RollupSeconds = source.Int(ExternalMetricsRollup, 1, 3600),
                Window = source.Seconds(ExternalMetricsBucketSize, 1, 86_400),
                RefreshPeriod = source.Seconds(ExternalMetricsRefresh, 1, 3600),
                ChunkSize = source.Int(ExternalMetricsChunkSize, 1, 100),
            };
        }
        return new ExternalMetricsSettings
        {
            Enabled = enabled,
            Port = source.ListenPort(ExternalMetricsPort),
            MaxAge = source.Seconds(ExternalMetricsMaxAge, 1, 86_400),
            Backend = backend,
            PrometheusUrl = prometheus,
            Datadog = datadog,
            UseDatadogMetrics = useCrd,
            TokenReview = source.Bool(ExternalMetricsTokenReview),
        };
    }

    private static string ReadToken(OptionSource source)
    {
        var token = source.OptionalString(AuthToken)
            ?? throw source.Invalid(AuthToken, null, "a token is required: node agents authenticate with it");
        if (token.Length < ClusterAgentRoutes.MinimumTokenLength)
        {
            // The Datadog agents reject shorter tokens (PROTOCOL.md §2); the value itself is never echoed.
            throw source.Invalid(AuthToken, null, $"the token must be at least {ClusterAgentRoutes.MinimumTokenLength} characters (got {token.Length})");
        }
        return token;
    }
}
