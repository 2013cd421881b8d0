using System.Diagnostics;
using System.Globalization;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 5, "Kept honest" with the native binaries: three <c>dca</c> processes elect one leader through a
/// Lease in <c>dca-sim</c>; kill -9 of the leader fails over within the lease duration plus a retry
/// period; SIGTERM of the leader hands over within 2 s (the lease is released on shutdown).
/// </summary>
public class LeaderElectionProcessTests
{
    private const int LeaseSeconds = 4;

    private sealed record Replica(string Name, NativeProcess Process, HttpClient Metrics);

    [Fact]
    public async Task ThreeReplicas_FailOverOnKill_AndHandOverOnSigterm()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var replicas = new List<Replica>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var metrics = FreePort.Next();
                var env = new Dictionary<string, string>
                {
                    ["DD_BIND_HOST"] = "127.0.0.1",
                    ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = ClusterAgentProcessTests.Token,
                    ["DD_HEALTH_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    ["DD_CLUSTER_AGENT_CMD_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    ["DD_METRICS_PORT"] = metrics.ToString(CultureInfo.InvariantCulture),
                    ["DD_LEADER_ELECTION"] = "true",
                    ["DD_LEADER_LEASE_DURATION"] = LeaseSeconds.ToString(CultureInfo.InvariantCulture),
                    ["DD_POD_NAME"] = "dca-" + i,
                };
                replicas.Add(new Replica("dca-" + i, NativeProcess.Start("dca", ["--kubeconfig", cluster.Kubeconfig], env),
                    new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metrics}") }));
            }

            var first = await OneLeaderAsync(replicas);
            var killed = Stopwatch.StartNew();
            await first.Process.DisposeAsync(); // SIGKILL: no release, the lease must expire
            replicas.Remove(first);
            var second = await OneLeaderAsync(replicas);
            killed.Stop();
            Assert.True(killed.Elapsed <= TimeSpan.FromSeconds(LeaseSeconds + (LeaseSeconds / 4.0 * 1.2) + 2),
                $"fail-over after kill -9 took {killed.Elapsed.TotalSeconds:F1} s");

            var stopped = Stopwatch.StartNew();
            var exit = second.Process.TerminateAsync(TimeSpan.FromSeconds(10));
            replicas.Remove(second);
            var third = await OneLeaderAsync(replicas);
            stopped.Stop();
            await exit;
            Assert.Equal(0, second.Process.ExitCode);
            Assert.True(stopped.Elapsed <= TimeSpan.FromSeconds(2), $"hand-over after SIGTERM took {stopped.Elapsed.TotalSeconds:F1} s");
            Assert.Contains(second.Process.Stderr, l => l.Contains("Released lease", StringComparison.Ordinal));
            Assert.NotEqual(second.Name, third.Name);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.Process.DisposeAsync();
                replica.Metrics.Dispose();
            }
        }
    }

    private static async Task<Replica> OneLeaderAsync(List<Replica> replicas)
    {
        Replica? leader = null;
        await Wait.UntilAsync(async () =>
        {
            var leaders = new List<Replica>();
            foreach (var replica in replicas)
            {
                try
                {
                    var text = await replica.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                    if (text.Contains("\ndca_leader_election_is_leader 1\n", StringComparison.Ordinal))
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
}
