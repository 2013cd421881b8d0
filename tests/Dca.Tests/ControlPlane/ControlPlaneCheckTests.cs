using Dca.ControlPlane;
using Dca.Protocol.Intake;
using Dca.Sim;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.ControlPlane;

public class ControlPlaneCheckTests
{
    [Fact]
    public async Task Collect_ComponentStatuses_BecomeControlPlaneServiceChecksTaggedByComponent()
    {
        await using var sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false });
        using var client = SimClient.For(sim);
        var check = new ControlPlaneCheck(client, new JsonLinesSink(TextWriter.Null), TimeSpan.FromSeconds(15), "prod", NullLogger<ControlPlaneCheck>.Instance);

        var checks = await check.CollectAsync(CancellationToken.None);

        Assert.NotEmpty(checks);
        Assert.All(checks, c =>
        {
            Assert.Equal("kube_apiserver_controlplane.up", c.Check);
            Assert.Contains(c.Tags, t => t.StartsWith("component:", StringComparison.Ordinal));
            Assert.Contains("kube_cluster_name:prod", c.Tags);
            Assert.InRange(c.Status, ServiceCheck.Ok, ServiceCheck.Unknown);
        });
        Assert.Contains(checks, c => c.Tags.Contains("component:etcd-0") || c.Tags.Contains("component:scheduler"));
    }

    [Fact]
    public async Task Collect_WithoutComponentStatuses_FallsBackToReadyz()
    {
        await using var sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false });
        foreach (var component in sim.Store.Objects(Dca.Sim.Store.ResourceTypes.ComponentStatuses).ToList())
        {
            sim.Delete(Dca.Sim.Store.ResourceTypes.ComponentStatuses, "", component.Name);
        }
        using var client = SimClient.For(sim);
        var check = new ControlPlaneCheck(client, new JsonLinesSink(TextWriter.Null), TimeSpan.FromSeconds(15), null, NullLogger<ControlPlaneCheck>.Instance);

        var only = Assert.Single(await check.CollectAsync(CancellationToken.None));

        Assert.Equal(ServiceCheck.Ok, only.Status);
        Assert.Empty(only.Tags);
    }
}
