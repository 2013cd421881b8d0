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
