using System.Globalization;
using System.Text.Json.Nodes;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Store;

public sealed class StoreWatchTests
{
    private static JsonObject ConfigMap(string name, string value = "1") =>
        new() { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["k"] = value } };

    private static async Task<List<WatchEvent>> ReadAsync(WatchSubscription w, int count, CancellationToken ct)
    {
        var events = new List<WatchEvent>();
        while (events.Count < count)
        {
            events.Add(await w.Events.ReadAsync(ct));
        }
        return events;
    }

    [Fact]
    public Task Watch_FromResourceVersion_ReplaysLaterChangesInOrder() => Bounded.RunAsync(async ct =>
    {
        var store = new ObjectStore();
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        var from = store.ResourceVersion;
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("b"));
        store.Create(ResourceTypes.Namespaces, "", ConfigMap("other-type"));
        store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", "2"));
        store.Delete(ResourceTypes.ConfigMaps, "default", "b");
        using var watch = store.Watch(ResourceTypes.ConfigMaps, from.ToString(CultureInfo.InvariantCulture));
        var events = await ReadAsync(watch, 3, ct);
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["b", "a", "b"], events.Select(e => e.Object!.Name));
        Assert.Equal(events.Select(e => e.ResourceVersion).Order(), events.Select(e => e.ResourceVersion));
        Assert.Empty(watch.Initial);
    });

    [Fact]
    public Task Watch_FromZero_StartsWithCurrentObjectsThenLiveChanges() => Bounded.RunAsync(async ct =>
    {
        var store = new ObjectStore();
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        using var watch = store.Watch(ResourceTypes.ConfigMaps, "0");
        Assert.Equal(["a"], watch.Initial.Select(o => o.Name));
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("b"));
        var e = await watch.Events.ReadAsync(ct);
        Assert.Equal((WatchEventType.Added, "b"), (e.Type, e.Object!.Name));
    });

    [Fact]
    public void Watch_CompactedResourceVersion_ThrowsExpired()
    {
        var store = new ObjectStore(historyCapacity: 3);
        var first = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a")).ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", i.ToString(CultureInfo.InvariantCulture)));
        }
        var ex = Assert.Throws<StatusException>(() => store.Watch(ResourceTypes.ConfigMaps, first.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal((410, "Expired"), (ex.Code, ex.Reason));
        using var ok = store.Watch(ResourceTypes.ConfigMaps, store.CompactedResourceVersion.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Compact_ThenWatchFromOldVersion_ThrowsExpired()
    {
        var store = new ObjectStore();
        var rv = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a")).ResourceVersion;
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("b"));
        store.Compact();
        Assert.Equal(410, Assert.Throws<StatusException>(() => store.Watch(ResourceTypes.ConfigMaps, rv.ToString(CultureInfo.InvariantCulture))).Code);
        using var current = store.Watch(ResourceTypes.ConfigMaps, store.ResourceVersion.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public Task Bookmark_AfterEvents_CarriesCurrentVersionInOrder() => Bounded.RunAsync(async ct =>
    {
        var store = new ObjectStore();
        using var watch = store.Watch(ResourceTypes.ConfigMaps, store.ResourceVersion.ToString(CultureInfo.InvariantCulture));
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        watch.RequestBookmark();
        var events = await ReadAsync(watch, 2, ct);
        Assert.Equal(WatchEventType.Bookmark, events[1].Type);
        Assert.Equal(store.ResourceVersion, events[1].ResourceVersion);
    });
}
