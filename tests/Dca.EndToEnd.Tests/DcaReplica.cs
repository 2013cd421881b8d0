using System.Globalization;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>One native <c>dca</c> with leader election on, its own ports on loopback, and a client for its metrics.</summary>
public sealed class DcaReplica : IAsyncDisposable
{
    private DcaReplica(string name, NativeProcess process, HttpClient metrics, int commandPort)
    {
        Name = name;
        Process = process;
        Metrics = metrics;
        CommandPort = commandPort;
    }

    /// <summary>The node-agent API's port (https).</summary>
    public int CommandPort { get; }

    public string Name { get; }

    public NativeProcess Process { get; }

    public HttpClient Metrics { get; }

    public static DcaReplica Start(SimulatedCluster cluster, string name, int leaseSeconds, IDictionary<string, string>? extra = null, int? commandPort = null,
        string? kubeconfig = null, string bindHost = "127.0.0.1")
    {
        var metrics = FreePort.Next();
        var command = commandPort ?? FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["DD_BIND_HOST"] = bindHost,
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = ClusterAgentProcessTests.Token,
            ["DD_HEALTH_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_CMD_PORT"] = command.ToString(CultureInfo.InvariantCulture),
            ["DD_METRICS_PORT"] = metrics.ToString(CultureInfo.InvariantCulture),
            ["DD_LEADER_ELECTION"] = "true",
            ["DD_LEADER_LEASE_DURATION"] = leaseSeconds.ToString(CultureInfo.InvariantCulture),
            ["DD_POD_NAME"] = name,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        return new DcaReplica(name, NativeProcess.Start("dca", ["--kubeconfig", kubeconfig ?? cluster.Kubeconfig], env),
            new HttpClient { BaseAddress = new Uri($"http://{bindHost}:{metrics}") }, command);
    }

    /// <summary>Waits until exactly one of <paramref name="replicas"/> reports itself leader on /metrics.</summary>
    public static async Task<DcaReplica> OneLeaderAsync(IReadOnlyCollection<DcaReplica> replicas)
    {
        DcaReplica? leader = null;
        await Wait.UntilAsync(async () =>
        {
            var leaders = new List<DcaReplica>();
            foreach (var replica in replicas)
            {
                try
                {
                    if ((await replica.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Contains("\ndca_leader_election_is_leader 1\n", StringComparison.Ordinal))
                    {
                        leaders.Add(replica);
                    }
                }
                catch (HttpRequestException)
                {
                }
            }
            leader = leaders.Count == 1 ? leaders[0] : null;
            return leader is not null;
        }, "exactly one leader", TimeSpan.FromSeconds(30));
        return leader!;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Metrics.Dispose();
    }
}
