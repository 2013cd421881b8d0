using System.Diagnostics;
using System.Text.Json;
using Dca.Kubernetes.Models;
using Dca.Leader;
using Dca.Sim.Store;
using Dca.Testing;

namespace Dca.Tests.Leader;

/// <summary>
/// ISSUE 5, election and fencing, over real HTTP against the simulator with a 2 s lease (renew
/// deadline 1 s, retry period 0.5 s) so failovers take seconds.
/// </summary>
public class LeaderElectionTests
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(2);

    private static LeaderElectionSettings Settings(string identity, LockKind kind = LockKind.Lease, bool release = true) => new()
    {
        Enabled = true,
        Identity = identity,
        LeaseDuration = LeaseDuration,
        Lock = kind,
        ReleaseOnShutdown = release,
    };

    [Fact]
    public async Task ThreeReplicas_ElectOneLeader_AndAGracefulStopHandsOverWithinTwoSeconds()
    {
        await using var set = await ReplicaSet.StartAsync(3, id => Settings(id)).WithTimeout();
        var leader = await OneLeaderAsync(set);
        await Wait.UntilAsync(() => set.Replicas.Count(r => r.Holder.Current is { State: LeaderState.Follower } f && f.Holder == leader.Identity) == 2,
            "both others to follow the leader");
        Assert.Equal(leader.Identity, LeaseHolder(set));

        var stopped = Stopwatch.StartNew();
        await leader.Elector.StopAsync(CancellationToken.None);
        var next = await OneLeaderAsync(set);
        stopped.Stop();

        Assert.NotEqual(leader.Identity, next.Identity);
        Assert.True(stopped.Elapsed <= TimeSpan.FromSeconds(2), $"hand-over took {stopped.Elapsed.TotalSeconds:F2} s");
        AssertNoOverlap(set);
    }

    [Fact]
    public async Task KilledLeader_IsReplacedWithinLeaseDurationPlusRetry()
    {
        // No release: like kill -9, the lease is only taken over once it expires.
        await using var set = await ReplicaSet.StartAsync(3, id => Settings(id, release: false)).WithTimeout();
        var leader = await OneLeaderAsync(set);
        var killed = Stopwatch.StartNew();
        await leader.Elector.StopAsync(CancellationToken.None);

        var next = await OneLeaderAsync(set);
        Assert.NotEqual(leader.Identity, next.Identity);
        // Lease duration plus one retry period (with its jitter), plus scheduling slack.
        Assert.True(killed.Elapsed <= LeaseDuration + (LeaseDuration / 4 * 1.2) + TimeSpan.FromSeconds(1), $"took {killed.Elapsed.TotalSeconds:F2} s");
        AssertNoOverlap(set);
    }

    [Fact]
    public async Task PartitionedLeader_StopsLeaderWorkBeforeAnotherReplicaLeads()
    {
        await using var set = await ReplicaSet.StartAsync(3, id => Settings(id)).WithTimeout();
        var leader = await OneLeaderAsync(set);
        var cut = Stopwatch.GetTimestamp();
        // The simulator stops answering the leader's requests (its User-Agent), and only its.
        set.Sim.SetFaults(set.Sim.Faults with { PartitionUserAgent = ReplicaSet.UserAgentOf(leader.Identity) });

        var next = await OneLeaderAsync(set, except: leader);
        Assert.NotEqual(leader.Identity, next.Identity);
        // The cut-off leader gave up within its renew deadline (1 s after its last renewal started).
        var end = set.WorkIntervals.Single(w => w.Key.Identity == leader.Identity).Value.End;
        Assert.True(Stopwatch.GetElapsedTime(cut, end) <= LeaseDuration / 2 + TimeSpan.FromMilliseconds(500), $"work stopped {Stopwatch.GetElapsedTime(cut, end).TotalSeconds:F2} s after the cut");
        Assert.False(leader.Holder.Current.IsLeader);
        AssertNoOverlap(set);

        // Healed, it follows the new leader rather than fighting for the lease.
        set.Sim.SetFaults(set.Sim.Faults with { PartitionUserAgent = null });
        await Wait.UntilAsync(() => leader.Holder.Current is { State: LeaderState.Follower } f && f.Holder == next.Identity, "the healed replica to follow");
        AssertNoOverlap(set);
    }

    [Fact]
    public async Task ConfigMapLock_TakesOverAnExpiredDatadogRecord_AndWritesClientGoRecord()
    {
        await using var set = await ReplicaSet.StartAsync(0, id => Settings(id)).WithTimeout();
        // A record left by Datadog's cluster agent (its shape from DataDog/datadog-agent issue 5133).
        var old = """{"holderIdentity":"datadog-cluster-agent-6d66fcc787-dmjqw","leaseDurationSeconds":1,"acquireTime":"2020-03-17T19:27:17Z","renewTime":"2020-03-17T19:27:17Z","leaderTransitions":403}""";
        using (var client = SimClient.For(set.Sim))
        {
            await client.CreateAsync(Resources.ConfigMaps, new ConfigMap
            {
                Metadata = new ObjectMeta
                {
                    Name = "datadog-leader-election",
                    Namespace = "default",
                    Annotations = new() { [ConfigMapLock.RecordAnnotation] = old },
                },
            }, CancellationToken.None);
        }
        await using var replicas = await ReplicaSet.StartOnAsync(set.Sim, 2, id => Settings(id, LockKind.ConfigMap)).WithTimeout();

        var leader = await OneLeaderAsync(replicas);
        using var map = JsonDocument.Parse(set.Sim.Store.Get(ResourceTypes.ConfigMaps, "default", "datadog-leader-election")!.Json);
        var record = JsonDocument.Parse(map.RootElement.GetProperty("metadata").GetProperty("annotations").GetProperty(ConfigMapLock.RecordAnnotation).GetString()!).RootElement;
        Assert.Equal(leader.Identity, record.GetProperty("holderIdentity").GetString());
        Assert.Equal(2, record.GetProperty("leaseDurationSeconds").GetInt32());
        Assert.Equal(404, record.GetProperty("leaderTransitions").GetInt32());
        Assert.True(record.GetProperty("renewTime").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task Forbidden_StaysUnknown_AndSaysWhichGrantIsMissing()
    {
        await using var forbidden = await ReplicaSet.StartAsync(1, id => Settings(id), replica => replica.Partition.Forbid()).WithTimeout();
        var replica = forbidden.Replicas[0];

        await Wait.UntilAsync(() => replica.Elector.Errors >= 2, "repeated permission errors");

        Assert.Equal(LeaderState.Unknown, replica.Holder.Current.State);
        Assert.Contains("cannot get resource", replica.Elector.LastError, StringComparison.Ordinal);
        Assert.Empty(forbidden.WorkIntervals);
    }

    [Fact]
    public async Task ElectionDisabled_TheOnlyReplicaLeads()
    {
        await using var set = await ReplicaSet.StartAsync(1, id => Settings(id) with { Enabled = false }).WithTimeout();
        await Wait.UntilAsync(() => set.Replicas[0].Holder.Current.IsLeader, "the replica to lead");
        Assert.Null(set.Sim.Store.Get(ResourceTypes.Leases, "default", "datadog-leader-election"));
    }

    private static async Task<ReplicaSet.Replica> OneLeaderAsync(ReplicaSet set, ReplicaSet.Replica? except = null)
    {
        try
        {
            await Wait.UntilAsync(() => set.Leaders.Count(r => r != except) == 1, "one leader", TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; lock errors: " + string.Join("; ", set.Replicas.Select(r => $"{r.Identity}: {r.Elector.LastError ?? "none"} ({r.Elector.Errors} errors)")), e);
        }
        return set.Leaders.Single(r => r != except);
    }

    private static string? LeaseHolder(ReplicaSet set)
    {
        using var lease = JsonDocument.Parse(set.Sim.Store.Get(ResourceTypes.Leases, "default", "datadog-leader-election")!.Json);
        return lease.RootElement.GetProperty("spec").GetProperty("holderIdentity").GetString();
    }

    /// <summary>No two replicas' leader work ever ran at the same time.</summary>
    private static void AssertNoOverlap(ReplicaSet set)
    {
        var intervals = set.WorkIntervals.ToArray();
        foreach (var a in intervals)
        {
            foreach (var b in intervals.Where(b => b.Key.Identity != a.Key.Identity))
            {
                Assert.False(a.Value.Start < b.Value.End && b.Value.Start < a.Value.End,
                    $"{a.Key.Identity} term {a.Key.Term} overlaps {b.Key.Identity} term {b.Key.Term}");
            }
        }
    }
}
