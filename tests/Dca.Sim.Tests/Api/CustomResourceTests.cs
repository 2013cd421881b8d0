using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Api;

/// <summary>CustomResourceDefinitions and the custom resources they serve, over HTTP as a client sees them.</summary>
public sealed class CustomResourceTests
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private const string Metrics = "/apis/datadoghq.com/v1alpha1/namespaces/default/datadogmetrics";

    private static async Task CreateCrdAsync(HttpClient client, CancellationToken ct, bool statusSubresource = true)
    {
        var (status, body) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, Crds, DatadogMetricCrd.Json(statusSubresource), ct);
        Assert.True(status == 201, body.RootElement.GetRawText());
    }

    private static async Task<JsonElement> OkAsync(Task<(int Status, JsonDocument Body)> request, int expected = 200)
    {
        var (status, body) = await request;
        Assert.True(status == expected, $"{status}: {body.RootElement.GetRawText()}");
        return body.RootElement;
    }

    private static string? At(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText();
    }

    private static IEnumerable<string> Names(JsonElement list) =>
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()!);

    [Fact]
    public Task CreateCrd_Valid_EstablishedAndServedInDiscovery() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (_, before) = await SimHttp.GetJsonAsync(client, "/apis", ct);
        Assert.DoesNotContain("datadoghq.com", before.RootElement.GetRawText(), StringComparison.Ordinal);

        await CreateCrdAsync(client, ct);

        var crd = await OkAsync(SimHttp.GetJsonAsync(client, Crds + "/" + DatadogMetricCrd.Name, ct));
        var conditions = crd.GetProperty("status").GetProperty("conditions").EnumerateArray()
            .ToDictionary(c => c.GetProperty("type").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("True", conditions["NamesAccepted"]);
        Assert.Equal("True", conditions["Established"]);
        Assert.Equal("DatadogMetric", At(crd, "status", "acceptedNames", "kind"));
        Assert.Equal("datadogmetrics", At(crd, "status", "acceptedNames", "plural"));
        Assert.Equal("datadogmetric", At(crd, "spec", "names", "singular"));
        Assert.Equal("DatadogMetricList", At(crd, "spec", "names", "listKind"));
        Assert.Equal("1", At(crd, "metadata", "generation"));

        var groups = await OkAsync(SimHttp.GetJsonAsync(client, "/apis", ct));
        Assert.Contains(groups.GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "datadoghq.com");
        var group = await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com", ct));
        Assert.Equal("datadoghq.com/v1alpha1", At(group, "preferredVersion", "groupVersion"));
        var resources = (await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1", ct)))
            .GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        var metrics = resources["datadogmetrics"];
        Assert.Equal(("DatadogMetric", "datadogmetric", true), (metrics.GetProperty("kind").GetString(), metrics.GetProperty("singularName").GetString(), metrics.GetProperty("namespaced").GetBoolean()));
        Assert.Equal(["ddm"], metrics.GetProperty("shortNames").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("watch", metrics.GetProperty("verbs").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["get", "patch", "update"], resources["datadogmetrics/status"].GetProperty("verbs").EnumerateArray().Select(v => v.GetString()));

        var extensions = (await OkAsync(SimHttp.GetJsonAsync(client, "/apis/apiextensions.k8s.io/v1", ct)))
            .GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["crd", "crds"], extensions["customresourcedefinitions"].GetProperty("shortNames").EnumerateArray().Select(s => s.GetString()));
        Assert.False(extensions["customresourcedefinitions"].GetProperty("namespaced").GetBoolean());
        Assert.NotNull(sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics"));
    });

    [Theory]
    [InlineData("metadata.name", "metadata.name: Invalid value: \"wrong.datadoghq.com\": must be spec.names.plural+\".\"+spec.group")]
    [InlineData("spec.group", "spec.group: Required value")]
    [InlineData("spec.names.plural", "spec.names.plural: Required value")]
    [InlineData("spec.names.kind", "spec.names.kind: Required value")]
    [InlineData("spec.scope", "spec.scope: Required value")]
    [InlineData("spec.versions", "spec.versions: Required value")]
    public Task CreateCrd_Invalid_Returns422NamingTheField(string broken, string message) => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var crd = System.Text.Json.Nodes.JsonNode.Parse(DatadogMetricCrd.Json())!.AsObject();
        var spec = crd["spec"]!.AsObject();
        switch (broken)
        {
            case "metadata.name":
                crd["metadata"]!["name"] = "wrong.datadoghq.com";
                break;
            case "spec.group":
                spec.Remove("group");
                break;
            case "spec.names.plural":
                spec["names"]!.AsObject().Remove("plural");
                break;
            case "spec.names.kind":
                spec["names"]!.AsObject().Remove("kind");
                break;
            case "spec.scope":
                spec.Remove("scope");
                break;
            default:
                spec["versions"] = new System.Text.Json.Nodes.JsonArray();
                break;
        }
        var (status, body) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, Crds, crd.ToJsonString(), ct);
        Assert.Equal(422, status);
        Assert.Equal("Invalid", body.RootElement.GetProperty("reason").GetString());
        Assert.Contains(message, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(sim.Store.Objects(ResourceTypes.CustomResourceDefinitions));
        Assert.DoesNotContain(sim.Store.Types, t => t.IsCustomResource);
    });

    [Fact]
    public Task CustomResource_CreateGetListUpdatePatchDelete_LikeBuiltIns() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct);
        var created = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics, DatadogMetricCrd.Metric("default", "a", labels: """{"team":"x"}"""), ct), 201);
        Assert.Equal(("datadoghq.com/v1alpha1", "DatadogMetric", "1"), (At(created, "apiVersion"), At(created, "kind"), At(created, "metadata", "generation")));
        Assert.NotNull(At(created, "metadata", "uid"));
        await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics, DatadogMetricCrd.Metric("default", "b", labels: """{"team":"y"}"""), ct), 201);
        await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Post, "/apis/datadoghq.com/v1alpha1/namespaces/kube-system/datadogmetrics", DatadogMetricCrd.Metric("kube-system", "c"), ct), 201);
        var (dup, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics, DatadogMetricCrd.Metric("default", "a"), ct);
        Assert.Equal(409, dup);

        var got = await OkAsync(SimHttp.GetJsonAsync(client, Metrics + "/a", ct));
        Assert.Equal(DatadogMetricCrd.Query, At(got, "spec", "query"));
        var all = await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1/datadogmetrics", ct));
        Assert.Equal(("DatadogMetricList", "datadoghq.com/v1alpha1"), (At(all, "kind"), At(all, "apiVersion")));
        Assert.Equal(["a", "b", "c"], Names(all));
        Assert.Equal(["a", "b"], Names(await OkAsync(SimHttp.GetJsonAsync(client, Metrics, ct))));
        Assert.Equal(["a"], Names(await OkAsync(SimHttp.GetJsonAsync(client, Metrics + "?labelSelector=team%3Dx", ct))));
        Assert.Equal(["b"], Names(await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1/datadogmetrics?fieldSelector=metadata.name%3Db", ct))));
        Assert.Equal(["c"], Names(await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1/datadogmetrics?fieldSelector=metadata.namespace%3Dkube-system", ct))));
        var paged = await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1/datadogmetrics?limit=2", ct));
        Assert.Equal(["a", "b"], Names(paged));
        Assert.NotNull(At(paged, "metadata", "continue"));

        var put = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/a", DatadogMetricCrd.Metric("default", "a", "avg:other{*}"), ct));
        Assert.Equal(("avg:other{*}", "2", At(created, "metadata", "uid")), (At(put, "spec", "query"), At(put, "metadata", "generation"), At(put, "metadata", "uid")));
        var labelsOnly = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Patch, Metrics + "/a", """{"metadata":{"labels":{"team":"z"}}}""", ct, "application/merge-patch+json"));
        Assert.Equal(("z", "2"), (At(labelsOnly, "metadata", "labels", "team"), At(labelsOnly, "metadata", "generation")));
        var merged = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Patch, Metrics + "/a", """{"spec":{"maxAge":"5m"}}""", ct, "application/merge-patch+json"));
        Assert.Equal(("avg:other{*}", "5m", "3"), (At(merged, "spec", "query"), At(merged, "spec", "maxAge"), At(merged, "metadata", "generation")));
        var (stale, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/a",
            """{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"},"spec":{"query":"x"}}""", ct);
        Assert.Equal(409, stale);

        await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Delete, Metrics + "/a", "{}", ct));
        var (gone, body) = await SimHttp.GetJsonAsync(client, Metrics + "/a", ct);
        Assert.Equal(404, gone);
        Assert.Equal("datadogmetrics.datadoghq.com \"a\" not found", body.RootElement.GetProperty("message").GetString());
    });

    [Fact]
    public Task StatusSubresource_MainWritesKeepStatusAndStatusWritesKeepTheRest() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct);
        // Create ignores the status when the subresource is declared.
        var created = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics, DatadogMetricCrd.Metric("default", "m", status: """{"currentValue":"1"}"""), ct), 201);
        Assert.Null(At(created, "status"));

        var status = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/m/status",
            """{"metadata":{"name":"m","namespace":"default","labels":{"ignored":"yes"}},"spec":{"query":"ignored"},"status":{"currentValue":"5"}}""", ct));
        Assert.Equal(("5", DatadogMetricCrd.Query, "1", null), (At(status, "status", "currentValue"), At(status, "spec", "query"), At(status, "metadata", "generation"), At(status, "metadata", "labels")));
        Assert.True(long.Parse(At(status, "metadata", "resourceVersion")!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(At(created, "metadata", "resourceVersion")!, System.Globalization.CultureInfo.InvariantCulture));

        var main = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/m", DatadogMetricCrd.Metric("default", "m", "avg:new{*}", status: """{"currentValue":"9"}"""), ct));
        Assert.Equal(("5", "avg:new{*}", "2"), (At(main, "status", "currentValue"), At(main, "spec", "query"), At(main, "metadata", "generation")));
        var mainPatch = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Patch, Metrics + "/m", """{"status":{"currentValue":"7"}}""", ct, "application/merge-patch+json"));
        Assert.Equal(("5", "2", At(main, "metadata", "resourceVersion")), (At(mainPatch, "status", "currentValue"), At(mainPatch, "metadata", "generation"), At(mainPatch, "metadata", "resourceVersion")));

        var statusPatch = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Patch, Metrics + "/m/status",
            """{"spec":{"query":"ignored"},"status":{"currentValue":"6","autoscalerReferences":"hpa"}}""", ct, "application/merge-patch+json"));
        Assert.Equal(("6", "hpa", "avg:new{*}", "2"), (At(statusPatch, "status", "currentValue"), At(statusPatch, "status", "autoscalerReferences"), At(statusPatch, "spec", "query"), At(statusPatch, "metadata", "generation")));

        // The body's resourceVersion is still a precondition on /status.
        var (conflict, conflictBody) = await SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/m/status",
            """{"metadata":{"name":"m","namespace":"default","resourceVersion":"1"},"status":{"currentValue":"0"}}""", ct);
        Assert.Equal(409, conflict);
        Assert.Equal("Conflict", conflictBody.RootElement.GetProperty("reason").GetString());

        var get = await OkAsync(SimHttp.GetJsonAsync(client, Metrics + "/m/status", ct));
        Assert.Equal(("DatadogMetric", "6"), (At(get, "kind"), At(get, "status", "currentValue")));
        var (post, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics + "/m/status", "{}", ct);
        Assert.Equal(405, post);

        // The store's API has the same split.
        var viaStore = sim.UpdateStatus(sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!,
            DatadogMetricCrd.Metric("default", "m", "ignored", status: """{"currentValue":"8"}"""));
        using var doc = viaStore.ToJsonDocument();
        Assert.Equal(("8", "avg:new{*}"), (At(doc.RootElement, "status", "currentValue"), At(doc.RootElement, "spec", "query")));
    });

    [Fact]
    public Task WithoutStatusSubresource_StatusIs404AndStatusIsOrdinaryContent() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct, statusSubresource: false);
        var created = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Post, Metrics, DatadogMetricCrd.Metric("default", "m", status: """{"currentValue":"1"}"""), ct), 201);
        Assert.Equal("1", At(created, "status", "currentValue"));
        var (status, _) = await SimHttp.GetJsonAsync(client, Metrics + "/m/status", ct);
        Assert.Equal(404, status);
        var (put, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Put, Metrics + "/m/status", DatadogMetricCrd.Metric("default", "m"), ct);
        Assert.Equal(404, put);
        var patched = await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Patch, Metrics + "/m", """{"status":{"currentValue":"2"}}""", ct, "application/merge-patch+json"));
        Assert.Equal(("2", "2"), (At(patched, "status", "currentValue"), At(patched, "metadata", "generation")));
        var resources = (await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1", ct))).GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString());
        Assert.Equal(["datadogmetrics"], resources);
    });

    [Fact]
    public Task Watch_CustomResource_SeesAddedModifiedDeletedAndResumes() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct);
        var type = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        var rv = (await OkAsync(SimHttp.GetJsonAsync(client, Metrics, ct))).GetProperty("metadata").GetProperty("resourceVersion").GetString();
        var first = sim.Create(type, DatadogMetricCrd.Metric("default", "w"));
        var events = new List<(string, string, string?)>();
        var bookmarks = 0;
        await foreach (var e in SimHttp.WatchAsync(client, $"{Metrics}?watch=1&resourceVersion={rv}&allowWatchBookmarks=true", ct))
        {
            var kind = e.RootElement.GetProperty("type").GetString()!;
            var obj = e.RootElement.GetProperty("object");
            if (kind == "BOOKMARK")
            {
                Assert.Equal(("DatadogMetric", "datadoghq.com/v1alpha1"), (At(obj, "kind"), At(obj, "apiVersion")));
                bookmarks++;
                continue;
            }
            events.Add((kind, At(obj, "metadata", "name")!, At(obj, "status", "currentValue")));
            if (events.Count == 1)
            {
                sim.UpdateStatus(type, DatadogMetricCrd.Metric("default", "w", status: """{"currentValue":"3"}"""));
                sim.Delete(type, "default", "w");
            }
            if (events.Count == 3)
            {
                break;
            }
        }
        Assert.Equal([("ADDED", "w", null), ("MODIFIED", "w", "3"), ("DELETED", "w", "3")], events);

        // Resuming from the first event's resourceVersion replays the rest.
        var resumed = new List<string>();
        await foreach (var e in SimHttp.WatchAsync(client, $"{Metrics}?watch=1&resourceVersion={first.ResourceVersion}", ct))
        {
            resumed.Add(e.RootElement.GetProperty("type").GetString()!);
            if (resumed.Count == 2)
            {
                break;
            }
        }
        Assert.Equal(["MODIFIED", "DELETED"], resumed);

        // Bookmarks come on a quiet watch too.
        await foreach (var e in SimHttp.WatchAsync(client, $"{Metrics}?watch=1&resourceVersion={sim.Store.ResourceVersion}&allowWatchBookmarks=true", ct))
        {
            Assert.Equal("BOOKMARK", e.RootElement.GetProperty("type").GetString());
            Assert.Equal("datadoghq.com/v1alpha1", At(e.RootElement.GetProperty("object"), "apiVersion"));
            break;
        }
    });

    [Fact]
    public Task DeleteCrd_RemovesObjectsEndsWatchesAndLeavesDiscovery() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct);
        var type = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        sim.Create(type, DatadogMetricCrd.Metric("default", "x"));
        var rv = sim.Store.ResourceVersion;
        var events = new List<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in SimHttp.WatchAsync(client, $"/apis/datadoghq.com/v1alpha1/datadogmetrics?watch=1&resourceVersion={rv}", ct))
            {
                events.Add(e.RootElement.GetProperty("type").GetString()!);
            }
        }, ct);
        await Dca.Testing.Wait.UntilAsync(() => sim.Store.WatcherCount(type) == 1, "the watch to open");

        await OkAsync(SimHttp.SendJsonAsync(client, HttpMethod.Delete, Crds + "/" + DatadogMetricCrd.Name, "{}", ct));

        await watch; // The stream ends: the resource is gone.
        Assert.Equal(["DELETED"], events);
        Assert.Null(sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics"));
        var (status, _) = await SimHttp.GetJsonAsync(client, Metrics, ct);
        Assert.Equal(404, status);
        var (groupStatus, _) = await SimHttp.GetJsonAsync(client, "/apis/datadoghq.com/v1alpha1", ct);
        Assert.Equal(404, groupStatus);
        var (_, groups) = await SimHttp.GetJsonAsync(client, "/apis", ct);
        Assert.DoesNotContain("datadoghq.com", groups.RootElement.GetRawText(), StringComparison.Ordinal);

        // Created again, it starts empty.
        await CreateCrdAsync(client, ct);
        Assert.Empty(Names(await OkAsync(SimHttp.GetJsonAsync(client, Metrics, ct))));
    });

    [Fact]
    public Task UpdateCrd_ThroughSimulator_ServesNewVersionAndKeepsObjects() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        sim.Create(ResourceTypes.CustomResourceDefinitions, DatadogMetricCrd.Json(statusSubresource: false));
        var v1alpha1 = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        Assert.False(v1alpha1.StatusSubresource);
        sim.Create(v1alpha1, DatadogMetricCrd.Metric("default", "kept"));

        // Same definition again: nothing changes, not even the resourceVersion.
        var crd = sim.Store.Get(ResourceTypes.CustomResourceDefinitions, "", DatadogMetricCrd.Name)!;
        Assert.Equal(crd.ResourceVersion, sim.Update(ResourceTypes.CustomResourceDefinitions, DatadogMetricCrd.Json(statusSubresource: false)).ResourceVersion);
        Assert.Same(v1alpha1, sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics"));

        // Declaring the status subresource and a second served version.
        var json = System.Text.Json.Nodes.JsonNode.Parse(DatadogMetricCrd.Json())!.AsObject();
        var versions = json["spec"]!["versions"]!.AsArray();
        var v2 = versions[0]!.DeepClone().AsObject();
        v2["name"] = "v1beta1";
        v2["storage"] = false;
        versions.Add(v2);
        var updated = sim.Update(ResourceTypes.CustomResourceDefinitions, json.ToJsonString());
        using (var doc = updated.ToJsonDocument())
        {
            Assert.Equal("2", At(doc.RootElement, "metadata", "generation"));
        }
        var replaced = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        Assert.True(replaced.StatusSubresource);
        Assert.Equal(["kept"], sim.Store.Objects(replaced).Select(o => o.Name));
        Assert.NotNull(sim.CustomResource("datadoghq.com", "v1beta1", "datadogmetrics"));
        await OkAsync(SimHttp.GetJsonAsync(client, Metrics + "/kept/status", ct));
        var group = await OkAsync(SimHttp.GetJsonAsync(client, "/apis/datadoghq.com", ct));
        Assert.Equal(["v1alpha1", "v1beta1"], group.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));

        // The scope is immutable, as on the real server.
        var scoped = System.Text.Json.Nodes.JsonNode.Parse(DatadogMetricCrd.Json())!.AsObject();
        scoped["spec"]!["scope"] = "Cluster";
        var ex = Assert.Throws<StatusException>(() => sim.Update(ResourceTypes.CustomResourceDefinitions, scoped.ToJsonString()));
        Assert.Equal(422, ex.Code);
        Assert.Contains("spec.scope: Invalid value: \"Cluster\": field is immutable", ex.Message, StringComparison.Ordinal);
    });

    [Fact]
    public Task ListAsTable_PrinterColumns_ReadTheirJsonPaths() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await CreateCrdAsync(client, ct);
        var type = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        sim.Create(type, DatadogMetricCrd.Metric("default", "t"));
        sim.UpdateStatus(type, DatadogMetricCrd.Metric("default", "t", status: """{"currentValue":"42","conditions":[{"type":"Valid","status":"False"},{"type":"Active","status":"True"}]}"""));
        sim.Create(type, DatadogMetricCrd.Metric("default", "u"));
        var table = await OkAsync(SimHttp.GetJsonAsync(client, Metrics, ct, "application/json;as=Table;v=v1;g=meta.k8s.io"));
        Assert.Equal(["Name", "value", "active"], table.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var rows = table.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("cells").EnumerateArray().Select(c => c.ValueKind == JsonValueKind.Null ? null : c.GetString()).ToList()).ToList();
        Assert.Equal([["t", "42", "True"], ["u", null, null]], rows);
    });
}
