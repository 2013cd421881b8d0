using System.Text.Json;
using static Dca.Sim.Scenarios.JsonBuilder;

namespace Dca.Sim.Scenarios;

/// <summary>A Ready node as an EKS-like cluster reports it, its kubelet advertised at its loopback address.</summary>
internal static class NodeJson
{
    public static byte[] Write(NodeSpec node, long rv, int kubeletPort, int podsPerNode) =>
        Build((node, rv, kubeletPort, podsPerNode), static (w, s) => WriteNode(w, s.node, s.rv, s.kubeletPort, s.podsPerNode));

    private static void WriteNode(Utf8JsonWriter w, NodeSpec node, long rv, int kubeletPort, int podsPerNode)
    {
        var ip = node.Address.ToString();
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Node");
        w.WriteStartObject("metadata");
        MetaHead(w, node.Name, null, node.Uid, rv, node.Created);
        w.WriteStartObject("labels");
        w.WriteString("beta.kubernetes.io/arch", "amd64");
        w.WriteString("beta.kubernetes.io/instance-type", node.InstanceType);
        w.WriteString("beta.kubernetes.io/os", "linux");
        w.WriteString("eks.amazonaws.com/capacityType", "ON_DEMAND");
        w.WriteString("eks.amazonaws.com/nodegroup", "ng-" + node.InstanceType.Replace('.', '-'));
        w.WriteString("failure-domain.beta.kubernetes.io/region", "us-east-1");
        w.WriteString("failure-domain.beta.kubernetes.io/zone", node.Zone);
        w.WriteString("kubernetes.io/arch", "amd64");
        w.WriteString("kubernetes.io/hostname", node.Name);
        w.WriteString("kubernetes.io/os", "linux");
        w.WriteString("node.kubernetes.io/instance-type", node.InstanceType);
        w.WriteString("topology.kubernetes.io/region", "us-east-1");
        w.WriteString("topology.kubernetes.io/zone", node.Zone);
        w.WriteEndObject();
        w.WriteStartObject("annotations");
        w.WriteString("alpha.kubernetes.io/provided-node-ip", ip);
        w.WriteString("node.alpha.kubernetes.io/ttl", "0");
        w.WriteString("volumes.kubernetes.io/controller-managed-attach-detach", "true");
        w.WriteEndObject();
        w.WriteStartArray("managedFields");
        ManagedField(w, "kubelet", "Update", node.Created, null, static w =>
        {
            w.WriteStartObject("f:metadata");
            Fields(w, "f:annotations", "f:labels");
            w.WriteEndObject();
        });
        ManagedField(w, "kube-controller-manager", "Update", node.Created.AddSeconds(5), null, static w =>
        {
            w.WriteStartObject("f:spec");
            Fields(w, "f:podCIDR", "f:podCIDRs");
            w.WriteEndObject();
        });
        ManagedField(w, "kubelet", "Update", node.Created.AddSeconds(10), "status", static w =>
        {
            w.WriteStartObject("f:status");
            Fields(w, "f:allocatable", "f:capacity", "f:conditions", "f:daemonEndpoints", "f:images", "f:nodeInfo");
            w.WriteEndObject();
        });
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("spec");
        w.WriteString("podCIDR", ClusterModel.PodCidr(node.Index));
        w.WriteStartArray("podCIDRs");
        w.WriteStringValue(ClusterModel.PodCidr(node.Index));
        w.WriteEndArray();
        w.WriteString("providerID", "aws:///" + node.Zone + "/i-0" + PodJson.Hex(node.Uid, 16));
        w.WriteEndObject();

        w.WriteStartObject("status");
        var cpu = node.InstanceType.StartsWith("m5.2", StringComparison.Ordinal) || node.InstanceType.StartsWith("c5.2", StringComparison.Ordinal) ? 8 : 4;
        foreach (var (property, allocatable) in new[] { ("capacity", false), ("allocatable", true) })
        {
            w.WriteStartObject(property);
            w.WriteString("cpu", allocatable ? (cpu * 1000 - 90).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m" : cpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("ephemeral-storage", allocatable ? "76224326324" : "83873772Ki");
            w.WriteString("hugepages-1Gi", "0");
            w.WriteString("hugepages-2Mi", "0");
            w.WriteString("memory", (cpu * 4_000_000 - (allocatable ? 700_000 : 0)).ToString(System.Globalization.CultureInfo.InvariantCulture) + "Ki");
            w.WriteString("pods", Math.Max(110, podsPerNode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        w.WriteStartArray("conditions");
        foreach (var (type, status, reason, message) in new[]
        {
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        })
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("status", status);
            w.WriteString("lastHeartbeatTime", Time(node.Created.AddDays(29)));
            w.WriteString("lastTransitionTime", Time(node.Created.AddSeconds(30)));
            w.WriteString("reason", reason);
            w.WriteString("message", message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("addresses");
        foreach (var (type, address) in new[] { ("InternalIP", ip), ("InternalDNS", node.Name + ".ec2.internal"), ("Hostname", node.Name) })
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("address", address);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("daemonEndpoints");
        w.WriteStartObject("kubeletEndpoint");
        w.WriteNumber("Port", kubeletPort);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("nodeInfo");
        w.WriteString("machineID", node.SystemUuid.Replace("-", "", StringComparison.Ordinal));
        w.WriteString("systemUUID", node.SystemUuid);
        w.WriteString("bootID", node.BootId);
        w.WriteString("kernelVersion", "5.10.220-209.869.amzn2.x86_64");
        w.WriteString("osImage", "Amazon Linux 2");
        w.WriteString("containerRuntimeVersion", "containerd://1.7.11");
        w.WriteString("kubeletVersion", "v1.31.0-eks-a737599");
        w.WriteString("kubeProxyVersion", "v1.31.0-eks-a737599");
        w.WriteString("operatingSystem", "linux");
        w.WriteString("architecture", "amd64");
        w.WriteEndObject();
        w.WriteStartArray("images");
        foreach (var (name, size) in new[] { ("registry.k8s.io/kube-proxy:v1.31.0", 30_208_941L), ("registry.k8s.io/pause:3.9", 321_520L) })
        {
            w.WriteStartObject();
            w.WriteStartArray("names");
            w.WriteStringValue(name);
            w.WriteEndArray();
            w.WriteNumber("sizeBytes", size);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
