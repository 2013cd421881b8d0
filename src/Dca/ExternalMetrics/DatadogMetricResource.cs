using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>Where DatadogMetrics live in the API (<c>datadogmetrics.datadoghq.com</c>, v1alpha1, namespaced).</summary>
internal static class DatadogMetricResource
{
    public static readonly ResourceKind<DatadogMetric> Kind = new()
    {
        Group = "datadoghq.com", Version = "v1alpha1", Plural = "datadogmetrics", Namespaced = true,
        ItemType = DatadogMetricJsonContext.Default.DatadogMetric, ListType = DatadogMetricJsonContext.Default.KubeListDatadogMetric,
    };
}
