using Dca.Sim.Store;

namespace Dca.Sim.Scenarios;

/// <summary>
/// A running scenario: loads the cluster described by a <see cref="ClusterModel"/> into the store,
/// then mutates it on demand (churn steps, events) while keeping Services, EndpointSlices and
/// Endpoints consistent with the pods. Not thread-safe by itself: callers serialise through
/// <see cref="Gate"/>.
/// </summary>
internal sealed partial class ClusterScenario
{
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly int _kubeletPort;
    private readonly Random _rng;
    private readonly ILogger _logger;
    private readonly List<PodSpec> _pods = [];
    private readonly Dictionary<int, List<PodSpec>> _podsByApp = [];
    private readonly Dictionary<int, ServiceEndpoints> _endpoints = [];
    private readonly bool[][] _slots;
    private long _serial;

    public ClusterScenario(ScenarioOptions options, ObjectStore store, TimeProvider time, int kubeletPort, ILogger logger)
    {
        _logger = logger;
        _store = store;
        _time = time;
        _kubeletPort = kubeletPort;
        Model = new ClusterModel(options, time.GetUtcNow());
        _rng = new Random(unchecked(options.Seed + 101));
        _slots = [.. Enumerable.Range(0, options.Nodes).Select(_ => new bool[250])];
        _serial = (long)options.Nodes * options.PodsPerNode;
    }

    public ClusterModel Model { get; }

    public Lock Gate { get; } = new();

    public int ChurnSteps { get; private set; }

    public int EventsEmitted { get; private set; }

    /// <summary>The node with this name, or null.</summary>
    public NodeSpec? Node(string name)
    {
        if (name.Length == 10 && name.StartsWith("node-", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n >= 1 && n <= Model.Nodes.Count)
        {
            return Model.Nodes[n - 1];
        }
        return null;
    }

    /// <summary>
    /// The JSON of the pods on a node for its kubelet: the API objects, or, with lazy pods,
    /// generated from the seed (resourceVersion 1, the same on every call).
    /// </summary>
    public IEnumerable<ReadOnlyMemory<byte>> KubeletPods(NodeSpec node)
    {
        if (Model.Options.LazyPods)
        {
            return Model.PodsOnNode(node.Index).Select(p => (ReadOnlyMemory<byte>)PodJson.Write(p, 1));
        }
        return _store.PodsOnNode(node.Name).Select(p => p.Json);
    }

    /// <summary>Pod specs on a node (for the kubelet's stats), lazily or from the scenario's live pods.</summary>
    public IReadOnlyList<(string Namespace, string Name, string Uid, string[] Containers)> KubeletPodIdentities(NodeSpec node)
    {
        if (Model.Options.LazyPods)
        {
            return [.. Model.PodsOnNode(node.Index).Select(p => (p.Namespace, p.Name, p.Uid, PodJson.Containers(p).Select(c => c.Name).ToArray()))];
        }
        var result = new List<(string, string, string, string[])>();
        foreach (var pod in _store.PodsOnNode(node.Name))
        {
            using var doc = pod.ToJsonDocument();
            var containers = doc.RootElement.GetProperty("spec").GetProperty("containers").EnumerateArray()
                .Select(c => c.GetProperty("name").GetString() ?? "").ToArray();
            result.Add((pod.Namespace, pod.Name, pod.Uid, containers));
        }
        return result;
    }

    private void Add(PodSpec pod)
    {
        _pods.Add(pod);
        if (pod.App is { } app)
        {
            if (!_podsByApp.TryGetValue(app.Index, out var list))
            {
                _podsByApp[app.Index] = list = [];
            }
            list.Add(pod);
        }
        if (!pod.IsDaemon && TryParseSlot(pod.Ip, out var slot))
        {
            _slots[pod.Node.Index][slot] = true;
        }
    }

    private static bool TryParseSlot(string ip, out int slot)
    {
        var last = ip.LastIndexOf('.');
        var ok = int.TryParse(ip.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var octet);
        slot = octet - 2;
        return ok && slot is >= 0 and < 250;
    }

    private static EndpointRef Endpoint(PodSpec p) => new(p.Name, p.Uid, p.Ip, p.Node.Name, p.Node.Zone, p.Ready);

    public IReadOnlyDictionary<string, long> State()
    {
        lock (Gate)
        {
            return new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["nodes"] = Model.Nodes.Count,
                ["pods"] = Model.Options.LazyPods ? (long)Model.Nodes.Count * Model.Options.PodsPerNode : _pods.Count,
                ["services"] = _endpoints.Count,
                ["churnSteps"] = ChurnSteps,
                ["eventsEmitted"] = EventsEmitted,
                ["seed"] = Model.Options.Seed,
            };
        }
    }
}
