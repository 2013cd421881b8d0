using System.Text.Json.Serialization;
using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>
/// A <c>datadoghq.com/v1alpha1</c> DatadogMetric (the Datadog operator's CRD, <c>deploy/crds/</c>): a Datadog query an
/// HPA names as <c>datadogmetric@&lt;namespace&gt;:&lt;name&gt;</c>. The leader writes the value to its status.
/// </summary>
public sealed class DatadogMetric : IKubernetesObject
{
    public const string ApiVersionValue = "datadoghq.com/v1alpha1";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiVersionValue;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "DatadogMetric";

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public DatadogMetricSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DatadogMetricStatus? Status { get; set; }
}

/// <summary>What to query (only <c>query</c> is required).</summary>
public sealed class DatadogMetricSpec
{
    [JsonPropertyName("query")]
    public string? Query { get; set; }

    /// <summary>A Go duration (<c>90s</c>, <c>5m</c>): values older than this are errors (default: the provider's max age).</summary>
    [JsonPropertyName("maxAge")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MaxAge { get; set; }

    /// <summary>A Go duration: the window queried (default: the provider's bucket size, 300 s).</summary>
    [JsonPropertyName("timeWindow")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TimeWindow { get; set; }

    [JsonPropertyName("externalMetricName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExternalMetricName { get; set; }
}

/// <summary>The leader's last answer: the value and the conditions Active, Valid, Updated and Error.</summary>
public sealed class DatadogMetricStatus
{
    [JsonPropertyName("currentValue")]
    public string CurrentValue { get; set; } = "0";

    [JsonPropertyName("autoscalerReferences")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AutoscalerReferences { get; set; }

    [JsonPropertyName("conditions")]
    public List<DatadogMetricCondition> Conditions { get; set; } = [];

    public DatadogMetricCondition? Condition(string type) => Conditions.Find(c => c.Type == type);
}

/// <summary>One status condition, as Kubernetes writes them.</summary>
public sealed class DatadogMetricCondition
{
    public const string Active = "Active";
    public const string Valid = "Valid";
    public const string Updated = "Updated";
    public const string Error = "Error";

    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    public string Status { get; set; } = "Unknown";

    [JsonPropertyName("lastUpdateTime")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? LastUpdateTime { get; set; }

    [JsonPropertyName("lastTransitionTime")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? LastTransitionTime { get; set; }

    [JsonPropertyName("reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; set; }

    public bool IsTrue => Status == "True";
}
