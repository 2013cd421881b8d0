using System.Text.Json;
using Dca.Sim.Scenarios;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Scenarios;

public sealed class ScenarioTests
{
    private static Dictionary<string, string> Labels(JsonElement obj, params string[] path)
    {
        foreach (var p in path)
        {
            obj = obj.GetProperty(p);
        }
        return obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    /// <summary>For every service: the pods its selector picks are exactly its EndpointSlices' targets and its Endpoints' addresses.</summary>
    private static void AssertEndpointsConsistent(Simulator sim)
    {
        var pods = sim.Store.Objects(ResourceTypes.Pods);
        foreach (var service in sim.Store.Objects(ResourceTypes.Services).Where(s => s.Name != "kubernetes"))
        {
            using var svc = service.ToJsonDocument();
            var selector = Labels(svc.RootElement, "spec", "selector");
            var selected = pods.Where(p => p.Namespace == service.Namespace && selector.All(kv => p.Label(kv.Key) == kv.Value))
                .Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            var slices = sim.Store.Objects(ResourceTypes.EndpointSlices).Where(s => s.Namespace == service.Namespace && s.Label("kubernetes.io/service-name") == service.Name).ToList();
            Assert.NotEmpty(slices);
            var targets = slices.SelectMany(s =>
            {
                using var doc = s.ToJsonDocument();
                Assert.True(doc.RootElement.GetProperty("endpoints").GetArrayLength() <= 100);
                return doc.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("targetRef").GetProperty("name").GetString()!).ToList();
            }).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(selected, targets);
            using var endpoints = sim.Store.Get(ResourceTypes.Endpoints, service.Namespace, service.Name)!.ToJsonDocument();
            var addresses = endpoints.RootElement.GetProperty("subsets").EnumerateArray()
                .SelectMany(s => new[] { "addresses", "notReadyAddresses" }.SelectMany(k => s.TryGetProperty(k, out var a) ? a.EnumerateArray() : []))
                .Select(a => a.GetProperty("targetRef").GetProperty("name").GetString()!).Order(StringComparer.Ordinal);
            Assert.Equal(selected, addresses);
        }
    }

