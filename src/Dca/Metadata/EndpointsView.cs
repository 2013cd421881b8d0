using System.Buffers;
using System.IO.Hashing;
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
/// metadata controller. A 5,000-node cluster has ~135,000 endpoints. Packed, one costs a node reference
/// (interned) and what its pod name does not share with the others': the pods behind a service are
/// mostly one ReplicaSet's, <c>app-5d8f7c9b6d-x7k2p</c>, and their names share all but the last 5 bytes.
/// The namespace is kept once unless the entries' differ (a target may name another namespace than its
/// object's). ~14 bytes an endpoint in the 5k profile, instead of ~140 for the parsed slice; and no
/// <see cref="ObjectMeta"/> is kept (a cluster of 100,000 one-endpoint services keeps ~250 bytes a slice,
/// its key and store entry included, less than half what a slim ObjectMeta-based copy cost).
/// </summary>
internal sealed class EndpointMembers : IStoredObject
{
    // The first entry in fields, the others in Others: most slices have one or a few endpoints, and an
    // object costs 16 bytes and an array 24 before their first field or element.
    private readonly string? _node0;
    // Every entry's namespace, unless Others.Namespaces says otherwise.
    private readonly string _namespace;
    // UTF-8: the prefix all pod names share (all of the name for a single entry), then the rest of each name in entry order.
    private readonly byte[] _names;
    private readonly Others? _others;

    /// <summary>Entries 1 on, and where the names' shared prefix ends.</summary>
    private sealed class Others(string[] nodes, string[]? namespaces, int prefix, int[]? restEnds)
    {
        public readonly string[] Nodes = nodes;
        // Null when every entry is in the first entry's namespace.
        public readonly string[]? Namespaces = namespaces;
        public readonly int Prefix = prefix;
        // Where each entry's rest ends in _names; null when all rests have the same length (one ReplicaSet's pods).
        public readonly int[]? RestEnds = restEnds;
    }

