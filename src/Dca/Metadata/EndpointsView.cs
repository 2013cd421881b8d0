using System.Text;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Metadata;

/// <summary>One pod's membership in one service.</summary>
internal readonly record struct Membership(string Namespace, string Pod, string Service);

/// <summary>One counted endpoint of an endpoints object: the pod's node and its membership.</summary>
internal readonly record struct NodeMembership(string Node, Membership Membership);

/// <summary>
/// What the metadata service keeps of one endpoints object, an EndpointSlice (discovery.k8s.io/v1, the
/// default) or a core/v1 Endpoints: its key and version, the service and the counted endpoints, packed.
/// Counted means the target is a Pod with a node and, unless readiness is ignored
/// (<c>DD_KUBERNETES_KUBE_SERVICE_IGNORE_READINESS</c>), the endpoint is ready, as in Datadog's
/// metadata controller. A 5,000-node cluster has ~135,000 endpoints: packed, one costs a node and a
/// namespace reference (both interned) plus its pod name in UTF-8, ~50 bytes instead of ~140 for the
/// parsed slice; and no <see cref="ObjectMeta"/> is kept (a cluster of 100,000 one-endpoint services
/// keeps ~250 bytes a slice, its key and store entry included, less than half what a slim ObjectMeta-based copy cost).
/// </summary>
internal sealed class EndpointMembers : IStoredObject
{
    // The first entry's node and namespace in fields and the others' in one array (node at 2i, namespace
    // at 2i + 1 for entry i + 1): most slices have one or a few endpoints, and an array costs 24 bytes
    // before its first element.
    private readonly string? _node0;
    private readonly string? _namespace0;
    private readonly string[]? _places;
    private readonly byte[] _names;
    // Where each pod name ends in _names; null for a single entry (its name is all of _names).
    private readonly int[]? _nameEnds;

    private EndpointMembers(string key, ulong version, string service, List<(string Node, string Namespace, string Pod)> members)
    {
        Key = key;
        Version = version;
        Service = service;
        if (members.Count == 0)
        {
            _names = [];
            return;
        }
        (_node0, _namespace0, _) = members[0];
        if (members.Count > 1)
        {
            _places = new string[(members.Count - 1) * 2];
            _nameEnds = new int[members.Count];
        }
        var length = 0;
        foreach (var member in members)
        {
            length += Encoding.UTF8.GetByteCount(member.Pod);
        }
        _names = new byte[length];
        var end = 0;
        for (var i = 0; i < members.Count; i++)
        {
            var (node, ns, pod) = members[i];
            if (i > 0)
            {
                _places![2 * (i - 1)] = node;
                _places[2 * (i - 1) + 1] = ns;
            }
            end += Encoding.UTF8.GetBytes(pod, _names.AsSpan(end));
            _nameEnds?[i] = end;
        }
    }

    /// <summary>
    /// <c>namespace/name</c> of the slice or Endpoints: one instance for all versions of the object. The snapshot
    /// writer keeps it in a list per node the object reaches; a new string per watch event left a copy per
    /// (node, slice) pair the churn had touched (+11 MB/h in the 30-minute soak, growing until every pair had one).
    /// </summary>
    public string Key { get; }

    public ulong Version { get; }

    /// <summary>The service the endpoints belong to.</summary>
    public string Service { get; }

    public int Count => _node0 is null ? 0 : 1 + (_places?.Length ?? 0) / 2;

    public string NodeAt(int i) => i == 0 ? _node0! : _places![2 * (i - 1)];

    /// <summary>The membership of entry <paramref name="i"/> (decodes the pod name: an allocation, for the writer only).</summary>
    public Membership MembershipAt(int i) => new(NamespaceAt(i), Encoding.UTF8.GetString(PodNameAt(i)), Service);

    /// <summary>The namespace of entry <paramref name="i"/>.</summary>
    public string NamespaceAt(int i) => i == 0 ? _namespace0! : _places![2 * (i - 1) + 1];

