using Dca.Sim;
using Dca.Testing;

namespace Dca.Tests.Api;

/// <summary>
/// ISSUE 4, "Kept honest": with the simulator churning pods (and their EndpointSlices and Endpoints),
/// once churn stops every node's bundle equals the ground truth computed from the simulator's objects.
/// </summary>
public class ChurnCorrectnessTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task Bundles_AfterChurn_EqualGroundTruth(bool useSlices, bool ignoreReadiness)
    {
        await using var agent = await AgentUnderTest.StartAsync(
            new SimulatorOptions
            {
                Scenario = Sim.Scenarios.ScenarioOptions.Small with { Nodes = 12, PodsPerNode = 12, Services = 15 },
                RunActivity = false,
                Kubelets = false,
            },
            o => o with { UseEndpointSlices = useSlices, IgnoreReadiness = ignoreReadiness }).WithTimeout();
        await agent.WaitReadyAsync();

        for (var round = 0; round < 20; round++)
        {
            agent.Sim.Churn(3);
            await Task.Delay(10);
        }

        await Wait.UntilAsync(async () => await MatchesAsync(agent, ignoreReadiness), "every bundle to equal the ground truth", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task PodReplacements_ReserializeOnlyTheNodesTheyTouch()
    {
        // 40 nodes and 2 services: each service's slices span nearly every node, so re-serializing
        // every node a changed slice spans would show as ~40 bodies per change.
        await using var agent = await AgentUnderTest.StartAsync(
            new SimulatorOptions
            {
                Scenario = Sim.Scenarios.ScenarioOptions.Small with { Nodes = 40, PodsPerNode = 6, Services = 2 },
                RunActivity = false,
                Kubelets = false,
            }).WithTimeout();
        await agent.WaitReadyAsync();
        var before = await BodiesSerializedAsync(agent);

        agent.Sim.Churn(5);
        await Wait.UntilAsync(async () => await MatchesAsync(agent, false), "every bundle to equal the ground truth", TimeSpan.FromSeconds(30));

        // Each replacement changes the victim's node and the new pod's node: at most 2 bodies per
        // step, once per build that sees a slice event (removal and addition may land in two builds).
        var serialized = await BodiesSerializedAsync(agent) - before;
        Assert.InRange(serialized, 1, 5 * 2 * 2);
    }

    private static async Task<long> BodiesSerializedAsync(AgentUnderTest agent)
    {
        var text = await agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var line = text.Split('\n').Single(l => l.StartsWith("dca_snapshot_bodies_serialized_total ", StringComparison.Ordinal));
        return long.Parse(line.AsSpan(line.IndexOf(' ', StringComparison.Ordinal) + 1), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> MatchesAsync(AgentUnderTest agent, bool ignoreReadiness)
    {
        var truth = GroundTruth.PodServices(agent.Sim, ignoreReadiness);
        foreach (var (node, namespaces) in truth)
        {
            var body = await agent.Api.GetStringAsync(new Uri($"/api/v1/tags/pod/{node}", UriKind.Relative));
            if (body != GroundTruth.NodeBody(node, namespaces))
            {
                return false;
            }
        }
        return true;
    }
}
