using System.Text.Json;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Tests.Models;

public class EndpointSliceParsingTests
{
    private const string Slice = """
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc","namespace":"shop",
         "labels":{"kubernetes.io/service-name":"web"},"annotations":{"endpoints.kubernetes.io/last-change-trigger-time":"2026-10-23T02:53:45Z"}},
         "addressType":"IPv4",
         "endpoints":[
          {"addresses":["10.0.0.4"],"conditions":{"ready":true,"serving":true,"terminating":false},
           "targetRef":{"kind":"Pod","namespace":"shop","name":"web-1","uid":"u1"},"nodeName":"node-1","zone":"a","hints":{"forZones":[{"name":"a"}]}},
          {"addresses":["10.0.0.5"],"conditions":{"ready":false},"targetRef":{"kind":"Pod","name":"web-2"},"nodeName":"node-2"},
          {"addresses":["10.0.0.6"],"conditions":{}}
         ],
         "ports":[{"name":"http","port":80,"protocol":"TCP"}]}
        """;

    [Fact]
    public void Deserialize_Endpoints_KeepsOnlyWhatTheAgentsUse()
    {
        var slice = JsonSerializer.Deserialize(Slice, KubernetesJsonContext.Default.EndpointSlice)!;

        Assert.Equal("web", slice.Metadata.Labels![EndpointSlice.ServiceNameLabel]);
        Assert.Equal(3, slice.Endpoints!.Length);
        var first = slice.Endpoints[0];
        Assert.Equal(("node-1", "Pod", "web-1", "shop", (bool?)true), (first.NodeName, first.TargetKind, first.TargetName, first.TargetNamespace, first.Ready));
        Assert.Equal(false, slice.Endpoints[1].Ready);
        Assert.Null(slice.Endpoints[1].TargetNamespace);
        Assert.Null(slice.Endpoints[2].Ready);
        Assert.Null(slice.Endpoints[2].TargetName);
    }

    [Fact]
    public async Task DeserializeAsync_SmallBuffers_ReadsEveryEndpoint()
    {
        var list = "{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[" + Slice + "," + Slice + "]}";
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(list));

        var result = await JsonSerializer.DeserializeAsync(stream, new JsonSerializerOptions(KubernetesJsonContext.Default.Options) { DefaultBufferSize = 16 }
            .GetTypeInfo(typeof(KubeList<EndpointSlice>)) as System.Text.Json.Serialization.Metadata.JsonTypeInfo<KubeList<EndpointSlice>> ?? throw new InvalidOperationException());

        Assert.Equal(2, result!.Items!.Count);
        Assert.All(result.Items, s => Assert.Equal("web-1", s.Endpoints![0].TargetName));
    }

    [Fact]
    public void Deserialize_NodeNames_AreInterned()
    {
        var a = JsonSerializer.Deserialize(Slice, KubernetesJsonContext.Default.EndpointSlice)!;
        var b = JsonSerializer.Deserialize(Slice, KubernetesJsonContext.Default.EndpointSlice)!;

        Assert.Same(a.Endpoints![0].NodeName, b.Endpoints![0].NodeName);
    }
}
