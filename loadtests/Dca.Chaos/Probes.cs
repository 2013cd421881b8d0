using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Dca.Chaos;

/// <summary>
/// What each component delivers, read from the outside: the replicas' answers against the simulator's objects,
/// their leadership, what reached the intake (events, check runs, node agents' series) and the external metrics API.
/// </summary>
internal sealed class Probes(Fleet fleet)
{
    private static readonly Uri s_metrics = new("/metrics", UriKind.Relative);

    /// <summary>Pod → Services per node, computed from the simulator's EndpointSlices (ready endpoints only).</summary>
    public async Task<Dictionary<string, Dictionary<string, SortedSet<string>>>> TruthAsync()
    {
        var truth = fleet.Nodes.ToDictionary(n => n, _ => new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal), StringComparer.Ordinal);
        using var slices = JsonDocument.Parse(await fleet.SimApi.GetStringAsync(new Uri("/apis/discovery.k8s.io/v1/endpointslices", UriKind.Relative)));
        foreach (var slice in slices.RootElement.GetProperty("items").EnumerateArray())
        {
            var meta = slice.GetProperty("metadata");
            if (!meta.TryGetProperty("labels", out var labels) || !labels.TryGetProperty("kubernetes.io/service-name", out var service)
                || !slice.TryGetProperty("endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var endpoint in endpoints.EnumerateArray())
            {
                if (!endpoint.TryGetProperty("nodeName", out var node) || !truth.TryGetValue(node.GetString()!, out var pods)
                    || !endpoint.TryGetProperty("targetRef", out var target) || target.GetProperty("kind").GetString() != "Pod"
                    || (endpoint.TryGetProperty("conditions", out var c) && c.TryGetProperty("ready", out var ready) && ready.ValueKind == JsonValueKind.False))
                {
                    continue;
                }
                var key = target.GetProperty("namespace").GetString() + "/" + target.GetProperty("name").GetString();
                if (!pods.TryGetValue(key, out var services))
                {
                    pods[key] = services = new SortedSet<string>(StringComparer.Ordinal);
                }
                services.Add(service.GetString()!);
            }
        }
        return truth;
    }

    /// <summary>Pods whose Services a replica answers differently from the truth (every replica, every node); -1 when one cannot answer.</summary>
    public async Task<int> SnapshotMismatchesAsync(Dictionary<string, Dictionary<string, SortedSet<string>>> truth)
    {
        var mismatches = 0;
        foreach (var replica in fleet.Replicas)
        {
            foreach (var node in fleet.Nodes)
            {
                try
                {
                    using var answer = JsonDocument.Parse(await replica.Api.GetStringAsync(new Uri("/api/v1/tags/pod/" + node, UriKind.Relative)));
                    mismatches += Differences(truth[node], Parse(answer.RootElement, node));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    return -1;
                }
            }
        }
        return mismatches;
    }

    private static Dictionary<string, SortedSet<string>> Parse(JsonElement root, string node)
    {
        var pods = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        if (!root.GetProperty("Nodes").TryGetProperty(node, out var bundle) || !bundle.TryGetProperty("services", out var services))
        {
            return pods;
        }
        foreach (var ns in services.EnumerateObject())
        {
            foreach (var pod in ns.Value.EnumerateObject())
            {
                var set = pod.Value.ValueKind == JsonValueKind.Array
                    ? pod.Value.EnumerateArray().Select(s => s.GetString()!)
                    : pod.Value.EnumerateObject().Select(s => s.Name);
                pods[ns.Name + "/" + pod.Name] = new SortedSet<string>(set, StringComparer.Ordinal);
            }
        }
        return pods;
    }

    private static int Differences(Dictionary<string, SortedSet<string>> expected, Dictionary<string, SortedSet<string>> actual) =>
        expected.Keys.Union(actual.Keys).Count(pod =>
            !(expected.TryGetValue(pod, out var e) ? e : []).SetEquals(actual.TryGetValue(pod, out var a) ? a : []));

    /// <summary>How many replicas say they lead.</summary>
    public async Task<int> LeadersAsync()
    {
        var leaders = 0;
        foreach (var replica in fleet.Replicas)
        {
            try
            {
                if ((await replica.Metrics.GetStringAsync(s_metrics)).Contains("\ndca_leader_election_is_leader 1\n", StringComparison.Ordinal))
                {
                    leaders++;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }
        return leaders;
    }

    /// <summary>Every event text ("chaos-N") the intake received, duplicates kept.</summary>
    public List<string> DeliveredEvents() =>
        [.. fleet.Intake.Requests.Where(r => r.Path == "/api/v1/events")
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()!)
            .Where(t => t.StartsWith("chaos-", StringComparison.Ordinal))];

    /// <summary>Every tcp check run the node agents shipped: (instance, node agent host, unix seconds).</summary>
    public List<(string Check, string Host, long Timestamp)> CheckRuns()
    {
        var runs = new List<(string, string, long)>();
        foreach (var request in fleet.Intake.Requests.Where(r => r.Path == "/api/v1/check_run"))
        {
            using var body = JsonDocument.Parse(request.Body);
            foreach (var check in body.RootElement.EnumerateArray().Where(c => c.GetProperty("check").GetString() == "tcp.can_connect"))
            {
                var instance = check.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t.StartsWith("instance:chaos-", StringComparison.Ordinal));
                if (instance is not null)
                {
                    runs.Add((instance["instance:".Length..], check.GetProperty("host_name").GetString()!, check.GetProperty("timestamp").GetInt64()));
                }
            }
        }
        return runs;
    }

    /// <summary>
    /// Pods whose <c>kube_service</c> tags in a node agent's latest series (received after <paramref name="since"/>)
    /// differ from the truth; -1 while some node agent has shipped nothing since.
    /// </summary>
    public int TagMismatches(Dictionary<string, Dictionary<string, SortedSet<string>>> truth, int since)
    {
        var latest = new Dictionary<string, Dictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        foreach (var request in fleet.Intake.Requests.Skip(since).Where(r => r.Path == "/api/v2/series"))
        {
            using var body = JsonDocument.Parse(request.Body);
            var pods = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            string? host = null;
            foreach (var series in body.RootElement.GetProperty("series").EnumerateArray().Where(s => s.GetProperty("metric").GetString() == "kubernetes.cpu.usage.total"))
            {
                var tags = series.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
                var pod = tags.FirstOrDefault(t => t.StartsWith("pod_name:", StringComparison.Ordinal));
                var ns = tags.FirstOrDefault(t => t.StartsWith("kube_namespace:", StringComparison.Ordinal));
                host ??= series.TryGetProperty("resources", out var resources) ? resources.EnumerateArray().Select(r => r.GetProperty("name").GetString()).FirstOrDefault() : null;
                if (pod is null || ns is null)
                {
                    continue;
                }
                var key = ns["kube_namespace:".Length..] + "/" + pod["pod_name:".Length..];
                pods[key] = new SortedSet<string>(tags.Where(t => t.StartsWith("kube_service:", StringComparison.Ordinal)).Select(t => t["kube_service:".Length..]), StringComparer.Ordinal);
            }
            // The host resource is the node name (with "-<cluster name>" when one is set).
            if (fleet.Nodes.FirstOrDefault(n => host is not null && host.StartsWith(n, StringComparison.Ordinal)) is { } node && pods.Count > 0)
            {
                latest[node] = pods;
            }
        }
        if (latest.Count < fleet.Nodes.Count)
        {
            return -1;
        }
        // Only the pods the node agent reported: a pod the kubelet no longer lists has no series.
        return latest.Sum(node => node.Value.Count(pod => !pod.Value.SetEquals(truth[node.Key].TryGetValue(pod.Key, out var s) ? s : [])));
    }

    /// <summary>True when the external metrics API answers a node's memory usage through the first replica (relayed to the leader).</summary>
    public async Task<bool> ExternalMetricAnswersAsync()
    {
        try
        {
            var path = "/api/v1/externalmetrics/default/kubernetes.memory.usage?labelSelector=" + Uri.EscapeDataString("host=" + fleet.Nodes[0]);
            using var response = await fleet.Replicas[0].Api.GetAsync(new Uri(path, UriKind.Relative));
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"value\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Every process alive, every replica live and ready, every node agent live.</summary>
    public async Task<string?> UnhealthyAsync()
    {
        if (fleet.Processes.FirstOrDefault(p => p.HasExited) is { } dead)
        {
            return $"a process exited ({dead.ExitCode})";
        }
        foreach (var (name, health, path) in fleet.Replicas.Select(r => (r.Name, r.Health, "/ready")).Concat(fleet.Agents.Select(a => (a.Node, a.Health, "/live"))))
        {
            try
            {
                using var response = await health.GetAsync(new Uri(path, UriKind.Relative));
                if (!response.IsSuccessStatusCode)
                {
                    return $"{name} {path} {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return $"{name} {path}: {e.Message}";
            }
        }
        return null;
    }

    /// <summary>Creates uniquely numbered events ("chaos-N") every 200 ms until cancelled, each retried until the API server takes it.</summary>
    public sealed class EventProducer(Fleet fleet)
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> _created = new(StringComparer.Ordinal);
        private int _next;

        public IReadOnlyDictionary<string, DateTimeOffset> Created => _created;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
                    var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    await fleet.PostAsync("/api/v1/namespaces/default/events", $$"""
                        {"apiVersion":"v1","kind":"Event","metadata":{"name":"chaos.{{n}}","namespace":"default"},
                         "involvedObject":{"kind":"Pod","name":"chaos-pod","namespace":"default","uid":"chaos-pod-uid"},
                         "reason":"ChaosTest","message":"chaos-{{n}}","type":"Normal","count":1,"source":{"component":"chaos"},
                         "firstTimestamp":"{{now}}","lastTimestamp":"{{now}}"}
                        """, cancellationToken);
                    _created["chaos-" + n] = DateTimeOffset.UtcNow;
                    await Task.Delay(200, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
