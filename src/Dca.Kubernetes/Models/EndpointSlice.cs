using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// A discovery.k8s.io/v1 EndpointSlice. The owning service is the label
/// <c>kubernetes.io/service-name</c> (<see cref="ServiceNameLabel"/>).
/// </summary>
public sealed class EndpointSlice : IKubernetesObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("addressType")]
    public string? AddressType { get; set; }

    [JsonPropertyName("endpoints")]
    public List<SliceEndpoint>? Endpoints { get; set; }
}

public sealed class SliceEndpoint
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
    /// <summary>Null means ready (the API documents "unknown state ... should be interpreted as ready").</summary>
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }

    [JsonPropertyName("serving")]
    public bool? Serving { get; set; }

    [JsonPropertyName("terminating")]
    public bool? Terminating { get; set; }
}

public sealed class ObjectReference
{
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("fieldPath")]
    public string? FieldPath { get; set; }
}
