using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Service.</summary>
public sealed class Service : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ServiceSpec? Spec { get; set; }
}

public sealed class ServiceSpec
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("clusterIP")]
    public string? ClusterIP { get; set; }

    [JsonPropertyName("selector")]
    [JsonConverter(typeof(InternedStringMapConverter))]
    public Dictionary<string, string>? Selector { get; set; }

    [JsonPropertyName("ports")]
    public List<ServicePort>? Ports { get; set; }
}

public sealed class ServicePort
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }
}
