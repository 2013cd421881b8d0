using System.Text.Json.Serialization;
using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>Source-generated JSON for DatadogMetric resources and their status patches.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DatadogMetric))]
[JsonSerializable(typeof(KubeList<DatadogMetric>))]
[JsonSerializable(typeof(DatadogMetricStatusPatch))]
internal sealed partial class DatadogMetricJsonContext : JsonSerializerContext;

/// <summary>The body of a merge patch on <c>/status</c>.</summary>
internal sealed record DatadogMetricStatusPatch([property: JsonPropertyName("status")] DatadogMetricStatus Status);
