using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Kubernetes.Tests.Client;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>Valid API server bodies, shaped like a real server's, that the hostile tests damage.</summary>
internal static class KubernetesSamples
{
    public static readonly string PodJson = FakeApiServer.Pod("shop", "web-1", "7");

    public const string EndpointSliceJson = """
        {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"web-abc","namespace":"shop","resourceVersion":"9","labels":{"kubernetes.io/service-name":"web"},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"web","uid":"u1","controller":true}]},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"],"conditions":{"ready":true,"serving":true},"nodeName":"node-1","targetRef":{"kind":"Pod","name":"web-1","namespace":"shop","uid":"u2"}},{"addresses":["10.0.0.2"],"conditions":{"ready":false},"nodeName":"node-2","targetRef":{"kind":"Pod","name":"web-2","namespace":"shop"}}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}
        """;

    public const string EventJson = """
        {"metadata":{"name":"web-1.17a","namespace":"shop","resourceVersion":"11","creationTimestamp":"2026-11-22T11:00:00Z"},"involvedObject":{"kind":"Pod","name":"web-1","namespace":"shop"},"reason":"BackOff","message":"Back-off restarting failed container","source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2026-11-22T11:00:00Z","lastTimestamp":"2026-11-22T11:05:00Z","eventTime":"2026-11-22T11:05:00.123456Z","count":5,"type":"Warning","action":"Restarting","reportingComponent":"kubelet","reportingInstance":"node-1"}
        """;

    public const string LeaseJson = """
        {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"dca","namespace":"datadog","resourceVersion":"12"},"spec":{"holderIdentity":"dca-0","leaseDurationSeconds":15,"acquireTime":"2026-11-22T11:00:00.000000Z","renewTime":"2026-11-22T11:05:00.123456Z","leaseTransitions":3}}
        """;

    public const string NodeJson = """
        {"metadata":{"name":"node-1","resourceVersion":"13","uid":"n1","labels":{"kubernetes.io/hostname":"node-1","topology.kubernetes.io/zone":"a"},"annotations":{"node.alpha.kubernetes.io/ttl":"0"}},"spec":{"podCIDR":"10.0.0.0/24","providerID":"aws:///a/i-1","unschedulable":false,"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]},"status":{"addresses":[{"type":"InternalIP","address":"10.1.0.1"}],"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.31.0"}}}
        """;

    public const string StatusJson = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 10 (20)","reason":"Expired","code":410,"details":{"retryAfterSeconds":1}}""";

    public static readonly string PodList = FakeApiServer.PodList("100", "next", PodJson, FakeApiServer.Pod("shop", "web-2", "8", null));

    public static readonly string EndpointSliceList = $$"""{"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1","metadata":{"resourceVersion":"100"},"items":[{{EndpointSliceJson}},{{EndpointSliceJson}}]}""";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] WatchLine(string type, string obj) => Bytes(FakeApiServer.Event(type, obj).TrimEnd('\n'));

    /// <summary>A watch line as the client sees it: one sequence, possibly split over several buffer segments.</summary>
    public static WatchEvent<T> ParseLine<T>(byte[] line, JsonTypeInfo<T> type, int segmentSize = 0) =>
        WatchLineParser.Parse(segmentSize <= 0 ? new ReadOnlySequence<byte>(line) : Segments(line, segmentSize), type);

    /// <summary>
    /// Parses a body the way the client reads a response (streamed, so the parser and the custom converters
    /// see partial buffers), with a tiny buffer to put value boundaries everywhere.
    /// </summary>
    public static T? ParseStreamed<T>(byte[] body, Func<KubernetesJsonContext, JsonTypeInfo<T>> type, int bufferSize = 1)
    {
        var context = new KubernetesJsonContext(new JsonSerializerOptions { DefaultBufferSize = bufferSize });
        using var stream = new MemoryStream(body);
        return JsonSerializer.Deserialize(stream, type(context));
    }

    public static ReadOnlySequence<byte> Segments(byte[] data, int size)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < data.Length; i += size)
        {
            var chunk = data.AsMemory(i, Math.Min(size, data.Length - i));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
