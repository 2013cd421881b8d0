using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Api;

public sealed class ApiHttpTests
{
    [Fact]
    public Task Get_WithoutToken_Returns401Status() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        foreach (var token in new[] { "", "wrong" })
        {
            using var client = SimHttp.Client(sim, token);
            var (status, body) = await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct);
            Assert.Equal(401, status);
            Assert.Equal("Status", body.RootElement.GetProperty("kind").GetString());
            Assert.Equal("Unauthorized", body.RootElement.GetProperty("reason").GetString());
            Assert.Equal(401, body.RootElement.GetProperty("code").GetInt32());
        }
    });

    [Fact]
    public Task Get_MissingObject_Returns404StatusWithDetails() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (status, body) = await SimHttp.GetJsonAsync(client, "/api/v1/namespaces/default/pods/nope", ct);
        Assert.Equal(404, status);
        var root = body.RootElement;
        Assert.Equal(("Failure", "NotFound", "pods \"nope\" not found"), (root.GetProperty("status").GetString(), root.GetProperty("reason").GetString(), root.GetProperty("message").GetString()));
        Assert.Equal("pods", root.GetProperty("details").GetProperty("kind").GetString());
    });

    [Fact]
    public Task List_Paged_ReturnsAllPodsWithContinue() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var names = new List<string>();
        string? token = null;
        do
        {
            var (status, body) = await SimHttp.GetJsonAsync(client, "/api/v1/pods?limit=7" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)), ct);
            Assert.Equal(200, status);
            Assert.Equal("PodList", body.RootElement.GetProperty("kind").GetString());
            names.AddRange(body.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()!));
            token = body.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
        }
        while (token is not null);
        Assert.Equal(sim.Store.Objects(ResourceTypes.Pods).Select(p => p.Name), names);
    });

    [Fact]
    public Task List_MetadataOnlyAccept_ReturnsPartialObjectMetadataList() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (status, body) = await SimHttp.GetJsonAsync(client, "/api/v1/nodes", ct, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
        Assert.Equal(200, status);
        var root = body.RootElement;
        Assert.Equal(("PartialObjectMetadataList", "meta.k8s.io/v1"), (root.GetProperty("kind").GetString(), root.GetProperty("apiVersion").GetString()));
        var items = root.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.All(items, i =>
        {
            Assert.Equal(["kind", "apiVersion", "metadata"], i.EnumerateObject().Select(p => p.Name));
            Assert.Equal("PartialObjectMetadata", i.GetProperty("kind").GetString());
            Assert.True(i.GetProperty("metadata").TryGetProperty("labels", out _));
        });
        var (_, single) = await SimHttp.GetJsonAsync(client, "/api/v1/nodes/" + sim.NodeNames[0], ct, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
        Assert.Equal("PartialObjectMetadata", single.RootElement.GetProperty("kind").GetString());
        Assert.False(single.RootElement.TryGetProperty("status", out _));
    });

    [Fact]
    public Task List_LabelAndFieldSelectors_FilterPods() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var node = sim.NodeNames[1];
        var (_, body) = await SimHttp.GetJsonAsync(client, $"/api/v1/pods?fieldSelector=spec.nodeName%3D{node}&labelSelector=k8s-app%3Dkube-proxy", ct);
        var items = body.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Single(items);
        Assert.Equal(node, items[0].GetProperty("spec").GetProperty("nodeName").GetString());
        var (status, bad) = await SimHttp.GetJsonAsync(client, "/api/v1/pods?fieldSelector=spec.bogus%3Dx", ct);
        Assert.Equal(400, status);
        Assert.Equal("BadRequest", bad.RootElement.GetProperty("reason").GetString());
    });

    [Fact]
    public Task Create_Post_Returns201ThenConflictsOnDuplicate() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        const string Body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"b"}}""";
        var (created, obj) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Body, ct);
        Assert.Equal(201, created);
        Assert.Equal("default", obj.RootElement.GetProperty("metadata").GetProperty("namespace").GetString());
        var (dup, status) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Body, ct);
        Assert.Equal((409, "AlreadyExists"), (dup, status.RootElement.GetProperty("reason").GetString()));
        var (missingNs, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/api/v1/namespaces/nowhere/configmaps", Body, ct);
        Assert.Equal(404, missingNs);
    });

    [Fact]
    public Task Put_StaleResourceVersion_Returns409Conflict() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var lease = sim.Store.Objects(ResourceTypes.Leases)[0];
        var path = $"/apis/coordination.k8s.io/v1/namespaces/{lease.Namespace}/leases/{lease.Name}";
        var json = System.Text.Encoding.UTF8.GetString(lease.Json.Span);
        var (ok, updated) = await SimHttp.SendJsonAsync(client, HttpMethod.Put, path, json.Replace("\"leaseTransitions\":0", "\"leaseTransitions\":1", StringComparison.Ordinal), ct);
        Assert.Equal(200, ok);
        Assert.NotEqual(lease.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), updated.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        var (stale, status) = await SimHttp.SendJsonAsync(client, HttpMethod.Put, path, json.Replace("\"leaseTransitions\":0", "\"leaseTransitions\":2", StringComparison.Ordinal), ct);
        Assert.Equal((409, "Conflict"), (stale, status.RootElement.GetProperty("reason").GetString()));
    });

    [Fact]
    public Task Patch_MergePatch_AppliesAndRemovesFields() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"p","namespace":"default","labels":{"a":"1","b":"2"}},"data":{"x":"1"}}""");
        var (status, body) = await SimHttp.SendJsonAsync(client, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/p",
            """{"metadata":{"labels":{"a":null,"c":"3"}},"data":{"y":"2"}}""", ct, "application/merge-patch+json");
        Assert.Equal(200, status);
        var labels = body.RootElement.GetProperty("metadata").GetProperty("labels");
        Assert.Equal(["b", "c"], labels.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, body.RootElement.GetProperty("data").EnumerateObject().Count());
        var (jsonPatch, patched) = await SimHttp.SendJsonAsync(client, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/p",
            """[{"op":"replace","path":"/data/x","value":"9"}]""", ct, "application/json-patch+json");
        Assert.Equal(200, jsonPatch);
        Assert.Equal("9", patched.RootElement.GetProperty("data").GetProperty("x").GetString());
    });

    [Fact]
    public Task Delete_ReturnsObjectAndRemovesIt() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var pod = sim.Store.Objects(ResourceTypes.Pods)[0];
        using var response = await client.DeleteAsync($"/api/v1/namespaces/{pod.Namespace}/pods/{pod.Name}", ct);
        Assert.Equal(200, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal(pod.Name, body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Null(sim.Store.Get(ResourceTypes.Pods, pod.Namespace, pod.Name));
    });

    [Fact]
    public Task Discovery_Documents_DescribeServedResources() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (_, version) = await SimHttp.GetJsonAsync(client, "/version", ct);
        Assert.StartsWith("v1.", version.RootElement.GetProperty("gitVersion").GetString(), StringComparison.Ordinal);
        var (_, api) = await SimHttp.GetJsonAsync(client, "/api", ct);
        Assert.Equal("APIVersions", api.RootElement.GetProperty("kind").GetString());
        var (_, core) = await SimHttp.GetJsonAsync(client, "/api/v1", ct);
        var pods = core.RootElement.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "pods");
        Assert.True(pods.GetProperty("namespaced").GetBoolean());
        Assert.Contains("watch", pods.GetProperty("verbs").EnumerateArray().Select(v => v.GetString()));
        var (_, groups) = await SimHttp.GetJsonAsync(client, "/apis", ct);
        var names = groups.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToList();
        Assert.Contains("discovery.k8s.io", names);
        Assert.Contains("coordination.k8s.io", names);
        var (_, slices) = await SimHttp.GetJsonAsync(client, "/apis/discovery.k8s.io/v1", ct);
        Assert.Equal("EndpointSlice", slices.RootElement.GetProperty("resources")[0].GetProperty("kind").GetString());
    });

    [Fact]
    public Task NodeProxy_Pods_ServedThroughApiServer() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var node = sim.NodeNames[0];
        var (status, body) = await SimHttp.GetJsonAsync(client, $"/api/v1/nodes/{node}/proxy/pods", ct);
        Assert.Equal(200, status);
        Assert.Equal(sim.Store.PodsOnNode(node).Count, body.RootElement.GetProperty("items").GetArrayLength());
    });
}
