using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// A discovery.k8s.io/v1 EndpointSlice with its addresses and ports, for the few services whose endpoints
/// are checked (<see cref="EndpointSlice"/> is the compact form every service's slices are read into).
/// </summary>
public sealed class AddressedEndpointSlice : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("addressType")]
    public string? AddressType { get; set; }

    [JsonPropertyName("endpoints")]
    public List<AddressedEndpoint>? Endpoints { get; set; }

    [JsonPropertyName("ports")]
    public List<EndpointPort>? Ports { get; set; }
}

public sealed class AddressedEndpoint
{
    [JsonPropertyName("addresses")]
    public List<string>? Addresses { get; set; }

    [JsonPropertyName("conditions")]
    public EndpointConditions? Conditions { get; set; }

    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("targetRef")]
    public ObjectReference? TargetRef { get; set; }
}

public sealed class EndpointConditions
{
    /// <summary>Null means unknown, which the API says to interpret as ready.</summary>
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }
}

public sealed class EndpointPort
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }
}
