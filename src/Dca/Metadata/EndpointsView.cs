using Dca.Kubernetes.Models;

namespace Dca.Metadata;

/// <summary>One pod's membership in one service.</summary>
internal readonly record struct Membership(string Namespace, string Pod, string Service);

/// <summary>
/// Reads pod → service memberships out of the current endpoints objects, EndpointSlices
/// (discovery.k8s.io/v1, the default) or core/v1 Endpoints. Only addresses whose targetRef is a Pod
/// with a node count; not-ready ones only when readiness is ignored
/// (<c>DD_KUBERNETES_KUBE_SERVICE_IGNORE_READINESS</c>), as in Datadog's metadata controller.
/// </summary>
internal abstract class EndpointsView
{
    /// <summary>
    /// Adds the memberships the object <paramref name="key"/> gives each node of <paramref name="nodes"/>
    /// to <paramref name="into"/>, in one pass over its endpoints.
    /// </summary>
    public abstract void Collect(string key, IReadOnlySet<string> nodes, Dictionary<string, List<Membership>> into);

    protected static void Add(Dictionary<string, List<Membership>> into, string node, Membership membership)
    {
        if (!into.TryGetValue(node, out var list))
        {
            into[node] = list = [];
        }
        list.Add(membership);
    }

    protected static IReadOnlyList<string> Distinct(IEnumerable<string> nodes)
    {
        string[] result = [.. nodes.Distinct(StringComparer.Ordinal)];
        return result;
    }
}

internal sealed class EndpointSliceView(Func<string, EndpointSlice?> lookup, bool ignoreReadiness) : EndpointsView
{
    public static IReadOnlyList<string> Nodes(EndpointSlice? slice, bool ignoreReadiness) =>
        slice is null || ServiceOf(slice) is null ? [] : Distinct(Counted(slice, ignoreReadiness).Select(e => e.NodeName!));

    public override void Collect(string key, IReadOnlySet<string> nodes, Dictionary<string, List<Membership>> into)
    {
        if (lookup(key) is not { } slice || ServiceOf(slice) is not { } service)
        {
            return;
        }
        var ns = slice.Metadata.Namespace ?? "";
        foreach (var endpoint in Counted(slice, ignoreReadiness))
        {
            if (nodes.Contains(endpoint.NodeName!))
            {
                Add(into, endpoint.NodeName!, new Membership(endpoint.TargetNamespace ?? ns, endpoint.TargetName!, service));
            }
        }
    }

    private static string? ServiceOf(EndpointSlice slice) =>
        slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) is { Length: > 0 } s ? s : null;

    private static IEnumerable<SliceEndpoint> Counted(EndpointSlice slice, bool ignoreReadiness) =>
        (slice.Endpoints ?? []).Where(e =>
            e is { TargetKind: "Pod", TargetName.Length: > 0, NodeName.Length: > 0 }
            // A nil "ready" means unknown, which the API says to interpret as ready.
            && (ignoreReadiness || e.Ready != false));
}

internal sealed class CoreEndpointsView(Func<string, Endpoints?> lookup, bool ignoreReadiness) : EndpointsView
{
    public static IReadOnlyList<string> Nodes(Endpoints? endpoints, bool ignoreReadiness) =>
        endpoints is null ? [] : Distinct(Counted(endpoints, ignoreReadiness).Select(a => a.NodeName!));

    public override void Collect(string key, IReadOnlySet<string> nodes, Dictionary<string, List<Membership>> into)
    {
        if (lookup(key) is not { } endpoints)
        {
            return;
        }
        var ns = endpoints.Metadata.Namespace ?? "";
        foreach (var address in Counted(endpoints, ignoreReadiness))
        {
            if (nodes.Contains(address.NodeName!))
            {
                Add(into, address.NodeName!, new Membership(address.TargetRef!.Namespace ?? ns, address.TargetRef.Name!, endpoints.Metadata.Name));
            }
        }
    }

    private static IEnumerable<EndpointAddress> Counted(Endpoints endpoints, bool ignoreReadiness) =>
        (endpoints.Subsets ?? []).SelectMany(s => ignoreReadiness
                ? (s.Addresses ?? []).Concat(s.NotReadyAddresses ?? [])
                : s.Addresses ?? [])
            .Where(a => a.TargetRef is { Kind: "Pod", Name.Length: > 0 } && !string.IsNullOrEmpty(a.NodeName));
}
