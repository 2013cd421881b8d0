namespace Dca.ExternalMetrics;

/// <summary>The values of <c>DCA_EXTERNAL_METRICS_BACKEND</c>.</summary>
public enum ExternalMetricsBackendKind
{
    /// <summary>The series node agents push (the embedded default).</summary>
    Agents,

    /// <summary>Instant PromQL queries on a Prometheus server.</summary>
    Prometheus,

    /// <summary>The Datadog query API.</summary>
    Datadog,
}
