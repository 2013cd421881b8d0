using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Namespace.</summary>
public sealed class Namespace : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("status")]
    public NamespaceStatus? Status { get; set; }
}

public sealed class NamespaceStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }
}
