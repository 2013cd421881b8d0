using System.Text;
using Dca.Leader;
using Dca.Sim;
using Dca.Sim.Store;

namespace Dca.Tests.Leader;

public class LeaderAddressResolverTests
{
    [Fact]
    public async Task Resolve_FindsTheLeaderPodInTheAgentServiceEndpoints_ReadyOrNot()
    {
        await using var sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false });
        sim.Store.Put(ResourceTypes.Endpoints, rv => Encoding.UTF8.GetBytes($$$"""
            {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"datadog-cluster-agent","namespace":"default","resourceVersion":"{{{rv}}}"},
             "subsets":[{"addresses":[{"ip":"10.0.0.7","targetRef":{"kind":"Pod","name":"dca-1"}}],
                         "notReadyAddresses":[{"ip":"fd00::9","targetRef":{"kind":"Pod","name":"dca-2"}}],
                         "ports":[{"port":5005}]}]}
            """));
        using var client = SimClient.For(sim);
        var resolver = new EndpointsLeaderAddressResolver(client, "default", "datadog-cluster-agent", 5005, TimeProvider.System);

        Assert.Equal("10.0.0.7:5005", await resolver.ResolveAsync("dca-1", CancellationToken.None));
        Assert.Equal("[fd00::9]:5005", await resolver.ResolveAsync("dca-2", CancellationToken.None));
        Assert.Null(await resolver.ResolveAsync("dca-9", CancellationToken.None));
    }
}
