using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Node, trimmed to what the agents use.</summary>
public sealed class Node : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public NodeSpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public NodeStatus? Status { get; set; }
}

public sealed class NodeSpec
{
    [JsonPropertyName("providerID")]
    public string? ProviderId { get; set; }

    [JsonPropertyName("unschedulable")]
    public bool? Unschedulable { get; set; }
}

public sealed class NodeStatus
{
    [JsonPropertyName("addresses")]
    public List<NodeAddress>? Addresses { get; set; }

    [JsonPropertyName("daemonEndpoints")]
    public NodeDaemonEndpoints? DaemonEndpoints { get; set; }

    [JsonPropertyName("nodeInfo")]
    public NodeSystemInfo? NodeInfo { get; set; }

    [JsonPropertyName("conditions")]
    public List<PodCondition>? Conditions { get; set; }
}

public sealed class NodeAddress
{
    [JsonPropertyName("type")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string Type { get; set; } = "";

    [JsonPropertyName("address")]
    public string Address { get; set; } = "";
}

public sealed class NodeDaemonEndpoints
{
    [JsonPropertyName("kubeletEndpoint")]
    public DaemonEndpoint? KubeletEndpoint { get; set; }
}

public sealed class DaemonEndpoint
{
    [JsonPropertyName("Port")]
    public int Port { get; set; }
}

public sealed class NodeSystemInfo
{
    [JsonPropertyName("kernelVersion")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? KernelVersion { get; set; }

    [JsonPropertyName("osImage")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? OsImage { get; set; }

    [JsonPropertyName("containerRuntimeVersion")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? ContainerRuntimeVersion { get; set; }

    [JsonPropertyName("kubeletVersion")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? KubeletVersion { get; set; }

    [JsonPropertyName("operatingSystem")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? OperatingSystem { get; set; }

    [JsonPropertyName("architecture")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Architecture { get; set; }
}
