using System.Text.Json;
using Dca.Sim.Store;
using static Dca.Sim.Api.JsonPath;

namespace Dca.Sim.Api;

/// <summary>The columns the real API server prints for each resource (a useful subset).</summary>
internal static class TableColumns
{
    private static readonly TableColumn Name = new("Name", "string", 0, (e, _) => Str(e, "metadata", "name"));
    private static readonly TableColumn Age = new("Age", "string", 0, (e, c) => Age(e, c, "metadata", "creationTimestamp"));

    public static IReadOnlyList<TableColumn> For(ResourceType type) => type.IsCustomResource ? CustomResourceColumns.For(type) : type.Plural switch
    {
        "pods" when type.Group.Length == 0 =>
        [
            Name,
            new("Ready", "string", 0, (e, _) => $"{Array(e, "status", "containerStatuses").Count(c => c.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.True)}/{Count(e, "spec", "containers")}"),
            new("Status", "string", 0, (e, _) => PodStatus(e)),
            new("Restarts", "string", 0, (e, _) => Array(e, "status", "containerStatuses").Sum(c => Int(c, "restartCount")).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Age,
            new("IP", "string", 1, (e, _) => Or(Str(e, "status", "podIP"))),
            new("Node", "string", 1, (e, _) => Or(Str(e, "spec", "nodeName"))),
            new("Nominated Node", "string", 1, (e, _) => Or(Str(e, "status", "nominatedNodeName"))),
            new("Readiness Gates", "string", 1, (e, _) => "<none>"),
        ],
        "nodes" =>
        [
            Name,
            new("Status", "string", 0, (e, _) => NodeStatus(e)),
            new("Roles", "string", 0, (e, _) => NodeRoles(e)),
            Age,
            new("Version", "string", 0, (e, _) => Str(e, "status", "nodeInfo", "kubeletVersion")),
            new("Internal-IP", "string", 1, (e, _) => Or(Address(e, "InternalIP"))),
            new("External-IP", "string", 1, (e, _) => Or(Address(e, "ExternalIP"))),
            new("OS-Image", "string", 1, (e, _) => Str(e, "status", "nodeInfo", "osImage")),
            new("Kernel-Version", "string", 1, (e, _) => Str(e, "status", "nodeInfo", "kernelVersion")),
            new("Container-Runtime", "string", 1, (e, _) => Str(e, "status", "nodeInfo", "containerRuntimeVersion")),
        ],
        "namespaces" => [Name, new("Status", "string", 0, (e, _) => Str(e, "status", "phase")), Age],
        "services" =>
        [
            Name,
            new("Type", "string", 0, (e, _) => Str(e, "spec", "type")),
            new("Cluster-IP", "string", 0, (e, _) => Or(Str(e, "spec", "clusterIP"))),
            new("External-IP", "string", 0, (e, _) => "<none>"),
            new("Port(s)", "string", 0, (e, _) => string.Join(',', Array(e, "spec", "ports").Select(p => $"{Int(p, "port")}/{Str(p, "protocol")}"))),
            Age,
        ],
        "endpoints" =>
        [
            Name,
            new("Endpoints", "string", 0, (e, _) => Or(string.Join(',', Array(e, "subsets").SelectMany(s => Array(s, "addresses").Select(a => Str(a, "ip"))).Take(3)))),
            Age,
        ],
        "endpointslices" =>
        [
            Name,
            new("AddressType", "string", 0, (e, _) => Str(e, "addressType")),
            new("Ports", "string", 0, (e, _) => Or(string.Join(',', Array(e, "ports").Select(p => Int(p, "port"))))),
            new("Endpoints", "string", 0, (e, _) => Or(string.Join(',', Array(e, "endpoints").SelectMany(p => Array(p, "addresses").Select(a => a.GetString())).Take(3)))),
            Age,
        ],
        "events" =>
        [
            new("Last Seen", "string", 0, (e, c) => Age(e, c, "lastTimestamp")),
            new("Type", "string", 0, (e, _) => Str(e, "type")),
            new("Reason", "string", 0, (e, _) => Str(e, "reason")),
            new("Object", "string", 0, (e, _) => Str(e, "involvedObject", "kind").ToLowerInvariant() + "/" + Str(e, "involvedObject", "name")),
            new("Message", "string", 0, (e, _) => Str(e, "message")),
        ],
        "configmaps" => [Name, new("Data", "integer", 0, (e, _) => (long)(Count(e, "data") + Count(e, "binaryData"))), Age],
        "customresourcedefinitions" => [Name, new("Created At", "date", 0, (e, _) => Str(e, "metadata", "creationTimestamp"))],
        "leases" => [Name, new("Holder", "string", 0, (e, _) => Str(e, "spec", "holderIdentity")), Age],
        "componentstatuses" =>
        [
            Name,
            new("Status", "string", 0, (e, _) => Array(e, "conditions").Any(c => Str(c, "status") == "True") ? "Healthy" : "Unhealthy"),
            new("Message", "string", 0, (e, _) => string.Join(',', Array(e, "conditions").Select(c => Str(c, "message")))),
            new("Error", "string", 0, (e, _) => string.Join(',', Array(e, "conditions").Select(c => Str(c, "error")))),
        ],
        _ => [Name, Age],
    };

    private static string Or(string s) => s.Length == 0 ? "<none>" : s;

    private static string PodStatus(JsonElement e)
    {
        if (At(e, "metadata", "deletionTimestamp") is not null)
        {
            return "Terminating";
        }
        foreach (var c in Array(e, "status", "containerStatuses"))
        {
            var waiting = Str(c, "state", "waiting", "reason");
            if (waiting.Length > 0)
            {
                return waiting;
            }
        }
        var reason = Str(e, "status", "reason");
        return reason.Length > 0 ? reason : Str(e, "status", "phase");
    }

    private static string NodeStatus(JsonElement e)
    {
        var ready = Array(e, "status", "conditions").FirstOrDefault(c => Str(c, "type") == "Ready");
        var status = ready.ValueKind == JsonValueKind.Object && Str(ready, "status") == "True" ? "Ready" : "NotReady";
        return Str(e, "spec", "unschedulable") == "true" ? status + ",SchedulingDisabled" : status;
    }

    private static string NodeRoles(JsonElement e)
    {
        var roles = new List<string>();
        if (At(e, "metadata", "labels") is { ValueKind: JsonValueKind.Object } labels)
        {
            foreach (var label in labels.EnumerateObject())
            {
                if (label.Name.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                {
                    roles.Add(label.Name["node-role.kubernetes.io/".Length..]);
                }
            }
        }
        return roles.Count == 0 ? "<none>" : string.Join(',', roles.Order(StringComparer.Ordinal));
    }

    private static string Address(JsonElement e, string type) =>
        Array(e, "status", "addresses").Where(a => Str(a, "type") == type).Select(a => Str(a, "address")).FirstOrDefault() ?? "";
}
