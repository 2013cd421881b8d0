using System.Globalization;
using System.Text.Json;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>One native <c>dca-node</c> for one simulated node, with its ports on loopback.</summary>
public sealed class NodeAgentProcess : IAsyncDisposable
{
    private NodeAgentProcess(string node, NativeProcess process, int health, int metrics)
    {
        Node = node;
        Process = process;
        Health = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}") };
        Metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metrics}") };
        MetricsPort = metrics;
    }

    public string Node { get; }

    public NativeProcess Process { get; }

    public HttpClient Health { get; }

    public HttpClient Metrics { get; }

    public int MetricsPort { get; }

    /// <summary>
    /// Starts the node agent of <paramref name="node"/> (its kubelet is the simulator's at <paramref name="address"/>),
    /// collecting every second and polling the cluster agent at <paramref name="dcaPort"/> every second.
    /// </summary>
    public static NodeAgentProcess Start(SimulatedCluster cluster, string node, string address, int dcaPort, TestIntake? intake,
        IDictionary<string, string>? extra = null)
    {
        var health = FreePort.Next();
        var metrics = FreePort.Next();
        var token = Path.Combine(cluster.Directory, "kubelet-token");
        if (!File.Exists(token))
        {
            File.WriteAllText(token, cluster.Token);
        }
        var env = new Dictionary<string, string>
        {
            ["DD_BIND_HOST"] = "127.0.0.1",
            ["DD_HEALTH_PORT"] = health.ToString(CultureInfo.InvariantCulture),
            ["DD_OPENMETRICS_PORT"] = metrics.ToString(CultureInfo.InvariantCulture),
            ["DD_KUBERNETES_KUBELET_NODENAME"] = node,
            ["DD_KUBERNETES_KUBELET_HOST"] = address,
            ["DD_KUBERNETES_HTTPS_KUBELET_PORT"] = cluster.KubeletPort.ToString(CultureInfo.InvariantCulture),
            ["DD_KUBELET_CLIENT_CA"] = cluster.CaFile,
            ["DD_KUBELET_AUTH_TOKEN_PATH"] = token,
            ["DD_CLUSTER_AGENT_URL"] = $"https://127.0.0.1:{dcaPort}",
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = ClusterAgentProcessTests.Token,
            ["DD_CHECK_INTERVAL"] = "1",
            ["DD_KUBERNETES_METADATA_TAG_UPDATE_FREQ"] = "1",
        };
        if (intake is not null)
        {
            env["DD_API_KEY"] = "e2e-api-key-0123456789abcdef";
            env["DD_DD_URL"] = intake.BaseUri.ToString();
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        return new NodeAgentProcess(node, NativeProcess.Start("dca-node", [], env), health, metrics);
    }

    /// <summary>The value of a sample line of the node agent's /metrics (first match), or null.</summary>
    public async Task<double?> MetricAsync(string series)
    {
        try
        {
            var text = await Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Health.Dispose();
        Metrics.Dispose();
    }
}

/// <summary>What the simulated cluster says each pod's Services are, from its EndpointSlices and pods.</summary>
public static class ServiceTruth
{
    public static async Task<IReadOnlyList<(string Name, string Address)>> NodesAsync(SimulatedCluster cluster)
    {
        using var http = cluster.ApiClient();
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/nodes", UriKind.Relative)));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(n => (
            n.GetProperty("metadata").GetProperty("name").GetString()!,
            n.GetProperty("status").GetProperty("addresses").EnumerateArray().First(a => a.GetProperty("type").GetString() == "InternalIP").GetProperty("address").GetString()!))];
    }

    /// <summary>For every pod on <paramref name="node"/>: "ns/pod" → its Services (only for Ready pods, as the agents tag them).</summary>
    public static async Task<Dictionary<string, SortedSet<string>>> ForNodeAsync(SimulatedCluster cluster, string node)
    {
        using var http = cluster.ApiClient();
        var byPod = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        using (var slices = JsonDocument.Parse(await http.GetStringAsync(new Uri("/apis/discovery.k8s.io/v1/endpointslices", UriKind.Relative))))
        {
            foreach (var slice in slices.RootElement.GetProperty("items").EnumerateArray())
            {
                var meta = slice.GetProperty("metadata");
                var ns = meta.GetProperty("namespace").GetString()!;
                if (!meta.TryGetProperty("labels", out var labels) || !labels.TryGetProperty("kubernetes.io/service-name", out var service)
                    || !slice.TryGetProperty("endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                foreach (var endpoint in endpoints.EnumerateArray())
                {
                    var ready = !endpoint.TryGetProperty("conditions", out var c) || !c.TryGetProperty("ready", out var r) || r.ValueKind != JsonValueKind.False;
                    if (ready && endpoint.TryGetProperty("targetRef", out var target) && target.GetProperty("kind").GetString() == "Pod")
                    {
                        var key = ns + "/" + target.GetProperty("name").GetString();
                        if (!byPod.TryGetValue(key, out var set))
                        {
                            byPod[key] = set = new SortedSet<string>(StringComparer.Ordinal);
                        }
                        set.Add(service.GetString()!);
                    }
                }
            }
        }
        var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        using var pods = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/pods?fieldSelector=spec.nodeName%3D" + node, UriKind.Relative)));
        foreach (var pod in pods.RootElement.GetProperty("items").EnumerateArray())
        {
            var meta = pod.GetProperty("metadata");
            var key = meta.GetProperty("namespace").GetString() + "/" + meta.GetProperty("name").GetString();
            var isReady = pod.GetProperty("status").TryGetProperty("conditions", out var conditions)
                && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
            result[key] = isReady && byPod.TryGetValue(key, out var set) ? set : new SortedSet<string>(StringComparer.Ordinal);
        }
        return result;
    }

    /// <summary>
    /// From the intake's latest series payload of <paramref name="host"/>: "ns/pod" → the kube_service tags on
    /// its <c>kubernetes.memory.usage</c> series (null when no payload from that host has it yet).
    /// </summary>
    public static Dictionary<string, SortedSet<string>>? Tagged(TestIntake intake, string host)
    {
        foreach (var request in intake.Requests.Reverse())
        {
            if (request.Path != "/api/v2/series")
            {
                continue;
            }
            using var doc = JsonDocument.Parse(request.Body);
            var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var series in doc.RootElement.GetProperty("series").EnumerateArray())
            {
                if (series.GetProperty("metric").GetString() != "kubernetes.memory.usage"
                    || series.GetProperty("resources")[0].GetProperty("name").GetString() != host)
                {
                    continue;
                }
                var tags = series.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
                string Tag(string name) => tags.First(t => t.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..];
                var key = Tag("kube_namespace") + "/" + Tag("pod_name");
                if (!result.TryGetValue(key, out var set))
                {
                    result[key] = set = new SortedSet<string>(StringComparer.Ordinal);
                }
                set.UnionWith(tags.Where(t => t.StartsWith("kube_service:", StringComparison.Ordinal)).Select(t => t["kube_service:".Length..]));
            }
            if (result.Count > 0)
            {
                return result;
            }
        }
        return null;
    }

    /// <summary>The differences between what was tagged and the truth, one line each (empty when they agree).</summary>
    public static List<string> Differences(Dictionary<string, SortedSet<string>> truth, Dictionary<string, SortedSet<string>>? tagged)
    {
        if (tagged is null)
        {
            return ["no series yet"];
        }
        var diffs = new List<string>();
        foreach (var (pod, expected) in truth)
        {
            if (!tagged.TryGetValue(pod, out var actual))
            {
                diffs.Add($"{pod}: no series");
            }
            else if (!expected.SetEquals(actual))
            {
                diffs.Add($"{pod}: tagged [{string.Join(",", actual)}], expected [{string.Join(",", expected)}]");
            }
        }
        diffs.AddRange(tagged.Keys.Where(k => !truth.ContainsKey(k)).Select(k => $"{k}: series for a pod not on the node"));
        return diffs;
    }
}
