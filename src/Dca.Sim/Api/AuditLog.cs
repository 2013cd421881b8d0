using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Dca.Sim.Api;

/// <summary>One line of the audit record: who used which verb on which resource, and how often.</summary>
/// <param name="Identity">The credential's name (never the token).</param>
/// <param name="UserAgent">The client's User-Agent header.</param>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection.</param>
/// <param name="Group">The API group ("" for core).</param>
/// <param name="Resource">The resource, with "/subresource" when there is one.</param>
/// <param name="Namespace">The namespace ("" for cluster-wide requests).</param>
/// <param name="Name">The object's name as RBAC sees it (the path's name, or a list or watch's
/// <c>metadata.name=</c> field selector; the node for kubelet requests); "" when there is none.</param>
/// <param name="Count">How many requests.</param>
public sealed record AuditEntry(string Identity, string UserAgent, string Verb, string Group, string Resource, string Namespace, string Name, long Count);

/// <summary>
/// Aggregated counts of requests by client, verb and resource — the record the deploy tests use to
/// prove the agents' RBAC is least-privilege. The API server and the kubelets both record here, with the
/// attributes their authorizers would check (the kubelet's: <c>nodes/proxy</c>, <c>nodes/stats</c>, ...).
/// </summary>
internal sealed class AuditLog
{
    private readonly ConcurrentDictionary<(string, string, string, string, string, string, string), StrongBox<long>> _counts = new();

    public void Record(string identity, string userAgent, string verb, string group, string resource, string ns, string name)
    {
        var box = _counts.GetOrAdd((identity, userAgent, verb, group, resource, ns, name), static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    public IReadOnlyList<AuditEntry> Snapshot() =>
        [.. _counts
            .Select(kv => new AuditEntry(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, kv.Key.Item5, kv.Key.Item6, kv.Key.Item7, Interlocked.Read(ref kv.Value.Value)))
            .OrderBy(e => e.Identity, StringComparer.Ordinal)
            .ThenBy(e => e.UserAgent, StringComparer.Ordinal)
            .ThenBy(e => e.Group, StringComparer.Ordinal)
            .ThenBy(e => e.Resource, StringComparer.Ordinal)
            .ThenBy(e => e.Verb, StringComparer.Ordinal)
            .ThenBy(e => e.Namespace, StringComparer.Ordinal)
            .ThenBy(e => e.Name, StringComparer.Ordinal)];

    public void Clear() => _counts.Clear();
}
