using System.Globalization;
using System.Net;

namespace Dca.Sim.Scenarios;

/// <summary>
/// The cluster a scenario describes, derived from the seed alone: namespaces, apps (Deployments
/// with or without a Service), nodes, and the pods on each node. Pods on a node depend only on the
/// seed and the node's index, so a kubelet can regenerate them on demand (lazy pods).
/// </summary>
internal sealed class ClusterModel
{
    public const string SystemNamespace = "kube-system";
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int NameSpace = 27 * 27 * 27 * 27 * 27;

    private static readonly string[] s_prefixes =
        ["checkout", "payments", "cart", "search", "catalog", "auth", "users", "orders", "inventory", "shipping",
         "billing", "notify", "recommend", "ads", "email", "frontend", "gateway", "profile", "reviews", "media"];

    private static readonly string[] s_suffixes = ["api", "worker", "web", "svc", "consumer", "cron", "cache", "grpc"];
    private static readonly string[] s_teams = ["core", "growth", "platform", "data", "sre", "mobile"];
    private static readonly string[] s_zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    private static readonly string[] s_instanceTypes = ["m5.xlarge", "m5.2xlarge", "c5.2xlarge", "r5.xlarge"];

    private readonly double[] _cumulativeWeights;

    public ClusterModel(ScenarioOptions options, DateTimeOffset now)
    {
        Options = options;
        Now = now;
        ClusterCreated = now.AddDays(-30);
        var rng = new Random(options.Seed);
        Namespaces = ["default", SystemNamespace, "kube-public", "kube-node-lease",
            .. Enumerable.Range(0, options.AppNamespaces).Select(i => "app-" + i.ToString(CultureInfo.InvariantCulture))];
        NamespaceUids = Namespaces.ToDictionary(n => n, n => Uid(rng), StringComparer.Ordinal);
        // kube-system's uid is what Datadog uses as the cluster id: keep it stable across seeds.
        NamespaceUids[SystemNamespace] = "4d6f2d3a-6b1e-4a52-9c3f-2f9a5d7e8b10";
        var apps = new List<AppSpec> { NewApp(rng, 0, SystemNamespace, "coredns", "kube-dns", true, 2.0) };
        var appCount = options.Services + (options.Services / 4) + 1;
        for (var k = 0; k < appCount; k++)
        {
            var name = s_prefixes[k % s_prefixes.Length] + "-" + s_suffixes[k / s_prefixes.Length % s_suffixes.Length]
                + (k >= s_prefixes.Length * s_suffixes.Length ? "-" + (k / (s_prefixes.Length * s_suffixes.Length)).ToString(CultureInfo.InvariantCulture) : "");
            var ns = options.AppNamespaces == 0 ? "default" : "app-" + (k % options.AppNamespaces).ToString(CultureInfo.InvariantCulture);
            // A Zipf-like spread: a few big services with many endpoints, a long tail of small ones.
            apps.Add(NewApp(rng, k + 1, ns, name, name, k < options.Services, 1.0 / Math.Pow(k + 1, 0.8)));
        }
        Apps = apps;
        _cumulativeWeights = new double[apps.Count];
        var total = 0.0;
        for (var i = 0; i < apps.Count; i++)
        {
            total += apps[i].Weight;
            _cumulativeWeights[i] = total;
        }
        Nodes = [.. Enumerable.Range(0, options.Nodes).Select(i => NewNode(rng, i))];
    }

    public ScenarioOptions Options { get; }

    public DateTimeOffset Now { get; }

    public DateTimeOffset ClusterCreated { get; }

    public IReadOnlyList<string> Namespaces { get; }

    public Dictionary<string, string> NamespaceUids { get; }

    public IReadOnlyList<AppSpec> Apps { get; }

    public IReadOnlyList<NodeSpec> Nodes { get; }

    /// <summary>The kubelet address of node <paramref name="index"/>: 127.1.0.0 + index + 1.</summary>
    public static IPAddress NodeAddress(int index)
    {
        var n = index + 1;
        return new IPAddress([127, 1, (byte)(n >> 8), (byte)(n & 255)]);
    }

    /// <summary>The node index behind a kubelet address, or -1.</summary>
    public static int NodeIndex(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 127 && b[1] == 1 ? ((b[2] << 8) | b[3]) - 1 : -1;
    }

