using Dca.Leader;
using Dca.Tests.Api;
using Dca.Testing;

namespace Dca.Tests.Leader;

public class LeadershipReportingTests
{
    [Fact]
    public async Task Agent_WithElection_ReportsLeadershipInMetricsAndStatus()
    {
        await using var agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            Election = new LeaderElectionSettings { Enabled = true, Identity = "dca-test-0", LeaseDuration = TimeSpan.FromSeconds(4) },
        }).WithTimeout();

        await Wait.UntilAsync(async () => (await agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Contains("\ndca_leader_election_is_leader 1\n", StringComparison.Ordinal), "the agent to report itself leader");
        var status = await agent.Api.GetStringAsync(new Uri("/status", UriKind.Relative));
        Assert.Contains("leader since", status, StringComparison.Ordinal);
        Assert.Contains("dca-test-0 via lease default/datadog-leader-election", status, StringComparison.Ordinal);
        var metrics = await agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("\ndca_leader_election_transitions_total 1\n", metrics, StringComparison.Ordinal);
    }
}
