using System.Text.Json.Nodes;
using Dca.Sim.Store;

namespace Dca.Sim.Tests.Store;

public sealed class ObjectStoreTests
{
    private static ObjectStore NewStore(int history = 1000) => new(history);

    private static JsonObject ConfigMap(string name, string ns = "default", string? value = "1", string? rv = null)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (rv is not null)
        {
            meta["resourceVersion"] = rv;
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = value } };
    }

    [Fact]
    public void Create_NewObject_SetsUidTimestampAndResourceVersion()
    {
        var store = NewStore();
        var created = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        Assert.Equal("a", created.Name);
        Assert.Equal("default", created.Namespace);
        Assert.True(Guid.TryParse(created.Uid, out _));
        Assert.Equal(store.ResourceVersion, created.ResourceVersion);
        Assert.NotEmpty(created.CreationTimestamp);
        using var doc = created.ToJsonDocument();
        Assert.Equal(created.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString());
    }

    [Fact]
    public void ResourceVersion_EveryWrite_IncreasesMonotonically()
    {
        var store = NewStore();
        var seen = new List<long>
        {
            store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a")).ResourceVersion,
            store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("b")).ResourceVersion,
            store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", value: "2")).ResourceVersion,
            store.Delete(ResourceTypes.ConfigMaps, "default", "b").ResourceVersion,
        };
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen[^1], store.ResourceVersion);
    }

    [Fact]
    public void Write_AnnotationsOver256KiB_RejectedAsKubeApiserverDoes()
    {
        var store = NewStore();
        var atLimit = ConfigMap("a");
        atLimit["metadata"]!["annotations"] = new JsonObject { ["big"] = new string('x', ObjectStore.MaxAnnotationBytes - "big".Length) };
        store.Create(ResourceTypes.ConfigMaps, "default", atLimit);
        var over = ConfigMap("b");
        over["metadata"]!["annotations"] = new JsonObject { ["big"] = new string('x', ObjectStore.MaxAnnotationBytes), ["small"] = "1" };

        var created = Assert.Throws<StatusException>(() => store.Create(ResourceTypes.ConfigMaps, "default", over));
        var grown = ConfigMap("a");
        grown["metadata"]!["annotations"] = new JsonObject { ["big"] = new string('x', ObjectStore.MaxAnnotationBytes) };
        var updated = Assert.Throws<StatusException>(() => store.Update(ResourceTypes.ConfigMaps, "default", "a", grown));

        Assert.Equal((422, 422), (created.Code, updated.Code));
        Assert.Contains("metadata.annotations: Too long: must have at most 262144 bytes", created.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ExistingName_ThrowsAlreadyExists()
    {
        var store = NewStore();
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        var ex = Assert.Throws<StatusException>(() => store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a")));
        Assert.Equal((409, "AlreadyExists"), (ex.Code, ex.Reason));
    }

    [Fact]
    public void Create_GenerateName_AddsRandomSuffix()
    {
        var store = NewStore();
        var obj = ConfigMap("x");
        var meta = (JsonObject)obj["metadata"]!;
        meta.Remove("name");
        meta["generateName"] = "gen-";
        var created = store.Create(ResourceTypes.ConfigMaps, "default", obj);
        Assert.StartsWith("gen-", created.Name, StringComparison.Ordinal);
        Assert.Equal(9, created.Name.Length);
    }

    [Fact]
    public void Update_StaleResourceVersion_ThrowsConflict()
    {
        var store = NewStore();
        var first = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", value: "2", rv: first.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var ex = Assert.Throws<StatusException>(() =>
            store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", value: "3", rv: first.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal((409, "Conflict"), (ex.Code, ex.Reason));
    }

    [Fact]
    public void Update_Missing_ThrowsNotFound()
    {
        var ex = Assert.Throws<StatusException>(() => NewStore().Update(ResourceTypes.ConfigMaps, "default", "nope", ConfigMap("nope")));
        Assert.Equal((404, "NotFound"), (ex.Code, ex.Reason));
    }

    [Fact]
    public void Update_NoChange_KeepsResourceVersionAndEmitsNothing()
    {
        var store = NewStore();
        var created = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        var same = store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a"));
        Assert.Equal(created.ResourceVersion, same.ResourceVersion);
        Assert.Equal(created.ResourceVersion, store.ResourceVersion);
    }

    [Fact]
    public void Update_KeepsUidAndCreationTimestamp()
    {
        var store = NewStore();
        var created = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        var updated = store.Update(ResourceTypes.ConfigMaps, "default", "a", ConfigMap("a", value: "2"));
        Assert.Equal((created.Uid, created.CreationTimestamp), (updated.Uid, updated.CreationTimestamp));
    }

    [Fact]
    public void Delete_ReturnsObjectWithDeletionResourceVersion()
    {
        var store = NewStore();
        var created = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a"));
        var deleted = store.Delete(ResourceTypes.ConfigMaps, "default", "a");
        Assert.True(deleted.ResourceVersion > created.ResourceVersion);
        Assert.Null(store.Get(ResourceTypes.ConfigMaps, "default", "a"));
        Assert.Equal(404, Assert.Throws<StatusException>(() => store.Delete(ResourceTypes.ConfigMaps, "default", "a")).Code);
    }

    [Fact]
    public void Create_ClusterScopedObject_DropsNamespace()
    {
        var store = NewStore();
        var ns = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team-a", ["namespace"] = "x" } };
        var created = store.Create(ResourceTypes.Namespaces, "", ns);
        Assert.Equal("", created.Namespace);
        Assert.NotNull(store.Get(ResourceTypes.Namespaces, "", "team-a"));
    }
}
