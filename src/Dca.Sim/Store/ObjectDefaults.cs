using System.Text.Json.Nodes;

namespace Dca.Sim.Store;

/// <summary>
/// The little defaulting the real API server does on create that clients notice: a new pod is
/// Pending (until the simulated scheduler and kubelet — here, nobody — move it on), a new namespace
/// is Active with the kubernetes finalizer.
/// </summary>
internal static class ObjectDefaults
{
    public static void Apply(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Pods)
        {
            var status = obj["status"] as JsonObject ?? [];
            obj["status"] = status;
            status["phase"] ??= "Pending";
            status["qosClass"] ??= "BestEffort";
            if (obj["spec"] is JsonObject spec)
            {
                spec["restartPolicy"] ??= "Always";
                spec["terminationGracePeriodSeconds"] ??= 30;
                spec["dnsPolicy"] ??= "ClusterFirst";
                spec["schedulerName"] ??= "default-scheduler";
                spec["serviceAccountName"] ??= "default";
                spec["enableServiceLinks"] ??= true;
            }
        }
        else if (type == ResourceTypes.Namespaces)
        {
            obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] ??= new JsonObject { ["phase"] = "Active" };
            if (obj["metadata"] is JsonObject meta && ObjectStore.Text(meta["name"]) is { } name)
            {
                var labels = meta["labels"] as JsonObject ?? [];
                meta["labels"] = labels;
                labels["kubernetes.io/metadata.name"] = name;
            }
        }
    }
}
