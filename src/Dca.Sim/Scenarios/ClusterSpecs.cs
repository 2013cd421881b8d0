using System.Net;

namespace Dca.Sim.Scenarios;

/// <summary>A Deployment (and maybe its Service): the unit pods are drawn from.</summary>
internal sealed record AppSpec(
    int Index,
    string Namespace,
    string Name,
    string TemplateHash,
    bool HasService,
    string ServiceName,
    string ServiceUid,
    string ClusterIp,
    string ReplicaSetUid,
    int Containers,
    string Team,
    string Tier,
    string Image,
    double Weight,
    IReadOnlyList<KeyValuePair<string, string>> SelectorLabels);

/// <summary>A node: its name, its kubelet's loopback address, and where it sits.</summary>
internal sealed record NodeSpec(
    int Index,
    string Name,
    IPAddress Address,
    string Uid,
    string Zone,
    string InstanceType,
    DateTimeOffset Created,
    string SystemUuid,
    string BootId);

/// <summary>A pod placed on a node, with everything its JSON is derived from.</summary>
internal sealed record PodSpec(
    string Name,
    string Uid,
    AppSpec? App,
    NodeSpec Node,
    string Ip,
    DateTimeOffset Created,
    int RestartCount,
    bool Ready,
    string ContainerSeed)
{
    public string Namespace => App?.Namespace ?? "kube-system";

    /// <summary>A DaemonSet pod (kube-proxy): host network, on every node.</summary>
    public bool IsDaemon => App is null;
}
