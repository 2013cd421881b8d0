using System.Text.Json;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Metadata;
using Dca.Sim.Scenarios;

namespace Dca.Benchmarks;

/// <summary>
/// A simulated cluster as the metadata service holds it once its first lists are done: nodes as their served
/// bodies (the node reflector's transform, <see cref="ServedObjects.Node"/>) and every EndpointSlice packed as
/// <see cref="EndpointMembers"/>. Pods are placed and sliced as the simulator's scenario load does it
/// (its model; at most 100 endpoints per slice, a new pod joins the first slice with room), rendered
/// with the simulator's JSON writers and parsed with the client's contexts, so names, sizes and the
/// number of slices touching a node are the simulator's. No API server, no reflector threads.
/// </summary>
internal sealed class ListedCluster
{
    /// <summary>The informers the builder waits for before its snapshot is synced (EndpointSlices mode).</summary>
    public static readonly string[] Informers = ["nodes", "namespaces", "services", "endpointslices"];

    /// <summary>DD_KUBERNETES_NODE_ANNOTATIONS_AS_HOST_ALIASES' default: the only node annotation kept.</summary>
    public static readonly IReadOnlySet<string> HostAliasAnnotations = new HashSet<string>(["cluster.k8s.io/machine"], StringComparer.Ordinal);

    private static readonly DateTimeOffset s_now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private ListedCluster()
    {
    }

    public ObjectStore<ServedObject<NodeMetadataBodies>> Nodes { get; } = new();

    public ObjectStore<EndpointMembers> Endpoints { get; } = new();

    public static ListedCluster Load(ScenarioOptions options)
    {
        var model = new ClusterModel(options, s_now);
        var cluster = new ListedCluster();
        var rv = 1L;
        foreach (var node in model.Nodes)
        {
            var item = JsonSerializer.Deserialize(NodeJson.Write(node, rv++, 10250, options.PodsPerNode), Resources.NodeMetadata.ItemType)!;
            // What MetadataService's node transform keeps: the served bodies.
            cluster.Nodes.Set(item.Metadata.Key, ServedObjects.Node(item, HostAliasAnnotations));
        }

        // Same seed offset and slice naming as ClusterScenario.Load, so the layout matches the 5k profile's.
        var rng = new Random(unchecked(options.Seed + 7));
        var services = model.Apps.Where(a => a.HasService).ToDictionary(a => a.Index, a => new ServiceEndpoints(a));
        for (var n = 0; n < model.Nodes.Count; n++)
        {
            foreach (var pod in model.PodsOnNode(n))
            {
                if (pod.App is { } app && services.TryGetValue(app.Index, out var endpoints))
                {
                    endpoints.Add(new EndpointRef(pod.Name, pod.Uid, pod.Ip, pod.Node.Name, pod.Node.Zone, pod.Ready),
                        () => new SliceState(app.ServiceName + "-" + ClusterModel.RandomText(rng, 5), ClusterModel.Uid(rng), model.ClusterCreated));
                }
            }
        }
        foreach (var endpoints in services.Values)
        {
            foreach (var slice in endpoints.Slices)
            {
                var json = ServiceJson.Slice(endpoints.App, slice.Name, slice.Uid, rv++, slice.Created, [.. slice.Endpoints]);
                var parsed = JsonSerializer.Deserialize(json, Resources.EndpointSlices.ItemType)!;
                var members = EndpointMembers.FromSlice(parsed, ignoreReadiness: false);
                cluster.Endpoints.Set(members.Key, members);
            }
        }
        return cluster;
    }

    /// <summary>
    /// What the reflectors' handlers post for the first lists, in one burst: every node added
    /// (<see cref="ServedObjectHandler{T}"/>), every slice added (<see cref="MembershipDiff"/>
    /// against nothing), then every informer synced.
    /// </summary>
    public MetadataChange[] FirstListChanges()
    {
        var changes = new List<MetadataChange>();
        var diff = new MembershipDiff();
        foreach (var node in Nodes.Items)
        {
            changes.Add(new MetadataChange.NodeChanged(node.Key));
        }
        foreach (var members in Endpoints.Items)
        {
            if (diff.Compute(null, members) is { } d)
            {
                changes.Add(new MetadataChange.EndpointsChanged(members.Key, d.Referenced, d.Unreferenced, d.Dirty));
            }
        }
        changes.AddRange(Informers.Select(i => new MetadataChange.Synced(i)));
        return [.. changes];
    }

    /// <summary>
    /// <paramref name="nodes"/> slice updates from as many slices, each dirtying one distinct node: what
    /// pod replacements post (each removes an endpoint on one node and adds one on another, so 50
    /// replacements dirty up to 100 nodes). Each update names every node its slice references, as the
    /// handler's diff does.
    /// </summary>
    public MetadataChange[] SliceUpdates(int nodes)
    {
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        var changes = new List<MetadataChange>();
        foreach (var members in Endpoints.Items.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (changes.Count == nodes)
            {
                break;
            }
            var referenced = Enumerable.Range(0, members.Count).Select(members.NodeAt).Distinct(StringComparer.Ordinal).ToArray();
            if (referenced.FirstOrDefault(n => !dirty.Contains(n)) is { } node)
            {
                dirty.Add(node);
                changes.Add(new MetadataChange.EndpointsChanged(members.Key, referenced, [], [node]));
            }
        }
        return changes.Count == nodes ? [.. changes] : throw new InvalidOperationException($"only {changes.Count} slices to dirty {nodes} nodes");
    }
}
