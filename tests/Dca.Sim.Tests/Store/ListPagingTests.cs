using System.Text.Json.Nodes;
using Dca.Sim.Store;

namespace Dca.Sim.Tests.Store;

public sealed class ListPagingTests
{
    private static ObjectStore StoreWith(int count, int history = 1000)
    {
        var store = new ObjectStore(history);
        for (var i = 0; i < count; i++)
        {
            store.Create(ResourceTypes.ConfigMaps, i % 2 == 0 ? "even" : "odd", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = "cm-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
                    ["labels"] = new JsonObject { ["parity"] = i % 2 == 0 ? "even" : "odd", ["tier"] = i % 3 == 0 ? "a" : "b" },
                },
            });
        }
        return store;
    }

    private static List<string> ListAll(ObjectStore store, ListOptions options, Action<int>? betweenPages = null)
    {
        var names = new List<string>();
        string? token = null;
        var page = 0;
        do
        {
            var result = store.List(ResourceTypes.ConfigMaps, options with { Continue = token });
            names.AddRange(result.Items.Select(o => o.Key));
            token = result.Continue;
            betweenPages?.Invoke(page++);
        }
        while (token is not null);
        return names;
    }

    [Fact]
    public void List_WithLimit_ReturnsEveryObjectOnceInKeyOrder()
    {
        var store = StoreWith(25);
        var all = store.List(ResourceTypes.ConfigMaps, new ListOptions()).Items.Select(o => o.Key).ToList();
        var paged = ListAll(store, new ListOptions { Limit = 4 });
        Assert.Equal(25, all.Count);
        Assert.Equal(all, paged);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
    }

    [Fact]
    public void List_ChangesBetweenPages_ContinuedPagesShowFirstPageSnapshot()
    {
        var store = StoreWith(20);
        var before = store.List(ResourceTypes.ConfigMaps, new ListOptions()).Items.Select(o => o.Key).ToList();
        var paged = ListAll(store, new ListOptions { Limit = 3 }, page =>
        {
            if (page == 0)
            {
                store.Delete(ResourceTypes.ConfigMaps, "odd", "cm-019");
                store.Create(ResourceTypes.ConfigMaps, "odd", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "zzz-new" } });
            }
        });
        Assert.Equal(before, paged);
    }

    [Fact]
    public void List_ContinuedPages_ReportFirstPageResourceVersion()
    {
        var store = StoreWith(10);
        var first = store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 4 });
        store.Create(ResourceTypes.ConfigMaps, "odd", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "later" } });
        var second = store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 4, Continue = first.Continue });
        Assert.Equal(first.ResourceVersion, second.ResourceVersion);
        Assert.Equal(6, first.RemainingItemCount);
    }

    [Fact]
    public void List_ContinueAfterCompaction_ThrowsExpiredWithInconsistentContinue()
    {
        var store = StoreWith(10);
        var first = store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 4 });
        store.Create(ResourceTypes.ConfigMaps, "odd", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "later" } });
        store.Compact();
        var ex = Assert.Throws<StatusException>(() => store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 4, Continue = first.Continue }));
        Assert.Equal((410, "Expired"), (ex.Code, ex.Reason));
        Assert.NotNull(ex.Continue);
        var resumed = store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 100, Continue = ex.Continue });
        Assert.Equal(7, resumed.Items.Count);
    }

    [Fact]
    public void List_HistoryOverflow_ExpiresOldContinueTokens()
    {
        var store = StoreWith(10, history: 5);
        var first = store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 2 });
        for (var i = 0; i < 6; i++)
        {
            store.Create(ResourceTypes.ConfigMaps, "odd", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }
        Assert.Equal(410, Assert.Throws<StatusException>(() => store.List(ResourceTypes.ConfigMaps, new ListOptions { Limit = 2, Continue = first.Continue })).Code);
    }

    [Fact]
    public void List_Namespace_ReturnsOnlyThatNamespace()
    {
        var names = ListAll(StoreWith(9), new ListOptions { Namespace = "odd", Limit = 2 });
        Assert.Equal(["odd/cm-001", "odd/cm-003", "odd/cm-005", "odd/cm-007"], names);
    }

    [Fact]
    public void List_LabelSelectorWithLimit_FillsPagesAcrossGaps()
    {
        var names = ListAll(StoreWith(30), new ListOptions { Labels = LabelSelector.Parse("tier=a,parity!=odd"), Limit = 2 });
        Assert.Equal(5, names.Count);
        Assert.All(names, n => Assert.StartsWith("even/", n, StringComparison.Ordinal));
    }

    [Fact]
    public void List_ExactResourceVersion_ReturnsThatSnapshot()
    {
        var store = StoreWith(3);
        var rv = store.ResourceVersion;
        store.Delete(ResourceTypes.ConfigMaps, "even", "cm-000");
        var exact = store.List(ResourceTypes.ConfigMaps, new ListOptions { ResourceVersion = rv.ToString(System.Globalization.CultureInfo.InvariantCulture), ResourceVersionMatch = "Exact" });
        Assert.Equal(3, exact.Items.Count);
        Assert.Equal(rv, exact.ResourceVersion);
    }

    [Fact]
    public void List_BadContinueToken_ThrowsBadRequest()
    {
        var ex = Assert.Throws<StatusException>(() => StoreWith(1).List(ResourceTypes.ConfigMaps, new ListOptions { Continue = "garbage!" }));
        Assert.Equal(400, ex.Code);
    }
}
