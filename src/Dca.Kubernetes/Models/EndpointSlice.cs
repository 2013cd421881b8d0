using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// A discovery.k8s.io/v1 EndpointSlice. The owning service is the label
/// <c>kubernetes.io/service-name</c> (<see cref="ServiceNameLabel"/>). Endpoints are read into a flat,
/// compact form (<see cref="SliceEndpoint"/>): a 5,000-node cluster has about 150,000 of them.
/// </summary>
public sealed class EndpointSlice : IKubernetesObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("addressType")]
    public string? AddressType { get; set; }

    [JsonPropertyName("endpoints")]
    public SliceEndpoint[]? Endpoints { get; set; }
}

/// <summary>
/// One endpoint of a slice, flattened to what the agents use: the node, the target object (kind,
/// name, namespace) and the ready condition. Addresses, hints, zone and the target's uid are skipped
/// while parsing. Repeated strings (node names, kinds, namespaces) are interned.
/// </summary>
/// <remarks>A struct in an exact-size array: 40 bytes per endpoint plus the pod name, no object per endpoint.</remarks>
[JsonConverter(typeof(SliceEndpointConverter))]
public readonly record struct SliceEndpoint(
    string? NodeName,
    string? TargetKind,
    string? TargetName,
    string? TargetNamespace,
    // Null means unknown, which the API says to interpret as ready.
    bool? Ready);

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
