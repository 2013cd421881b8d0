using System.Net;
using System.Text;
using System.Text.Json;
using Dca.ClusterChecks;
using Dca.Sim.Store;
using Dca.Testing;
using Dca.Tests.Api;
using YamlDotNet.RepresentationModel;

namespace Dca.Tests.ClusterChecks;

/// <summary>
/// The cluster-check routes over HTTPS, against the simulator: annotated Services and a checks directory in,
/// configurations out exactly as Datadog's node agent decodes them, with the isuptodate transitions.
/// </summary>
public sealed class ClusterChecksApiTests : IAsyncLifetime
{
    private readonly string _confd = Directory.CreateTempSubdirectory("dca-confd-").FullName;
    private AgentUnderTest _agent = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_confd, "http_check.yaml"), """
            cluster_check: true
            init_config:
            instances:
              - name: status-page
                url: https://status.example.com/
            """);
        await File.WriteAllTextAsync(Path.Combine(_confd, "broken.yaml"), "instances: [unclosed");
        _agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ClusterNameValue = "prod",
            ClusterChecks = new ClusterCheckSettings
            {
                Enabled = true,
                ConfdPath = _confd,
                WarmUp = TimeSpan.Zero,
                ExtraTags = ClusterCheckSettings.TagsFor("prod", "cluster_name", ["team:platform"]),
            },
        }).WithTimeout();
        await _agent.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_confd, recursive: true);
    }

    private void CreateService(string ns, string name, string clusterIp, string annotationsJson) =>
        _agent.Sim.Create(ResourceTypes.Services, $$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","annotations":{{{annotationsJson}}}},
             "spec":{"clusterIP":"{{{clusterIp}}}","ports":[{"name":"pg","port":5432,"protocol":"TCP"},{"name":"metrics","port":9187,"protocol":"TCP"}]}}
            """);

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await _agent.Api.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<bool> HeartbeatAsync(string node, long lastChange)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/clusterchecks/status/" + node, $$"""{"last_change":{{lastChange}},"node_type":2}""");
        Assert.Equal(HttpStatusCode.OK, status);
        return JsonDocument.Parse(body).RootElement.GetProperty("isuptodate").GetBoolean();
    }

    private async Task<(long LastChange, List<JsonElement> Configs)> ConfigsAsync(string node)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/clusterchecks/configs/" + node);
        Assert.Equal(HttpStatusCode.OK, status);
        var root = JsonDocument.Parse(body).RootElement;
        return (root.GetProperty("last_change").GetInt64(), [.. root.GetProperty("configs").EnumerateArray()]);
    }

    /// <summary>As a node agent does: heartbeat, and fetch when not up to date, until the fetched set satisfies <paramref name="done"/>.</summary>
    private async Task<(long LastChange, List<JsonElement> Configs)> PollUntilAsync(string node, Func<List<JsonElement>, bool> done, string what)
    {
        (long, List<JsonElement>) last = (0, []);
        await Wait.UntilAsync(async () =>
        {
            if (!await HeartbeatAsync(node, last.Item1))
            {
                last = await ConfigsAsync(node);
            }
            return done(last.Item2);
        }, what);
        return last;
    }

    /// <summary>Datadog's node agent: base64 → YAML.</summary>
    private static YamlMappingNode Instance(JsonElement config, int i = 0)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Encoding.UTF8.GetString(config.GetProperty("instances")[i].GetBytesFromBase64())));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Value!;

    private static List<string> Tags(YamlMappingNode map) =>
        [.. ((YamlSequenceNode)map.Children[new YamlScalarNode("tags")]).Children.Select(t => ((YamlScalarNode)t).Value!)];

    [Fact]
    public async Task AnnotatedServiceAndFile_AreDispatched_OncePerCheck_WithTheClusterTags()
    {
        CreateService("db", "postgres", "10.96.0.50", """
            {"ad.datadoghq.com/service.checks":"{\"tcp_check\":{\"instances\":[{\"name\":\"pg\",\"host\":\"%%host%%\",\"port\":\"%%port_pg%%\"}]}}"}
            """);

        // Once the leader has placed the checks, a node holding last_change 0 is not up to date: it fetches.
        var (lastChange, configs) = await PollUntilAsync("node-a", c => c.Count == 2, "both checks placed on node-a");
        Assert.True(lastChange > 0);
        Assert.Equal(["http_check", "tcp_check"], configs.Select(c => c.GetProperty("check_name").GetString()).Order());

        var tcp = configs.Single(c => c.GetProperty("check_name").GetString() == "tcp_check");
        Assert.Equal("kube_services", tcp.GetProperty("provider").GetString());
        Assert.Equal("kube_service://db/postgres", tcp.GetProperty("service_id").GetString());
        Assert.Equal("", tcp.GetProperty("node_name").GetString());
        var instance = Instance(tcp);
        Assert.Equal(("10.96.0.50", "5432"), (Scalar(instance, "host"), Scalar(instance, "port")));
        Assert.Equal(["cluster_name:prod", "kube_cluster_name:prod", "team:platform"], Tags(instance));
        // Patched as Datadog's dispatcher does, so Datadog's node agents schedule it as a plain check without a host.
        Assert.Equal("true", Scalar(instance, "empty_default_hostname"));
        Assert.False(tcp.GetProperty("cluster_check").GetBoolean());
        Assert.Equal(JsonValueKind.Null, tcp.GetProperty("ad_identifiers").ValueKind);
        var http = configs.Single(c => c.GetProperty("check_name").GetString() == "http_check");
        Assert.Equal("file", http.GetProperty("provider").GetString());
        Assert.Equal("https://status.example.com/", Scalar(Instance(http), "url"));

        // Up to date with the last_change it fetched; a second node gets nothing already placed.
        Assert.True(await HeartbeatAsync("node-a", lastChange));
        await HeartbeatAsync("node-b", 0);
        var (_, onB) = await ConfigsAsync("node-b");
        Assert.Empty(onB);

        // The state route lists both nodes and no dangling configuration.
        var (stateStatus, stateBody) = await SendAsync(HttpMethod.Get, "/api/v1/clusterchecks");
        Assert.Equal(HttpStatusCode.OK, stateStatus);
        var state = JsonDocument.Parse(stateBody).RootElement;
        Assert.Equal("", state.GetProperty("not_running").GetString());
        Assert.False(state.GetProperty("warmup").GetBoolean());
        Assert.Equal(["node-a", "node-b"], state.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        Assert.Equal(0, state.GetProperty("dangling").GetArrayLength());

        // Removing the annotation removes the check, and node-a's last_change moves.
        _agent.Sim.Update(ResourceTypes.Services, """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"postgres","namespace":"db"},"spec":{"clusterIP":"10.96.0.50","ports":[{"name":"pg","port":5432}]}}
            """);
        await Wait.UntilAsync(async () => !await HeartbeatAsync("node-a", lastChange), "node-a to be told its checks changed");
        var (after, remaining) = await ConfigsAsync("node-a");
        Assert.True(after > lastChange);
        Assert.Equal("http_check", Assert.Single(remaining).GetProperty("check_name").GetString());
    }

    [Fact]
    public async Task BrokenSources_AreReported_AndTheOthersKeepRunning()
    {
        CreateService("shop", "broken", "10.96.0.60", """{"ad.datadoghq.com/service.checks":"{not json"}""");
        // A lone surrogate escape inside the annotation's JSON: valid JSON text, not a valid string.
        CreateService("shop", "surrogate", "10.96.0.62", """
            {"ad.datadoghq.com/service.checks":"{\"tcp_check\":{\"instances\":[{\"host\":\"\\ud800\",\"port\":1}]}}"}
            """);
        CreateService("shop", "fine", "10.96.0.61", """
            {"ad.datadoghq.com/service.checks":"{\"tcp_check\":{\"instances\":[{\"host\":\"%%host%%\",\"port\":\"%%port_pg%%\"}]}}"}
            """);
        await Wait.UntilAsync(async () =>
        {
            var (_, body) = await SendAsync(HttpMethod.Get, "/status");
            var checks = JsonDocument.Parse(body).RootElement.GetProperty("clusterChecks");
            return checks.GetProperty("configs").GetInt32() >= 2 && checks.GetProperty("problems").GetArrayLength() >= 2
                && checks.GetProperty("problems").EnumerateArray().Any(p => p.GetString()!.Contains("shop/broken", StringComparison.Ordinal));
        }, "the problems reported and the two good checks collected");
        var (_, status) = await SendAsync(HttpMethod.Get, "/status");
        var problems = JsonDocument.Parse(status).RootElement.GetProperty("clusterChecks").GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("service shop/broken", StringComparison.Ordinal) && p.Contains("service.checks", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("broken.yaml", StringComparison.Ordinal));
        // The surrogate either resolves (the check then fails on the node) or is a problem: never a crash of the sources.
        var (_, again) = await SendAsync(HttpMethod.Get, "/status");
        var checks = JsonDocument.Parse(again).RootElement.GetProperty("clusterChecks");
        Assert.Equal(checks.GetProperty("problems").GetArrayLength(), problems.Count);

        var metrics = await _agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"dca_cluster_checks_config_problems {problems.Count}\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"dca_cluster_checks_configs {checks.GetProperty("configs").GetInt32()}\n", metrics, StringComparison.Ordinal);
        Assert.Contains("dca_cluster_checks_resolve_errors_total 0\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointsChecks_RunOnThePodsNode_NonPodEndpointsAreClusterChecks()
    {
        CreateService("db", "redis", "10.96.0.70", """
            {"ad.datadoghq.com/endpoints.checks":"{\"tcp_check\":{\"instances\":[{\"host\":\"%%host%%\",\"port\":\"%%port%%\"}]}}"}
            """);
        _agent.Sim.Create(ResourceTypes.EndpointSlices, """
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"redis-x1","namespace":"db","labels":{"kubernetes.io/service-name":"redis"}},
             "addressType":"IPv4","ports":[{"name":"redis","port":6379,"protocol":"TCP"}],
             "endpoints":[
               {"addresses":["10.244.1.5"],"conditions":{"ready":true},"nodeName":"node-1","targetRef":{"kind":"Pod","name":"redis-0","namespace":"db","uid":"uid-redis-0"}},
               {"addresses":["10.244.2.7"],"conditions":{"ready":true},"nodeName":"node-2","targetRef":{"kind":"Pod","name":"redis-1","namespace":"db"}},
               {"addresses":["10.244.2.8"],"conditions":{"ready":false},"nodeName":"node-2","targetRef":{"kind":"Pod","name":"redis-2","namespace":"db"}},
               {"addresses":["192.168.0.9"],"conditions":{"ready":true}}]}
            """);
        await Wait.UntilAsync(async () => (await SendAsync(HttpMethod.Get, "/api/v1/endpointschecks/configs/node-1")).Body.Contains("tcp_check", StringComparison.Ordinal),
            "node-1's endpoints check");
        var (_, body) = await SendAsync(HttpMethod.Get, "/api/v1/endpointschecks/configs/node-1");
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(0, root.GetProperty("last_change").GetInt64());
        var config = Assert.Single(root.GetProperty("configs").EnumerateArray());
        Assert.Equal(("node-1", "kube_endpoints", "kube_endpoint_uid://db/redis/10.244.1.5"),
            (config.GetProperty("node_name").GetString(), config.GetProperty("provider").GetString(), config.GetProperty("service_id").GetString()));
        Assert.Equal(("10.244.1.5", "6379"), (Scalar(Instance(config), "host"), Scalar(Instance(config), "port")));
        Assert.Equal(["kube_endpoint_uid://db/redis/10.244.1.5", "kubernetes_pod://uid-redis-0"], config.GetProperty("ad_identifiers").EnumerateArray().Select(e => e.GetString()));
        Assert.False(Instance(config).Children.ContainsKey(new YamlScalarNode("empty_default_hostname")), "endpoints checks keep the pod's host");

        // node-2 gets only its ready endpoint; the endpoint without a pod is a cluster check for any node.
        var node2 = JsonDocument.Parse((await SendAsync(HttpMethod.Get, "/api/v1/endpointschecks/configs/node-2")).Body).RootElement;
        Assert.Equal("10.244.2.7", Scalar(Instance(Assert.Single(node2.GetProperty("configs").EnumerateArray())), "host"));
        var (_, dispatched) = await PollUntilAsync("node-z", c => c.Count > 0, "the non-pod endpoint to be dispatched");
        Assert.Contains(dispatched, c => c.GetProperty("service_id").GetString() == "kube_endpoint_uid://db/redis/192.168.0.9");
        // The CLI route lists every node's endpoints checks: the two ready pod endpoints.
        Assert.Equal(2, JsonDocument.Parse((await SendAsync(HttpMethod.Get, "/api/v1/endpointschecks/configs")).Body).RootElement.GetProperty("configs").GetArrayLength());
    }

    [Fact]
    public async Task BadRequests_GetClearAnswers()
    {
        var (unknown, body) = await SendAsync(HttpMethod.Get, "/api/v1/clusterchecks/configs/ghost");
        Assert.Equal((HttpStatusCode.InternalServerError, "node ghost is unknown\n"), (unknown, body));
        var (malformed, reason) = await SendAsync(HttpMethod.Post, "/api/v1/clusterchecks/status/node-a", "{\"last_change\":\"soon\"}");
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.StartsWith("the body is not a node status", reason, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/clusterchecks/status/node-a", UriKind.Relative))
        {
            Content = new StringContent("""{"last_change":0,"node_type":2}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Real-Ip", "not-an-ip");
        using var response = await _agent.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var anonymous = await _agent.Anonymous.PostAsync(new Uri("/api/v1/clusterchecks/status/node-a", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var (rebalance, moves) = await SendAsync(HttpMethod.Post, "/api/v1/clusterchecks/rebalance");
        Assert.Equal((HttpStatusCode.OK, "[]"), (rebalance, moves));
    }
}
