using System.Text.Json.Serialization;

namespace Dca.Node.Kubelet;

// The parts of the kubelet's /pods and /stats/summary the node agent reads. Unknown fields are
// skipped by the source-generated reader; every field is optional, as kubelets of different
// versions and pods in different states leave different ones out. List elements are nullable too:
// a kubelet (or anything answering in its place) may send `null` in any array, and the readers skip it.

internal sealed class PodList
{
    [JsonPropertyName("items")]
    public List<Pod?>? Items { get; set; }
}

internal sealed class Pod
{
    [JsonPropertyName("metadata")]
    public ObjectMeta? Metadata { get; set; }

    [JsonPropertyName("spec")]
    public PodSpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}

internal sealed class ObjectMeta
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("labels")]
    public Dictionary<string, string?>? Labels { get; set; }

    [JsonPropertyName("ownerReferences")]
    public List<OwnerReference?>? OwnerReferences { get; set; }

    [JsonPropertyName("deletionTimestamp")]
    public DateTimeOffset? DeletionTimestamp { get; set; }
}

internal sealed class OwnerReference
{
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

internal sealed class PodSpec
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("priorityClassName")]
    public string? PriorityClassName { get; set; }

    [JsonPropertyName("containers")]
    public List<ContainerSpec?>? Containers { get; set; }

    [JsonPropertyName("initContainers")]
    public List<ContainerSpec?>? InitContainers { get; set; }
}

internal sealed class ContainerSpec
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("image")]
    public string? Image { get; set; }

    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; set; }
}

internal sealed class ResourceRequirements
{
    [JsonPropertyName("requests")]
    public Dictionary<string, string?>? Requests { get; set; }

    [JsonPropertyName("limits")]
    public Dictionary<string, string?>? Limits { get; set; }
}

internal sealed class PodStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("qosClass")]
    public string? QosClass { get; set; }

    [JsonPropertyName("conditions")]
    public List<PodCondition?>? Conditions { get; set; }

    [JsonPropertyName("containerStatuses")]
    public List<ContainerStatus?>? ContainerStatuses { get; set; }

    [JsonPropertyName("initContainerStatuses")]
    public List<ContainerStatus?>? InitContainerStatuses { get; set; }
}

internal sealed class PodCondition
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("status")]
    public string? Status { get; set; }
}

internal sealed class ContainerStatus
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    [JsonPropertyName("imageID")]
    public string? ImageId { get; set; }

    [JsonPropertyName("restartCount")]
    public long RestartCount { get; set; }

    [JsonPropertyName("state")]
    public ContainerState? State { get; set; }

    [JsonPropertyName("lastState")]
    public ContainerState? LastState { get; set; }
}

internal sealed class ContainerState
{
    [JsonPropertyName("running")]
    public StateDetail? Running { get; set; }

    [JsonPropertyName("waiting")]
    public StateDetail? Waiting { get; set; }

    [JsonPropertyName("terminated")]
    public StateDetail? Terminated { get; set; }
}

internal sealed class StateDetail
{
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("startedAt")]
    public DateTimeOffset? StartedAt { get; set; }

    [JsonPropertyName("finishedAt")]
    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class StatsSummary
{
    [JsonPropertyName("node")]
    public NodeStats? Node { get; set; }

    [JsonPropertyName("pods")]
    public List<PodStats?>? Pods { get; set; }
}

internal sealed class NodeStats
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("systemContainers")]
    public List<ContainerStats?>? SystemContainers { get; set; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; set; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; set; }

    [JsonPropertyName("network")]
    public NetworkStats? Network { get; set; }

    [JsonPropertyName("fs")]
    public FsStats? Fs { get; set; }

    [JsonPropertyName("runtime")]
    public RuntimeStats? Runtime { get; set; }
}

internal sealed class RuntimeStats
{
    [JsonPropertyName("imageFs")]
    public FsStats? ImageFs { get; set; }
}

internal sealed class PodStats
{
    [JsonPropertyName("podRef")]
    public PodReference? PodRef { get; set; }

    [JsonPropertyName("containers")]
    public List<ContainerStats?>? Containers { get; set; }

    [JsonPropertyName("network")]
    public NetworkStats? Network { get; set; }

    [JsonPropertyName("ephemeral-storage")]
    public FsStats? EphemeralStorage { get; set; }
}

internal sealed class PodReference
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }
}

internal sealed class ContainerStats
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; set; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; set; }

    [JsonPropertyName("rootfs")]
    public FsStats? Rootfs { get; set; }
}

internal sealed class CpuStats
{
    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; set; }

    [JsonPropertyName("usageNanoCores")]
    public double? UsageNanoCores { get; set; }

    [JsonPropertyName("usageCoreNanoSeconds")]
    public double? UsageCoreNanoSeconds { get; set; }
}

internal sealed class MemoryStats
{
    [JsonPropertyName("usageBytes")]
    public double? UsageBytes { get; set; }

    [JsonPropertyName("workingSetBytes")]
    public double? WorkingSetBytes { get; set; }

    [JsonPropertyName("rssBytes")]
    public double? RssBytes { get; set; }
}

internal sealed class NetworkStats
{
    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; set; }

    [JsonPropertyName("rxBytes")]
    public double? RxBytes { get; set; }

    [JsonPropertyName("txBytes")]
    public double? TxBytes { get; set; }
}

internal sealed class FsStats
{
    [JsonPropertyName("usedBytes")]
    public double? UsedBytes { get; set; }

    [JsonPropertyName("capacityBytes")]
    public double? CapacityBytes { get; set; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(PodList))]
[JsonSerializable(typeof(StatsSummary))]
internal sealed partial class KubeletJsonContext : JsonSerializerContext;