    [Fact]
    public Task Load_ServicesSelectPods_EndpointSlicesMatchSelectors() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Scenario = o.Scenario with { Nodes = 10, PodsPerNode = 30 } });
        AssertEndpointsConsistent(sim);
        Assert.Contains(sim.Store.Objects(ResourceTypes.Services), s => s.Namespace == "kube-system" && s.Name == "kube-dns");
        Assert.Equal(3, sim.Store.Count(ResourceTypes.ComponentStatuses));
        Assert.NotNull(sim.Store.Get(ResourceTypes.Namespaces, "", "kube-system"));
    });

    [Fact]
    public Task Churn_ManySteps_KeepsEndpointsConsistentAndPodCountStable() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Scenario = o.Scenario with { Nodes = 10, PodsPerNode = 30, Services = 3 } });
        var before = sim.Store.Count(ResourceTypes.Pods);
        var rv = sim.Store.ResourceVersion;
        sim.Churn(200);
        Assert.Equal(before, sim.Store.Count(ResourceTypes.Pods));
        Assert.True(sim.Store.ResourceVersion > rv + 600);
        AssertEndpointsConsistent(sim);
    });

    [Fact]
    public Task Churn_WatchedPods_SeeTerminatingThenDeletedThenAdded() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var watch = sim.Store.Watch(ResourceTypes.Pods, sim.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        sim.Churn(1);
        var types = new List<WatchEventType>();
        for (var i = 0; i < 3; i++)
        {
            types.Add((await watch.Events.ReadAsync(ct)).Type);
        }
        Assert.Equal([WatchEventType.Modified, WatchEventType.Deleted, WatchEventType.Added], types);
    });

    [Fact]
    public Task SameSeedAndClock_GenerateIdenticalObjects() => Bounded.RunAsync(async ct =>
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using var a = await SimStart.SmallAsync(ct, o => o with { Time = new ManualTimeProvider(start) });
        await using var b = await SimStart.SmallAsync(ct, o => o with { Time = new ManualTimeProvider(start) });
        a.Churn(20);
        b.Churn(20);
        // Nodes differ only in the advertised kubelet port (a free port per simulator): compare their identities.
        Assert.Equal(a.Store.Objects(ResourceTypes.Nodes).Select(n => (n.Name, n.Uid)), b.Store.Objects(ResourceTypes.Nodes).Select(n => (n.Name, n.Uid)));
        foreach (var type in new[] { ResourceTypes.Pods, ResourceTypes.EndpointSlices, ResourceTypes.Endpoints, ResourceTypes.Services, ResourceTypes.Namespaces })
        {
            var left = a.Store.Objects(type).Select(o => Convert.ToBase64String(o.Json.Span)).ToList();
            var right = b.Store.Objects(type).Select(o => Convert.ToBase64String(o.Json.Span)).ToList();
            Assert.Equal(left, right);
        }
        await using var c = await SimStart.SmallAsync(ct, o => o with { Time = new ManualTimeProvider(start), Scenario = o.Scenario with { Seed = 2 } });
        Assert.NotEqual(a.Store.Objects(ResourceTypes.Pods).Select(p => p.Name), c.Store.Objects(ResourceTypes.Pods).Select(p => p.Name));
    });

    [Fact]
    public Task Churn_LazyPods_FlipsEndpointReadinessInSlicesAndEndpoints() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Scenario = o.Scenario with { LazyPods = true } });
        static (int Ready, int NotReady) Counts(Simulator sim)
        {
            int ready = 0, notReady = 0;
            foreach (var slice in sim.Store.Objects(ResourceTypes.EndpointSlices))
            {
                using var doc = slice.ToJsonDocument();
                foreach (var e in doc.RootElement.GetProperty("endpoints").EnumerateArray())
                {
                    _ = e.GetProperty("conditions").GetProperty("ready").GetBoolean() ? ready++ : notReady++;
                }
            }
            return (ready, notReady);
        }
        var before = Counts(sim);
        var version = sim.Store.ResourceVersion;
        sim.Churn(1);
        var after = Counts(sim);
        Assert.Equal(before.Ready + before.NotReady, after.Ready + after.NotReady);
        Assert.Equal(1, Math.Abs(after.Ready - before.Ready));
        // The slice and the service's Endpoints were rewritten (two new resource versions).
        Assert.Equal(version + 2, sim.Store.ResourceVersion);
        Assert.Equal(0, sim.Store.Count(ResourceTypes.Pods));
    });

    [Fact]
    public Task EmitEvents_CreatesCoreEventsAboutPods() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        sim.EmitEvents(50);
        var events = sim.Store.Objects(ResourceTypes.Events);
        Assert.InRange(events.Count, 30, 50);
        foreach (var e in events)
        {
            using var doc = e.ToJsonDocument();
            var involved = doc.RootElement.GetProperty("involvedObject");
            Assert.Equal("Pod", involved.GetProperty("kind").GetString());
            Assert.NotNull(sim.Store.Get(ResourceTypes.Pods, involved.GetProperty("namespace").GetString()!, involved.GetProperty("name").GetString()!));
            Assert.True(doc.RootElement.GetProperty("count").GetInt32() >= 1);
            Assert.Contains(doc.RootElement.GetProperty("type").GetString(), new[] { "Normal", "Warning" });
        }
        var warnings = sim.Store.List(ResourceTypes.Events, new ListOptions { Fields = FieldSelector.Parse("type=Warning", ResourceTypes.Events) }).Items;
        Assert.All(warnings, w => Assert.Equal("Warning", w.Field("type")));
    });

    [Fact]
    public void Profiles_HaveDocumentedSizes()
    {
        Assert.Equal((5, 20, 10), (ScenarioOptions.Small.Nodes, ScenarioOptions.Small.PodsPerNode, ScenarioOptions.Small.Services));
        Assert.Equal(150_000, ScenarioOptions.FiveK.Nodes * ScenarioOptions.FiveK.PodsPerNode);
        Assert.True(ScenarioOptions.FiftyK.LazyPods);
        Assert.Equal(50_000, ScenarioOptions.ForProfile("50k")!.Nodes);
        Assert.Null(ScenarioOptions.ForProfile("huge"));
    }
}