    /// <summary>The pod name of entry <paramref name="i"/>, UTF-8, without decoding it.</summary>
    public ReadOnlySpan<byte> PodNameAt(int i)
    {
        if (_nameEnds is null)
        {
            return _names;
        }
        var start = i == 0 ? 0 : _nameEnds[i - 1];
        return _names.AsSpan(start, _nameEnds[i] - start);
    }

    private static string KeyOf(ObjectMeta metadata, Func<string, string>? sameKey) =>
        sameKey is null ? metadata.Key : sameKey(metadata.Key);

    /// <summary>Every counted endpoint (none for a null object).</summary>
    public static IEnumerable<NodeMembership> Members(EndpointMembers? members)
    {
        for (var i = 0; i < (members?.Count ?? 0); i++)
        {
            yield return new NodeMembership(members!.NodeAt(i), members.MembershipAt(i));
        }
    }

    /// <summary>
    /// Packs a slice; a slice without the <c>kubernetes.io/service-name</c> label belongs to no service and counts nothing.
    /// <paramref name="sameKey"/> gives the key instance already stored for this object (see <see cref="Key"/>).
    /// </summary>
    public static EndpointMembers FromSlice(EndpointSlice slice, bool ignoreReadiness, Func<string, string>? sameKey = null)
    {
        var ns = slice.Metadata.Namespace ?? "";
        var service = slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel);
        var members = new List<(string, string, string)>(slice.Endpoints?.Length ?? 0);
        if (!string.IsNullOrEmpty(service))
        {
            foreach (var e in slice.Endpoints ?? [])
            {
                // A nil "ready" means unknown, which the API says to interpret as ready.
                if (e is { TargetKind: "Pod", TargetName.Length: > 0, NodeName.Length: > 0 } && (ignoreReadiness || e.Ready != false))
                {
                    members.Add((e.NodeName, e.TargetNamespace ?? ns, e.TargetName));
                }
            }
        }
        return new EndpointMembers(KeyOf(slice.Metadata, sameKey), StoredVersion.Of(slice.Metadata.ResourceVersion), service ?? "", members);
    }

    /// <summary>Packs a core/v1 Endpoints (its service has its name); not-ready addresses count only when readiness is ignored.</summary>
    public static EndpointMembers FromEndpoints(Endpoints endpoints, bool ignoreReadiness, Func<string, string>? sameKey = null)
    {
        var ns = endpoints.Metadata.Namespace ?? "";
        var members = new List<(string, string, string)>();
        foreach (var subset in endpoints.Subsets ?? [])
        {
            Add(subset.Addresses);
            if (ignoreReadiness)
            {
                Add(subset.NotReadyAddresses);
            }
        }
        return new EndpointMembers(KeyOf(endpoints.Metadata, sameKey), StoredVersion.Of(endpoints.Metadata.ResourceVersion), endpoints.Metadata.Name, members);

        void Add(IEnumerable<EndpointAddress>? addresses)
        {
            foreach (var a in addresses ?? [])
            {
                if (a.TargetRef is { Kind: "Pod", Name: { Length: > 0 } pod } target && a.NodeName is { Length: > 0 } node)
                {
                    members.Add((node, target.Namespace ?? ns, pod));
                }
            }
        }
    }
}

/// <summary>Reads pod → service memberships out of the current endpoints objects, for the snapshot writer.</summary>
internal sealed class EndpointsView(Func<string, EndpointMembers?> lookup)
{
    /// <summary>
    /// Adds the memberships the object <paramref name="key"/> gives each node of <paramref name="nodes"/>
    /// to <paramref name="into"/>, in one pass over its endpoints.
    /// </summary>
    public void Collect(string key, IReadOnlySet<string> nodes, Dictionary<string, List<Membership>> into)
    {
        if (lookup(key) is not { } members)
        {
            return;
        }
        for (var i = 0; i < members.Count; i++)
        {
            var node = members.NodeAt(i);
            if (nodes.Contains(node))
            {
                if (!into.TryGetValue(node, out var list))
                {
                    into[node] = list = [];
                }
                list.Add(members.MembershipAt(i));
            }
        }
    }
}
