using System.Text;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Metadata;
using Dca.Sim.Store;
using Dca.Testing;
using Dca.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Dca.Tests.Metadata;

/// <summary>
/// What the metadata informers keep of large objects (issue 11, pathological clusters): only what the API
/// serves. A 250 KiB annotation (near the API server's 256 KiB limit) on a Service or a node must not stay in the agent's memory.
/// </summary>
public sealed class InformerStoreTests : IAsyncLifetime
{
    // The most a real API server accepts in one object's annotations (256 KiB), less room for the others'.
    private static readonly string LargeValue = new('x', 250 * 1024);
    private AgentUnderTest _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = await AgentUnderTest.StartAsync().WithTimeout();
        await _agent.WaitReadyAsync().WithTimeout();
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private IReflector InformerOf(string informer) =>
        _agent.App.Services.GetRequiredService<MetadataService>().Informers.Single(i => i.Name == informer).Reflector;

    private IReflectorStore<ServedObject<NodeMetadataBodies>> NodeStore() =>
        ((Reflector<PartialObjectMetadata, ServedObject<NodeMetadataBodies>>)InformerOf("nodes")).Store;

    [Fact]
    public async Task ServicesInformer_ServiceWithLargeAnnotationAndLabels_KeepsOnlyItsKeyAndVersion()
    {
        var created = _agent.Sim.Create(ResourceTypes.Services, $$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"large","namespace":"default",
             "labels":{"app":"large","team":"a"},"annotations":{"example.com/blob":"{{{LargeValue}}}"}},
             "spec":{"selector":{"app":"large"},"ports":[{"port":80}]}}
            """);
        var store = (IReflectorStore<ObjectVersion>)((Reflector<PartialObjectMetadata, ObjectVersion>)InformerOf("services")).Store;

        await Wait.UntilAsync(() => Task.FromResult(store.Get("default/large") is not null), "the service in the informer's store").WithTimeout();

        Assert.IsType<VersionIndex>(store);
        Assert.Equal((ulong)created.ResourceVersion, store.Get("default/large")!.Version);
    }

    [Fact]
    public async Task NodesInformer_LargeAnnotationNotAHostAlias_IsNotKept()
    {
        var node = _agent.Sim.NodeNames[0];
        var store = NodeStore();
        _agent.Sim.Update(ResourceTypes.Nodes, $$$"""
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{node}}}","labels":{"patho":"annotated"},
             "annotations":{"example.com/blob":"{{{LargeValue}}}","cluster.k8s.io/machine":"m-1"} } }
            """);

        await Wait.UntilAsync(() => Task.FromResult(store.Get(node)?.Served.LabelsBody is { } labels && Encoding.UTF8.GetString(labels).Contains("\"patho\"", StringComparison.Ordinal)),
            "the node update in the store").WithTimeout();

        // Only the served bodies are kept: the labels, the host-alias annotation and the uid.
        var kept = store.Get(node)!.Served;
        Assert.Equal("""{"cluster.k8s.io/machine":"m-1"}""", Encoding.UTF8.GetString(kept.AnnotationsBody));
        Assert.Equal("""{"patho":"annotated"}""", Encoding.UTF8.GetString(kept.LabelsBody));
    }
}
