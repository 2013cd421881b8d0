namespace Dca.ExternalMetrics;

/// <summary>The external metrics provider (<c>DD_EXTERNAL_METRICS_PROVIDER_*</c>).</summary>
public sealed record ExternalMetricsSettings
{
    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_ENABLED</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_PORT</c> (8443): the aggregated API server's HTTPS port.</summary>
    public int Port { get; init; } = 8443;

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_MAX_AGE</c> (120 s): a value older than this is an error, not an answer.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary><c>DCA_EXTERNAL_METRICS_BACKEND</c>: where metric-name queries are answered from.</summary>
    public ExternalMetricsBackendKind Backend { get; init; } = ExternalMetricsBackendKind.Agents;

    /// <summary><c>DCA_EXTERNAL_METRICS_PROMETHEUS_URL</c>: the Prometheus server of the <c>prometheus</c> backend.</summary>
    public Uri? PrometheusUrl { get; init; }

    /// <summary>The Datadog query API, for the <c>datadog</c> backend and DatadogMetrics (null when neither is used).</summary>
    public DatadogQuerySettings? Datadog { get; init; }

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD</c>: serve <c>datadogmetric@ns:name</c> from DatadogMetric resources.</summary>
    public bool UseDatadogMetrics { get; init; }

    /// <summary><c>DCA_EXTERNAL_METRICS_TOKEN_REVIEW</c>: also accept bearer tokens, through TokenReview and SubjectAccessReview.</summary>
    public bool TokenReview { get; init; }

    /// <summary>Namespace and name of the ConfigMap with the front-proxy CA and allowed names (kube-apiserver writes it).</summary>
    public string AuthenticationConfigMapNamespace { get; init; } = "kube-system";

    public string AuthenticationConfigMapName { get; init; } = "extension-apiserver-authentication";

    /// <summary>How often that ConfigMap is read again (the CA rotates).</summary>
    public TimeSpan AuthenticationRefresh { get; init; } = TimeSpan.FromMinutes(1);
}
