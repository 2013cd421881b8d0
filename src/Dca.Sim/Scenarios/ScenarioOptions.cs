namespace Dca.Sim.Scenarios;

/// <summary>The shape of the simulated cluster and its activity.</summary>
public sealed record ScenarioOptions
{
    /// <summary>Number of nodes (each with its own kubelet address, 127.1.x.y).</summary>
    public int Nodes { get; init; } = 5;

    /// <summary>Pods per node, including the kube-proxy DaemonSet pod.</summary>
    public int PodsPerNode { get; init; } = 20;

    /// <summary>Application services (each selecting one Deployment's pods); kubernetes and kube-dns come on top.</summary>
    public int Services { get; init; } = 10;

    /// <summary>Application namespaces (app-0 ... app-N-1) besides default, kube-system, kube-public and kube-node-lease.</summary>
    public int AppNamespaces { get; init; } = 3;

    /// <summary>Pod replacements per second (delete one pod, create its replacement, update its service's endpoints).</summary>
    public double ChurnPerSecond { get; init; }

    /// <summary>core/v1 Events emitted per second.</summary>
    public double EventsPerSecond { get; init; }

    /// <summary>Seed for every random choice: the same seed and options give the same cluster.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// When true, pods are not API objects: each kubelet generates its node's pods on demand from the
    /// seed (the 50k profile), while Services, EndpointSlices and Endpoints still reference them.
    /// </summary>
    public bool LazyPods { get; init; }

    /// <summary>The small profile: 5 nodes, 20 pods per node, 10 services.</summary>
    public static ScenarioOptions Small { get; } = new();

    /// <summary>The 5k profile: 5,000 nodes, 150,000 pods, 1,000 services.</summary>
    public static ScenarioOptions FiveK { get; } = new() { Nodes = 5_000, PodsPerNode = 30, Services = 1_000, AppNamespaces = 20 };

    /// <summary>The 50k profile: 50,000 nodes, 30 lazily generated pods per node, 5,000 services.</summary>
    public static ScenarioOptions FiftyK { get; } = new() { Nodes = 50_000, PodsPerNode = 30, Services = 5_000, AppNamespaces = 50, LazyPods = true };

    /// <summary>A profile by name (small, 5k, 50k), or null.</summary>
    public static ScenarioOptions? ForProfile(string name) => name switch
    {
        "small" => Small,
        "5k" => FiveK,
        "50k" => FiftyK,
        _ => null,
    };
}
