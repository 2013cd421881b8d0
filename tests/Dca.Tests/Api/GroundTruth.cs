using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.Sim;
using Dca.Sim.Store;

namespace Dca.Tests.Api;

/// <summary>
/// What the node-agent API must answer, computed straight from the simulator's objects (independently
/// of the agent's code): node → namespace → pod → services from EndpointSlices whose endpoints target
/// pods, ready ones only unless readiness is ignored.
/// </summary>
public static class GroundTruth
{
    public static SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, SortedSet<string>>>> PodServices(Simulator sim, bool ignoreReadiness = false)
    {
        var result = new SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, SortedSet<string>>>>(StringComparer.Ordinal);
        foreach (var node in sim.Store.Objects(ResourceTypes.Nodes))
        {
            result[node.Name] = new(StringComparer.Ordinal);
        }
        foreach (var slice in sim.Store.Objects(ResourceTypes.EndpointSlices))
        {
            using var doc = slice.ToJsonDocument();
            var root = doc.RootElement;
            if (!root.GetProperty("metadata").TryGetProperty("labels", out var labels)
                || !labels.TryGetProperty("kubernetes.io/service-name", out var serviceName)
                || !root.TryGetProperty("endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var endpoint in endpoints.EnumerateArray())
            {
                if (!endpoint.TryGetProperty("targetRef", out var target) || target.GetProperty("kind").GetString() != "Pod"
                    || !endpoint.TryGetProperty("nodeName", out var nodeName))
                {
                    continue;
                }
                var ready = !endpoint.TryGetProperty("conditions", out var conditions)
                    || !conditions.TryGetProperty("ready", out var r) || r.ValueKind != JsonValueKind.False;
                if (!ready && !ignoreReadiness)
                {
                    continue;
                }
                var node = nodeName.GetString()!;
                var ns = target.TryGetProperty("namespace", out var tns) ? tns.GetString()! : slice.Namespace;
                if (!result.TryGetValue(node, out var namespaces))
                {
                    result[node] = namespaces = new(StringComparer.Ordinal);
                }
                if (!namespaces.TryGetValue(ns, out var pods))
                {
                    namespaces[ns] = pods = new(StringComparer.Ordinal);
                }
                var pod = target.GetProperty("name").GetString()!;
                if (!pods.TryGetValue(pod, out var services))
                {
                    pods[pod] = services = new(StringComparer.Ordinal);
                }
                services.Add(serviceName.GetString()!);
            }
        }
        return result;
    }

    /// <summary>The expected <c>/api/v1/tags/pod/{node}</c> body.</summary>
    public static string NodeBody(string node, SortedDictionary<string, SortedDictionary<string, SortedSet<string>>> namespaces)
    {
        var services = new JsonObject();
        foreach (var (ns, pods) in namespaces)
        {
            var podsJson = new JsonObject();
            foreach (var (pod, set) in pods)
            {
                var svc = new JsonObject();
                foreach (var s in set)
                {
                    svc[s] = new JsonObject();
                }
                podsJson[pod] = svc;
            }
            services[ns] = podsJson;
        }
        return new JsonObject { ["Nodes"] = new JsonObject { [node] = new JsonObject { ["services"] = services } } }.ToJsonString();
    }

    public static string? Label(Simulator sim, ResourceType type, string ns, string name) =>
        sim.Store.Get(type, ns, name)?.ToJsonDocument().RootElement.GetProperty("metadata").GetProperty("labels").GetRawText();
}