    /// <summary>The pods initially on a node: slot 0 is kube-proxy, the rest drawn from the apps.</summary>
    public IEnumerable<PodSpec> PodsOnNode(int nodeIndex)
    {
        var node = Nodes[nodeIndex];
        var rng = new Random(unchecked((Options.Seed * 1_000_003) + (nodeIndex * 7_919) + 17));
        for (var slot = 0; slot < Options.PodsPerNode; slot++)
        {
            var serial = (nodeIndex * Options.PodsPerNode) + slot;
            var app = slot == 0 ? null : PickApp(rng);
            yield return NewPod(rng, app, node, slot, serial);
        }
    }

    public AppSpec PickApp(Random rng)
    {
        var x = rng.NextDouble() * _cumulativeWeights[^1];
        var i = Array.BinarySearch(_cumulativeWeights, x);
        return Apps[i >= 0 ? i : Math.Min(~i, Apps.Count - 1)];
    }

    /// <summary>A pod of <paramref name="app"/> (kube-proxy when null) in <paramref name="slot"/> of a node; <paramref name="serial"/> makes its name unique.</summary>
    public PodSpec NewPod(Random rng, AppSpec? app, NodeSpec node, int slot, long serial)
    {
        var suffix = NameSuffix(serial);
        var name = app is null ? "kube-proxy-" + suffix : app.Name + "-" + app.TemplateHash + "-" + suffix;
        var ip = app is null ? node.Address.ToString() : PodIp(node.Index, slot);
        var created = Now.AddSeconds(-rng.Next(600, 20 * 86_400));
        if (created < node.Created)
        {
            created = node.Created.AddMinutes(1);
        }
        var restarts = rng.NextDouble() < 0.1 ? rng.Next(1, 6) : 0;
        return new PodSpec(name, Uid(rng), app, node, ip, created, restarts, rng.NextDouble() > 0.02, RandomText(rng, 12));
    }

    /// <summary>Pod IPs: node n owns 10.(n/256).(n%256).0/24; slot s gets .s+2.</summary>
    public static string PodIp(int nodeIndex, int slot) =>
        string.Create(CultureInfo.InvariantCulture, $"10.{(nodeIndex >> 8) & 255}.{nodeIndex & 255}.{slot + 2}");

    public static string PodCidr(int nodeIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"10.{(nodeIndex >> 8) & 255}.{nodeIndex & 255}.0/24");

    /// <summary>A 5-character suffix unique per serial (a scrambled base-27 bijection, so names look random).</summary>
    public static string NameSuffix(long serial)
    {
        var x = (long)((ulong)(serial * 4_093_381L) % NameSpace);
        return string.Create(5, x, static (span, v) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[(int)(v % 27)];
                v /= 27;
            }
        });
    }

    public static string RandomText(Random rng, int length) =>
        string.Create(length, rng, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[r.Next(Alphabet.Length)];
            }
        });

    public static string Uid(Random rng)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private static AppSpec NewApp(Random rng, int index, string ns, string name, string serviceName, bool hasService, double weight)
    {
        var selector = index == 0
            ? new[] { new KeyValuePair<string, string>("k8s-app", "kube-dns") }
            : [new("app", name)];
        return new AppSpec(
            index, ns, name, RandomText(rng, 10), hasService, serviceName, Uid(rng),
            ClusterIp(index),
            Uid(rng), index == 0 ? 1 : (rng.NextDouble() < 0.3 ? 2 : 1),
            s_teams[rng.Next(s_teams.Length)], rng.NextDouble() < 0.5 ? "backend" : "frontend",
            index == 0 ? "registry.k8s.io/coredns/coredns:v1.11.1" : $"registry.example.com/{name}:1.{rng.Next(0, 40)}.{rng.Next(0, 10)}",
            weight, selector);
    }

    private static string ClusterIp(int index)
    {
        var n = index + 10;
        return string.Create(CultureInfo.InvariantCulture, $"172.20.{(n >> 8) & 255}.{n & 255}");
    }

    private NodeSpec NewNode(Random rng, int i) =>
        new(i, "node-" + (i + 1).ToString("D5", CultureInfo.InvariantCulture), NodeAddress(i), Uid(rng),
            s_zones[i % s_zones.Length], s_instanceTypes[rng.Next(s_instanceTypes.Length)],
            ClusterCreated.AddSeconds(i % 86_400), Uid(rng), Uid(rng));
}
