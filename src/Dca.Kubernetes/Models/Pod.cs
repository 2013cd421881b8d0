using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Pod, trimmed to what the agents use (from the API server or the kubelet's <c>/pods</c>).</summary>
public sealed class Pod : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public PodSpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    [JsonPropertyName("nodeName")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? NodeName { get; set; }

    [JsonPropertyName("containers")]
    public List<Container>? Containers { get; set; }

    [JsonPropertyName("initContainers")]
    public List<Container>? InitContainers { get; set; }

    [JsonPropertyName("hostNetwork")]
    public bool? HostNetwork { get; set; }

    [JsonPropertyName("priorityClassName")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? PriorityClassName { get; set; }
}

public sealed class Container
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("image")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Image { get; set; }

    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; set; }
}

public sealed class ResourceRequirements
{
    [JsonPropertyName("requests")]
    [JsonConverter(typeof(InternedStringMapConverter))]
    public Dictionary<string, string>? Requests { get; set; }

    [JsonPropertyName("limits")]
    [JsonConverter(typeof(InternedStringMapConverter))]
    public Dictionary<string, string>? Limits { get; set; }
}

public sealed class PodStatus
{
    [JsonPropertyName("phase")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Phase { get; set; }

    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }

    [JsonPropertyName("hostIP")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? HostIP { get; set; }

    [JsonPropertyName("qosClass")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? QosClass { get; set; }

    [JsonPropertyName("conditions")]
    public List<PodCondition>? Conditions { get; set; }

    [JsonPropertyName("containerStatuses")]
    public List<ContainerStatus>? ContainerStatuses { get; set; }

    [JsonPropertyName("initContainerStatuses")]
    public List<ContainerStatus>? InitContainerStatuses { get; set; }
}

public sealed class PodCondition
{
    [JsonPropertyName("type")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string Status { get; set; } = "";
}

public sealed class ContainerStatus
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    [JsonPropertyName("image")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Image { get; set; }

    [JsonPropertyName("ready")]
    public bool Ready { get; set; }

    [JsonPropertyName("restartCount")]
    public int RestartCount { get; set; }

    [JsonPropertyName("state")]
    public ContainerState? State { get; set; }

    [JsonPropertyName("lastState")]
    public ContainerState? LastState { get; set; }
}

public sealed class ContainerState
{
    [JsonPropertyName("running")]
    public ContainerStateDetail? Running { get; set; }

    [JsonPropertyName("waiting")]
    public ContainerStateDetail? Waiting { get; set; }

    [JsonPropertyName("terminated")]
    public ContainerStateDetail? Terminated { get; set; }
}

public sealed class ContainerStateDetail
{
    [JsonPropertyName("reason")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Reason { get; set; }

    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; set; }

    [JsonPropertyName("startedAt")]
    public DateTimeOffset? StartedAt { get; set; }
}
