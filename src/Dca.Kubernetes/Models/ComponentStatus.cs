using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 ComponentStatus (deprecated upstream, still what the Datadog control-plane check reads).</summary>
public sealed class ComponentStatus : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("conditions")]
    public List<ComponentCondition>? Conditions { get; set; }
}

public sealed class ComponentCondition
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }
}
