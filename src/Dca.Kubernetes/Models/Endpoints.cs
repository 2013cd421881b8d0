using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Endpoints object (the pre-EndpointSlice API).</summary>
public sealed class Endpoints : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("subsets")]
    public List<EndpointSubset>? Subsets { get; set; }
}

public sealed class EndpointSubset
{
    [JsonPropertyName("addresses")]
    public List<EndpointAddress>? Addresses { get; set; }

    [JsonPropertyName("notReadyAddresses")]
    public List<EndpointAddress>? NotReadyAddresses { get; set; }
}

public sealed class EndpointAddress
{
    [JsonPropertyName("ip")]
    public string? Ip { get; set; }

    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("targetRef")]
    public ObjectReference? TargetRef { get; set; }
}
