using System.Net;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Leader;

/// <summary>The record as a coordination.k8s.io/v1 Lease's spec.</summary>
internal sealed class LeaseLock(KubernetesClient client, string ns, string name) : ILeaderLock
{
    public string Description => $"lease {ns}/{name}";

    public async Task<LockState?> GetAsync(CancellationToken cancellationToken)
    {
        var lease = await client.TryGetAsync(Resources.Leases, ns, name, cancellationToken);
        if (lease is null)
        {
            return null;
        }
        var spec = lease.Spec;
        var record = new LeaderRecord(
            spec.HolderIdentity ?? "",
            spec.LeaseDurationSeconds ?? 0,
            spec.AcquireTime ?? DateTimeOffset.MinValue,
            spec.RenewTime ?? DateTimeOffset.MinValue,
            spec.LeaseTransitions ?? 0);
        return new LockState(record, lease.Metadata.ResourceVersion ?? "", record.ToString());
    }

    public async Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateAsync(Resources.Leases, new Lease { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Spec = Spec(record) }, cancellationToken);
            return true;
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderRecord record, string resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            await client.UpdateAsync(Resources.Leases,
                new Lease { Metadata = new ObjectMeta { Name = name, Namespace = ns, ResourceVersion = resourceVersion }, Spec = Spec(record) },
                cancellationToken);
            return true;
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static LeaseSpec Spec(LeaderRecord record) => new()
    {
        HolderIdentity = record.HolderIdentity,
        LeaseDurationSeconds = record.LeaseDurationSeconds,
        AcquireTime = record.AcquireTime,
        RenewTime = record.RenewTime,
        LeaseTransitions = record.LeaderTransitions,
    };
}
