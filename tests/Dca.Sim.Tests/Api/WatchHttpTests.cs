using System.Globalization;
using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Api;

public sealed class WatchHttpTests
{
    private static string Type(JsonDocument e) => e.RootElement.GetProperty("type").GetString()!;

    private static string Name(JsonDocument e) => e.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString()!;

    [Fact]
    public Task Watch_FromListResourceVersion_StreamsLaterChanges() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (_, list) = await SimHttp.GetJsonAsync(client, "/api/v1/namespaces/default/configmaps", ct);
        var rv = list.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"before-watch","namespace":"default"}}""");
        var events = new List<(string, string)>();
        await foreach (var e in SimHttp.WatchAsync(client, $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}", ct))
        {
            events.Add((Type(e), Name(e)));
            if (events.Count == 1)
            {
                sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"during-watch","namespace":"default"}}""");
                sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"elsewhere","namespace":"kube-system"}}""");
                sim.Delete(ResourceTypes.ConfigMaps, "default", "before-watch");
            }
            if (events.Count == 3)
            {
                break;
            }
        }
        Assert.Equal([("ADDED", "before-watch"), ("ADDED", "during-watch"), ("DELETED", "before-watch")], events);
    });

    [Fact]
    public Task Watch_WithoutResourceVersion_SendsCurrentStateAsAddedFirst() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var expected = sim.Store.Objects(ResourceTypes.Nodes).Select(n => n.Name).ToList();
        var seen = new List<string>();
        await foreach (var e in SimHttp.WatchAsync(client, "/api/v1/nodes?watch=true", ct))
        {
            Assert.Equal("ADDED", Type(e));
            seen.Add(Name(e));
            if (seen.Count == expected.Count)
            {
                break;
            }
        }
        Assert.Equal(expected, seen);
    });

    [Fact]
    public Task Watch_AllowBookmarks_SendsBookmarkWithOnlyResourceVersion() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var rv = sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        await foreach (var e in SimHttp.WatchAsync(client, $"/api/v1/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true", ct))
        {
            Assert.Equal("BOOKMARK", Type(e));
            var obj = e.RootElement.GetProperty("object");
            Assert.Equal(("Pod", "v1"), (obj.GetProperty("kind").GetString(), obj.GetProperty("apiVersion").GetString()));
            Assert.Equal(rv, obj.GetProperty("metadata").GetProperty("resourceVersion").GetString());
            Assert.False(obj.TryGetProperty("spec", out _));
            break;
        }
    });

    [Fact]
    public Task Watch_TimeoutSeconds_EndsStreamCleanly() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var rv = sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var count = 0;
        await foreach (var _ in SimHttp.WatchAsync(client, $"/api/v1/pods?watch=1&resourceVersion={rv}&timeoutSeconds=1", ct))
        {
            count++;
        }
        Assert.Equal(0, count);
    });

    [Fact]
    public Task Watch_TooOldResourceVersion_SendsErrorEventExpired() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"x","namespace":"default"}}""");
        sim.Compact();
        var events = new List<JsonDocument>();
        await foreach (var e in SimHttp.WatchAsync(client, "/api/v1/configmaps?watch=1&resourceVersion=1", ct))
        {
            events.Add(e);
        }
        var error = Assert.Single(events);
        Assert.Equal("ERROR", Type(error));
        var status = error.RootElement.GetProperty("object");
        Assert.Equal(("Status", "Expired", 410), (status.GetProperty("kind").GetString(), status.GetProperty("reason").GetString(), status.GetProperty("code").GetInt32()));
    });

    [Fact]
    public Task Watch_LabelSelector_TurnsLeavingUpdatesIntoDeletedAndEnteringIntoAdded() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var cm = sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"sel","namespace":"default","labels":{"team":"a"}}}""");
        sim.Update(ResourceTypes.ConfigMaps, """{"metadata":{"name":"sel","namespace":"default","labels":{"team":"a"}},"data":{"x":"1"}}""");
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"other","namespace":"default","labels":{"team":"b"}}}""");
        sim.Update(ResourceTypes.ConfigMaps, """{"metadata":{"name":"sel","namespace":"default","labels":{"team":"b"}},"data":{"x":"1"}}""");
        sim.Update(ResourceTypes.ConfigMaps, """{"metadata":{"name":"sel","namespace":"default","labels":{"team":"a"}},"data":{"x":"1"}}""");
        var rv = cm.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var events = new List<(string, string)>();
        await foreach (var e in SimHttp.WatchAsync(client, $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&labelSelector=team%3Da", ct))
        {
            events.Add((Type(e), Name(e)));
            if (events.Count == 3)
            {
                break;
            }
        }
        Assert.Equal([("MODIFIED", "sel"), ("DELETED", "sel"), ("ADDED", "sel")], events);
    });

    [Fact]
    public Task Watch_MetadataOnly_SendsPartialObjectMetadata() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        await foreach (var e in SimHttp.WatchAsync(client, "/api/v1/nodes?watch=1", ct, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"))
        {
            var obj = e.RootElement.GetProperty("object");
            Assert.Equal("PartialObjectMetadata", obj.GetProperty("kind").GetString());
            Assert.Equal(["kind", "apiVersion", "metadata"], obj.EnumerateObject().Select(p => p.Name));
            break;
        }
    });
}
