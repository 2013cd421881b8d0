using System.Net;
using Dca.Sim.Store;

namespace Dca.Sim.Scenarios;

internal sealed partial class ClusterScenario
{
    /// <summary>Generates the whole cluster into the store (in parallel; resourceVersions are reserved per resource).</summary>
    public void Load()
    {
        // A bulk load keeps almost everything it allocates; the arenas' large chunks would otherwise
        // trigger a full collection over the growing live set again and again. Workstation GC only.
        var latency = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.LowLatency;
        try
        {
            LoadCore();
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = latency;
        }
    }

    private void LoadCore()
    {
        var model = Model;
        var now = model.Now;
        LoadAll(ResourceTypes.Namespaces, model.Namespaces.Count,
            (i, rv) => MiscJson.Namespace(model.Namespaces[i], model.NamespaceUids[model.Namespaces[i]], rv, model.ClusterCreated));
        LoadAll(ResourceTypes.Nodes, model.Nodes.Count,
            (i, rv) => NodeJson.Write(model.Nodes[i], rv, _kubeletPort, model.Options.PodsPerNode));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var services = model.Apps.Where(a => a.HasService).ToList();
        var rng = new Random(unchecked(model.Options.Seed + 7));
        foreach (var app in services)
        {
            _endpoints[app.Index] = new ServiceEndpoints(app);
        }
        // Nodes in batches: pod specs are generated in parallel, then (in node order, so the result
        // is deterministic) either kept as the scenario's live pods or, with lazy pods, reduced to
        // their endpoints and dropped — 1.5 million specs never sit in memory at once.
        const int Batch = 2_000;
        var podCount = 0L;
        for (var from = 0; from < model.Nodes.Count; from += Batch)
        {
            var perNode = new PodSpec[Math.Min(Batch, model.Nodes.Count - from)][];
            Parallel.For(0, perNode.Length, i => perNode[i] = [.. model.PodsOnNode(from + i)]);
            foreach (var pod in perNode.SelectMany(p => p))
            {
                podCount++;
                if (!model.Options.LazyPods)
                {
                    Add(pod);
                }
                if (pod.App is { } app && _endpoints.TryGetValue(app.Index, out var endpoints))
                {
                    endpoints.Add(Endpoint(pod), () => NewSlice(app, rng, model.ClusterCreated));
                }
            }
        }
        Log.ResourceLoaded(_logger, (int)podCount, "pod specs", watch.ElapsedMilliseconds);
        if (!model.Options.LazyPods)
        {
            LoadAll(ResourceTypes.Pods, _pods.Count, (i, rv) => PodJson.Write(_pods[i], rv));
        }
        foreach (var endpoints in _endpoints.Values.Where(e => e.Slices.Count == 0))
        {
            endpoints.Slices.Add(NewSlice(endpoints.App, rng, model.ClusterCreated));
        }
        var kubernetes = KubernetesService();
        LoadAll(ResourceTypes.Services, services.Count + 1,
            (i, rv) => ServiceJson.Service(i < services.Count ? services[i] : kubernetes, rv, model.ClusterCreated.AddMinutes(5)));
        var slices = _endpoints.Values.SelectMany(e => e.Slices.Select(s => (e.App, Slice: s))).ToList();
        var apiEndpoint = new EndpointRef("", "", IPAddress.Loopback.ToString(), "", "", true);
        LoadAll(ResourceTypes.EndpointSlices, slices.Count + 1, (i, rv) => i < slices.Count
            ? ServiceJson.Slice(slices[i].App, slices[i].Slice.Name, slices[i].Slice.Uid, rv, slices[i].Slice.Created, [.. slices[i].Slice.Endpoints])
            : ServiceJson.Slice(kubernetes, "kubernetes", kubernetes.ReplicaSetUid, rv, model.ClusterCreated, [apiEndpoint]));
        foreach (var e in _endpoints.Values)
        {
            foreach (var s in e.Slices)
            {
                s.IsNew = false;
            }
        }
        var withEndpoints = _endpoints.Values.ToList();
        LoadAll(ResourceTypes.Endpoints, withEndpoints.Count + 1, (i, rv) => i < withEndpoints.Count
            ? ServiceJson.Endpoints(withEndpoints[i].App, rv, model.ClusterCreated.AddMinutes(5), [.. withEndpoints[i].All])
            : ServiceJson.Endpoints(kubernetes, rv, model.ClusterCreated, [apiEndpoint]));

        if (model.Options.LazyPods)
        {
            // Lazy pods are never replaced (churn flips readiness, reading the slices back from the store), so their endpoints are not needed once written.
            foreach (var slice in _endpoints.Values.SelectMany(e => e.Slices))
            {
                slice.Endpoints.Clear();
                slice.Endpoints.TrimExcess();
            }
        }

        string[] components = ["scheduler", "controller-manager", "etcd-0"];
        LoadAll(ResourceTypes.ComponentStatuses, components.Length,
            (i, rv) => MiscJson.ComponentStatus(components[i], rv, components[i] == "etcd-0" ? "{\"health\":\"true\",\"reason\":\"\"}" : "ok"));
        LoadAll(ResourceTypes.Leases, model.Nodes.Count + 2, (i, rv) => i < model.Nodes.Count
            ? MiscJson.Lease("kube-node-lease", model.Nodes[i].Name, model.Nodes[i].BootId, model.Nodes[i].Name, 40, rv, model.Nodes[i].Created, now.AddSeconds(-(i % 10)))
            : MiscJson.Lease(ClusterModel.SystemNamespace, i == model.Nodes.Count ? "kube-scheduler" : "kube-controller-manager",
                ClusterModel.Uid(rng), "control-plane-1_" + ClusterModel.Uid(rng), 15, rv, model.ClusterCreated, now.AddSeconds(-1)));
    }

    /// <summary>The <c>default/kubernetes</c> service, whose endpoint is the API server itself.</summary>
    private static AppSpec KubernetesService() => new(
        -1, "default", "kubernetes", "", true, "kubernetes", "6a0c8e54-0d1f-4c33-9a55-1b2c3d4e5f60", "172.20.0.1",
        "7b1d9f65-1e20-4d44-8b66-2c3d4e5f6071", 1, "platform", "backend", "", 0, []);

    private static SliceState NewSlice(AppSpec app, Random rng, DateTimeOffset created) =>
        new(app.ServiceName + "-" + ClusterModel.RandomText(rng, 5), ClusterModel.Uid(rng), created);

    private void LoadAll(ResourceType type, int count, Func<int, long, byte[]> build)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var first = _store.ReserveResourceVersions(count);
        var objects = new StoredObject[count];
        Parallel.For(0, count, () => new JsonArena(), (i, _, arena) =>
        {
            objects[i] = ObjectIndexer.Index(type, arena.Copy(build(i, first + i)));
            return arena;
        }, _ => { });
        _store.Load(type, objects);
        Log.ResourceLoaded(_logger, count, type.GroupResource, watch.ElapsedMilliseconds);
    }
}
