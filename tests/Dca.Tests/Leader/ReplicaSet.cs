using System.Collections.Concurrent;
using System.Diagnostics;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Leader;
using Dca.Sim;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.Leader;

/// <summary>
/// Several electors ("replicas"), each with its own client to one simulator, whose leader work records
/// the interval it ran; a replica can be cut off from the API server (its requests hang) like a
/// network partition.
/// </summary>
internal sealed class ReplicaSet : IAsyncDisposable
{
    private readonly List<Replica> _replicas = [];
    private readonly bool _ownsSim;

    private ReplicaSet(Simulator sim, bool ownsSim)
    {
        Sim = sim;
        _ownsSim = ownsSim;
    }

    public Simulator Sim { get; }

    public IReadOnlyList<Replica> Replicas => _replicas;

    /// <summary>
    /// Every term any replica's leader work ran: from when until when (Stopwatch ticks; a running term
    /// ends at <see cref="long.MaxValue"/>).
    /// </summary>
    public ConcurrentDictionary<(string Identity, long Term), (long Start, long End)> WorkIntervals { get; } = new();

    public static async Task<ReplicaSet> StartAsync(int count, Func<string, LeaderElectionSettings> settings, Action<Replica>? beforeStart = null) =>
        await StartOnAsync(await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false }), ownsSim: true, count, settings, beforeStart);

    public static Task<ReplicaSet> StartOnAsync(Simulator sim, int count, Func<string, LeaderElectionSettings> settings) =>
        StartOnAsync(sim, ownsSim: false, count, settings, null);

    private static async Task<ReplicaSet> StartOnAsync(Simulator sim, bool ownsSim, int count, Func<string, LeaderElectionSettings> settings, Action<Replica>? beforeStart)
    {
        var set = new ReplicaSet(sim, ownsSim);
        for (var i = 0; i < count; i++)
        {
            set.Add(settings("dca-" + i));
        }
        foreach (var replica in set._replicas)
        {
            beforeStart?.Invoke(replica);
            await replica.Elector.StartAsync(CancellationToken.None);
        }
        return set;
    }

    private void Add(LeaderElectionSettings settings)
    {
        var partition = new PartitionHandler();
        var endpoint = KubeConfigLoader.Load([Sim.KubeconfigPath], null, TimeProvider.System);
        var client = new KubernetesClient(endpoint,
            new KubernetesClientOptions
            {
                WrapHandler = h => { partition.InnerHandler = h; return partition; },
                MaxAttempts = 1,
                // The simulator's partition fault picks its victims by User-Agent.
                UserAgent = UserAgentOf(settings.Identity),
            },
            NullLoggerFactory.Instance, TimeProvider.System);
        ILeaderLock leaderLock = settings.Lock == LockKind.ConfigMap
            ? new ConfigMapLock(client, "default", settings.LockName)
            : new LeaseLock(client, "default", settings.LockName);
        var holder = new LeadershipHolder();
        var elector = new LeaderElector(leaderLock, settings, holder, [new RecordingWork(this, settings.Identity)],
            TimeProvider.System, NullLogger<LeaderElector>.Instance);
        _replicas.Add(new Replica(settings.Identity, elector, holder, partition, client));
    }

    public static string UserAgentOf(string identity) => "dca-test/" + identity;

    /// <summary>The replicas that currently believe they lead.</summary>
    public IReadOnlyList<Replica> Leaders => [.. _replicas.Where(r => r.Holder.Current.IsLeader)];

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            replica.Partition.Heal();
            await replica.Elector.StopAsync(CancellationToken.None);
            replica.Elector.Dispose();
            replica.Client.Dispose();
        }
        if (_ownsSim)
        {
            await Sim.DisposeAsync();
        }
    }

    internal sealed record Replica(string Identity, LeaderElector Elector, LeadershipHolder Holder, PartitionHandler Partition, KubernetesClient Client);

    private sealed class RecordingWork(ReplicaSet set, string identity) : ILeaderWork
    {
        public string Name => "recording";

        public async Task RunAsync(long term, CancellationToken termToken)
        {
            var start = Stopwatch.GetTimestamp();
            set.WorkIntervals[(identity, term)] = (start, long.MaxValue);
            var stopped = new TaskCompletionSource();
            // The end is the moment the token fires: work that honours it stops then.
            using (termToken.Register(() =>
            {
                set.WorkIntervals[(identity, term)] = (start, Stopwatch.GetTimestamp());
                stopped.TrySetResult();
            }))
            {
                await stopped.Task;
            }
        }
    }
}

/// <summary>
/// Lets requests through until forbidden; then it answers as the API server does for a service account
/// without the RBAC grant (403). (Partitions come from the simulator's fault switch.)
/// </summary>
internal sealed class PartitionHandler : DelegatingHandler
{
    private volatile bool _forbidden;

    public void Forbid() => _forbidden = true;

    public void Heal() => _forbidden = false;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_forbidden)
        {
            return new HttpResponseMessage(System.Net.HttpStatusCode.Forbidden)
            {
                Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"leases.coordination.k8s.io \"datadog-leader-election\" is forbidden: User \"system:serviceaccount:default:dca\" cannot get resource \"leases\"","reason":"Forbidden","code":403}""",
                    System.Text.Encoding.UTF8, "application/json"),
            };
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
