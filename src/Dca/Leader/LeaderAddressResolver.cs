using System.Collections.Concurrent;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Leader;

/// <summary>Finds the leader's <c>host:port</c> from its identity (pod name).</summary>
internal interface ILeaderAddressResolver
{
    Task<string?> ResolveAsync(string identity, CancellationToken cancellationToken);

    /// <summary>Drops a cached address that stopped answering.</summary>
    void Forget(string identity);
}

/// <summary>
/// As Datadog's cluster agent: the leader's pod IP is the address, in the agent Service's Endpoints, whose
/// targetRef names the leader's pod (ready or not: a leader being replaced may be not ready yet); the
/// port is the command port. Cached for 5 minutes per identity, dropped when forwarding to it fails.
/// </summary>
internal sealed class EndpointsLeaderAddressResolver(KubernetesClient client, string ns, string serviceName, int port, TimeProvider time)
    : ILeaderAddressResolver
{
    private static readonly TimeSpan s_cacheFor = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (string Address, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public async Task<string?> ResolveAsync(string identity, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(identity, out var cached) && cached.Until > time.GetUtcNow())
        {
            return cached.Address;
        }
        var endpoints = await client.TryGetAsync(Resources.Endpoints, ns, serviceName, cancellationToken);
        var ip = endpoints?.Subsets?
            .SelectMany(s => (s.Addresses ?? []).Concat(s.NotReadyAddresses ?? []))
            .FirstOrDefault(a => a.TargetRef is { Kind: "Pod" } target && target.Name == identity)?.Ip;
        if (ip is null)
        {
            return null;
        }
        var address = (ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _cache[identity] = (address, time.GetUtcNow() + s_cacheFor);
        return address;
    }

    public void Forget(string identity) => _cache.TryRemove(identity, out _);
}