    private EndpointMembers(string key, ulong version, string service, List<(string Node, string Namespace, string Pod)> members)
    {
        Key = key;
        Version = version;
        Service = service;
        if (members.Count == 0)
        {
            _namespace = "";
            _names = [];
            return;
        }
        (_node0, _namespace, var pod0) = members[0];
        if (members.Count == 1)
        {
            _names = Encoding.UTF8.GetBytes(pod0);
            return;
        }
        var nodes = new string[members.Count - 1];
        string[]? namespaces = null;
        for (var i = 1; i < members.Count; i++)
        {
            nodes[i - 1] = members[i].Node;
            if (namespaces is null && !string.Equals(members[i].Namespace, _namespace, StringComparison.Ordinal))
            {
                namespaces = new string[members.Count - 1];
                namespaces.AsSpan(0, i - 1).Fill(_namespace);
            }
            namespaces?[i - 1] = members[i].Namespace;
        }

        // Every name encoded once into a scratch buffer, then the shared prefix and the rests copied out.
        var length = 0;
        foreach (var member in members)
        {
            length += Encoding.UTF8.GetByteCount(member.Pod);
        }
        var scratch = ArrayPool<byte>.Shared.Rent(length);
        var ends = ArrayPool<int>.Shared.Rent(members.Count);
        try
        {
            var end = 0;
            for (var i = 0; i < members.Count; i++)
            {
                end += Encoding.UTF8.GetBytes(members[i].Pod, scratch.AsSpan(end));
                ends[i] = end;
            }
            var first = scratch.AsSpan(0, ends[0]);
            var prefix = first.Length;
            for (var i = 1; i < members.Count && prefix > 0; i++)
            {
                prefix = first[..prefix].CommonPrefixLength(scratch.AsSpan(ends[i - 1], ends[i] - ends[i - 1]));
            }
            var sameRest = true;
            for (var i = 1; i < members.Count; i++)
            {
                sameRest &= ends[i] - ends[i - 1] == ends[0];
            }
            _names = new byte[length - ((members.Count - 1) * prefix)];
            first[..prefix].CopyTo(_names);
            var restEnds = sameRest ? null : new int[members.Count];
            var at = prefix;
            for (var i = 0; i < members.Count; i++)
            {
                var start = (i == 0 ? 0 : ends[i - 1]) + prefix;
                scratch.AsSpan(start, ends[i] - start).CopyTo(_names.AsSpan(at));
                at += ends[i] - start;
                restEnds?[i] = at;
            }
            _others = new Others(nodes, namespaces, prefix, restEnds);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ends);
            ArrayPool<byte>.Shared.Return(scratch);
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

    public int Count => _node0 is null ? 0 : 1 + (_others?.Nodes.Length ?? 0);

    public string NodeAt(int i) => i == 0 ? _node0! : _others!.Nodes[i - 1];

    /// <summary>The namespace of entry <paramref name="i"/>.</summary>
    public string NamespaceAt(int i) => i == 0 || _others?.Namespaces is not { } namespaces ? _namespace : namespaces[i - 1];

    /// <summary>The membership of entry <paramref name="i"/> (decodes the pod name: an allocation, for the writer only).</summary>
    public Membership MembershipAt(int i)
    {
        Span<byte> scratch = stackalloc byte[256];
        return new(NamespaceAt(i), Encoding.UTF8.GetString(PodName(i, scratch)), Service);
    }

    /// <summary>
    /// Entry <paramref name="i"/>'s UTF-8 pod name: where it lies whole in <c>_names</c>, else its prefix and rest joined
    /// into <paramref name="scratch"/> (a new array when longer). Joined before any decoding: the prefix may end inside a character.
    /// </summary>
    private ReadOnlySpan<byte> PodName(int i, Span<byte> scratch)
    {
        var prefix = Prefix;
        var rest = RestAt(i);
        if (rest.IsEmpty || prefix.IsEmpty)
        {
            return rest.IsEmpty ? prefix : rest;
        }
        var length = prefix.Length + rest.Length;
        var name = length <= scratch.Length ? scratch[..length] : new byte[length];
        prefix.CopyTo(name);
        rest.CopyTo(name[prefix.Length..]);
        return name;
    }

    /// <summary>The UTF-8 prefix every entry's pod name shares.</summary>
    private ReadOnlySpan<byte> Prefix => _names.AsSpan(0, _others?.Prefix ?? _names.Length);

    /// <summary>What entry <paramref name="i"/>'s pod name (UTF-8) has after <see cref="Prefix"/>.</summary>
    private ReadOnlySpan<byte> RestAt(int i)
    {
        if (_others is not { } others)
        {
            return default;
        }
        if (others.RestEnds is not { } ends)
        {
            var rest = (_names.Length - others.Prefix) / (others.Nodes.Length + 1);
            return _names.AsSpan(others.Prefix + (i * rest), rest);
        }
        var start = i == 0 ? others.Prefix : ends[i - 1];
        return _names.AsSpan(start, ends[i] - start);
    }

    /// <summary>Whether entry <paramref name="i"/> names the same pod as entry <paramref name="j"/> of <paramref name="other"/> (without decoding either).</summary>
    public bool SamePodName(int i, EndpointMembers other, int j)
    {
        Span<byte> scratch = stackalloc byte[256];
        Span<byte> otherScratch = stackalloc byte[256];
        return PodName(i, scratch).SequenceEqual(other.PodName(j, otherScratch));
    }

    /// <summary>A hash of entry <paramref name="i"/>'s pod name, wherever its prefix ends (XXH3, seeded per process).</summary>
    public int PodNameHash(int i)
    {
        Span<byte> scratch = stackalloc byte[256];
        return unchecked((int)XxHash3.HashToUInt64(PodName(i, scratch), s_nameHashSeed));
    }

    private static readonly long s_nameHashSeed = Random.Shared.NextInt64();

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
