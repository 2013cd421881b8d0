using System.Diagnostics;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 5, "Kept honest" with the native binaries: three <c>dca</c> processes elect one leader through a
/// Lease in <c>dca-sim</c>; kill -9 of the leader fails over within the lease duration plus a retry
/// period; SIGTERM of the leader hands over within 2 s (the lease is released on shutdown).
/// </summary>
public class LeaderElectionProcessTests
{
    private const int LeaseSeconds = 4;

    [Fact]
    public async Task ThreeReplicas_FailOverOnKill_AndHandOverOnSigterm()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var replicas = new List<DcaReplica>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(DcaReplica.Start(cluster, "dca-" + i, LeaseSeconds));
            }

            var first = await DcaReplica.OneLeaderAsync(replicas);
            var killed = Stopwatch.StartNew();
            await first.Process.DisposeAsync(); // SIGKILL: no release, the lease must expire
            replicas.Remove(first);
            var second = await DcaReplica.OneLeaderAsync(replicas);
            killed.Stop();
            Assert.True(killed.Elapsed <= TimeSpan.FromSeconds(LeaseSeconds + (LeaseSeconds / 4.0 * 1.2) + 2),
                $"fail-over after kill -9 took {killed.Elapsed.TotalSeconds:F1} s");

            var stopped = Stopwatch.StartNew();
            var exit = second.Process.TerminateAsync(TimeSpan.FromSeconds(10));
            replicas.Remove(second);
            var third = await DcaReplica.OneLeaderAsync(replicas);
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
                await replica.DisposeAsync();
            }
        }
    }
}
