using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Kubelet;

public sealed class KubeletTests
{
    [Fact]
    public Task Pods_AtNodeAddress_ReturnsThatNodesPods() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        foreach (var node in sim.NodeNames)
        {
            using var client = SimHttp.Client(sim, baseAddress: sim.KubeletUri(node));
            var (status, body) = await SimHttp.GetJsonAsync(client, "/pods", ct);
            Assert.Equal(200, status);
            Assert.Equal("PodList", body.RootElement.GetProperty("kind").GetString());
            var names = body.RootElement.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("metadata").GetProperty("name").GetString()).ToList();
            Assert.Equal(sim.Store.PodsOnNode(node).Select(p => p.Name), names);
            Assert.Equal(10, names.Count);
        }
    });

    [Fact]
    public Task Node_AdvertisesKubeletAddressAndPort() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        var node = sim.Store.Objects(ResourceTypes.Nodes)[1];
        using var doc = node.ToJsonDocument();
        var status = doc.RootElement.GetProperty("status");
        var ip = status.GetProperty("addresses").EnumerateArray().Single(a => a.GetProperty("type").GetString() == "InternalIP").GetProperty("address").GetString();
        Assert.Equal(sim.NodeAddress(node.Name).ToString(), ip);
        Assert.Equal("127.1.0.2", ip);
        Assert.Equal(sim.KubeletPort, status.GetProperty("daemonEndpoints").GetProperty("kubeletEndpoint").GetProperty("Port").GetInt32());
        await Task.CompletedTask;
    });

    [Fact]
    public Task Kubelet_AuthenticatedRequests_AuditedAsTheKubeletAuthorizerSeesThem() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { ExtraTokens = new Dictionary<string, string> { ["node-agent"] = "node-agent-token" } });
        var node = sim.NodeNames[1];
        using var client = SimHttp.Client(sim, token: "node-agent-token", baseAddress: sim.KubeletUri(node));
        await SimHttp.GetJsonAsync(client, "/pods", ct);
        await SimHttp.GetJsonAsync(client, "/stats/summary", ct);
        await SimHttp.GetJsonAsync(client, "/stats/summary", ct);
        var audit = sim.Audit().Where(e => e.Identity == "node-agent").Select(e => (e.Verb, e.Group, e.Resource, e.Namespace, e.Name, e.Count)).ToList();
        Assert.Equal([("get", "", "nodes/proxy", "", node, 1L), ("get", "", "nodes/stats", "", node, 2L)], audit);
    });

    [Theory]
    [InlineData("/pods", "proxy")]
    [InlineData("/healthz", "proxy")]
    [InlineData("/stats/summary", "stats")]
    [InlineData("/stats", "stats")]
    [InlineData("/statsx", "proxy")]
    [InlineData("/metrics/cadvisor", "metrics")]
    [InlineData("/logs/syslog", "log")]
    public void Subresource_ByPath_MatchesTheKubeletsAuthorizer(string path, string expected) =>
        Assert.Equal(expected, Dca.Sim.Kubelet.KubeletHandler.Subresource(path));

    [Fact]
    public Task Kubelet_WithoutToken_Returns401() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim, token: "", baseAddress: sim.KubeletUri(sim.NodeNames[0]));
        using var response = await client.GetAsync("/pods", ct);
        Assert.Equal(401, (int)response.StatusCode);
        using var health = SimHttp.Client(sim, baseAddress: sim.KubeletUri(sim.NodeNames[0]));
        Assert.Equal("ok", await health.GetStringAsync("/healthz", ct));
    });

    [Fact]
    public Task StatsSummary_LaterCall_CountersGrowAndShapeMatchesKubelet() => Bounded.RunAsync(async ct =>
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Time = clock });
        var node = sim.NodeNames[0];
        using var client = SimHttp.Client(sim, baseAddress: sim.KubeletUri(node));
        var (_, first) = await SimHttp.GetJsonAsync(client, "/stats/summary", ct);
        clock.Advance(TimeSpan.FromMinutes(1));
        var (_, second) = await SimHttp.GetJsonAsync(client, "/stats/summary", ct);

        static long At(JsonDocument d, params string[] path)
        {
            var e = d.RootElement;
            foreach (var p in path)
            {
                e = e.GetProperty(p);
            }
            return e.GetInt64();
        }

        Assert.Equal(node, first.RootElement.GetProperty("node").GetProperty("nodeName").GetString());
        Assert.True(At(second, "node", "cpu", "usageCoreNanoSeconds") > At(first, "node", "cpu", "usageCoreNanoSeconds"));
        Assert.True(At(second, "node", "network", "rxBytes") > At(first, "node", "network", "rxBytes"));
        var pods = second.RootElement.GetProperty("pods").EnumerateArray().ToList();
        Assert.Equal(10, pods.Count);
        var pod = pods[1];
        Assert.True(pod.GetProperty("podRef").TryGetProperty("uid", out _));
        var container = pod.GetProperty("containers")[0];
        Assert.True(container.GetProperty("memory").GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(container.GetProperty("cpu").GetProperty("usageNanoCores").GetInt64() > 0);
        Assert.True(pod.GetProperty("ephemeral-storage").GetProperty("usedBytes").GetInt64() > 0);
    });

    [Fact]
    public Task LazyPods_KubeletGeneratesPodsThatEndpointSlicesReference() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Scenario = o.Scenario with { LazyPods = true } });
        Assert.Equal(0, sim.Store.Count(ResourceTypes.Pods));
        var podsByName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in sim.NodeNames)
        {
            using var client = SimHttp.Client(sim, baseAddress: sim.KubeletUri(node));
            var (_, body) = await SimHttp.GetJsonAsync(client, "/pods", ct);
            foreach (var p in body.RootElement.GetProperty("items").EnumerateArray())
            {
                podsByName[p.GetProperty("metadata").GetProperty("name").GetString()!] = p.GetProperty("metadata").GetProperty("uid").GetString()!;
            }
        }
        var targets = sim.Store.Objects(ResourceTypes.EndpointSlices).SelectMany(s =>
        {
            using var doc = s.ToJsonDocument();
            return doc.RootElement.GetProperty("endpoints").EnumerateArray()
                .Where(e => e.TryGetProperty("targetRef", out _))
                .Select(e => (e.GetProperty("targetRef").GetProperty("name").GetString()!, e.GetProperty("targetRef").GetProperty("uid").GetString()!)).ToList();
        }).ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.Equal(t.Item2, podsByName[t.Item1]));
    });
}
