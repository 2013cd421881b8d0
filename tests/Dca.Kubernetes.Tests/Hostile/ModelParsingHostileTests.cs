using System.Text.Json;
using Dca.Testing;
using FsCheck;
using FsCheck.Xunit;
using static Dca.Kubernetes.Tests.Hostile.KubernetesSamples;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// Hostile list bodies, objects and Status bodies through the source-generated context and the custom
/// converters (SliceEndpointConverter, InternedString(Map)Converter, MicroTimeConverter), read the way the
/// client reads a response: streamed, so values straddle buffer boundaries. Contract: a result or a
/// <see cref="JsonException"/>, never another exception.
/// </summary>
public class ModelParsingHostileTests
{
    private static readonly Dictionary<string, (byte[] Body, Func<byte[], int, object?> Parse)> s_samples = new()
    {
        ["pod list"] = (Bytes(PodList), (b, n) => ParseStreamed(b, c => c.KubeListPod, n)),
        ["endpointslice list"] = (Bytes(EndpointSliceList), (b, n) => ParseStreamed(b, c => c.KubeListEndpointSlice, n)),
        ["addressed endpointslice list"] = (Bytes(EndpointSliceList), (b, n) => ParseStreamed(b, c => c.KubeListAddressedEndpointSlice, n)),
        ["event"] = (Bytes(EventJson), (b, n) => ParseStreamed(b, c => c.Event, n)),
        ["lease"] = (Bytes(LeaseJson), (b, n) => ParseStreamed(b, c => c.Lease, n)),
        ["node"] = (Bytes(NodeJson), (b, n) => ParseStreamed(b, c => c.Node, n)),
        ["node metadata list"] = (Bytes("{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[" + NodeJson + "]}"), (b, n) => ParseStreamed(b, c => c.KubeListPartialObjectMetadata, n)),
        ["status"] = (Bytes(StatusJson), (b, n) => ParseStreamed(b, c => c.Status, n)),
    };

    public static TheoryData<string> Samples => new(s_samples.Keys);

    private static bool ParsedOrRejected(string sample, byte[] body, int bufferSize)
    {
        try
        {
            s_samples[sample].Parse(body, bufferSize);
            return true;
        }
        catch (JsonException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }
    }

    private static void Each(IEnumerable<(string Name, byte[] Body)> inputs, string sample, int bufferSize, bool mustReject = false)
    {
        foreach (var (name, body) in inputs)
        {
            try
            {
                var parsed = ParsedOrRejected(sample, body, bufferSize);
                Assert.False(mustReject && parsed, name + " parsed");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{sample}, {name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Deserialize_ValidSample_ParsesWithAnyBufferSize(string sample)
    {
        Assert.True(ParsedOrRejected(sample, s_samples[sample].Body, 1));
        Assert.True(ParsedOrRejected(sample, s_samples[sample].Body, 16 * 1024));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Deserialize_TruncatedAtEveryByteOffset_RejectedWithJsonException(string sample) =>
        Each(HostileJson.Truncations(s_samples[sample].Body).Select(b => ($"{b.Length} bytes", b)), sample, 16, mustReject: true);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Deserialize_EachFieldWithAWrongValue_ParsedOrRejectedWithJsonException(string sample) =>
        Each(HostileJson.WithEachValueReplaced(s_samples[sample].Body), sample, 4096);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Deserialize_CorpusBodies_ParsedOrRejectedWithJsonException(string sample) =>
        // Not all are rejected: an unknown field is skipped unread, even with invalid UTF-8 in it.
        Each(HostileJson.Corpus(), sample, 4096);

    [Fact]
    public void Deserialize_EndpointWithWrongShapes_ConverterRejectsOrSkipsNeverThrowsOtherwise()
    {
        string[] endpoints =
        [
            "7", "\"x\"", "[]", "null", """{"conditions":[]}""", """{"conditions":{"ready":"yes"}}""", """{"targetRef":"Pod"}""",
            """{"targetRef":{"kind":7,"name":[],"namespace":{}}}""", """{"nodeName":{"a":[1,2,{"b":null}]}}""", """{"nodeName":""" + "\"" + new string('n', 200_000) + "\"}",
        ];
        foreach (var endpoint in endpoints)
        {
            var body = Bytes("""{"metadata":{"name":"s","namespace":"n"},"addressType":"IPv4","endpoints":[""" + endpoint + "]}");
            foreach (var size in new[] { 1, 7, 4096 })
            {
                try
                {
                    ParseStreamed(body, c => c.EndpointSlice, size);
                }
                catch (JsonException)
                {
                }
            }
        }
    }

    [Theory]
    [InlineData("\"2026-11-22T11:05:00.123456Z\"", true)]
    [InlineData("\"\"", true)]
    [InlineData("null", true)]
    [InlineData("\"yesterday\"", false)]
    [InlineData("\"9999-99-99T99:99:99.999999Z\"", false)]
    [InlineData("12", false)]
    [InlineData("{}", false)]
    [InlineData("[]", false)]
    [InlineData("true", false)]
    public void Deserialize_MicroTime_ParsedOrJsonException(string value, bool parses)
    {
        var body = Bytes("""{"metadata":{"name":"l"},"spec":{"renewTime":""" + value + "}}");

        if (parses)
        {
            ParseStreamed(body, c => c.Lease, 4096);
        }
        else
        {
            Assert.ThrowsAny<JsonException>(() => ParseStreamed(body, c => c.Lease, 4096));
        }
    }

    [Property(MaxTest = 300, Replay = "(1618033988,1414213563)")]
    public void Deserialize_RandomMutationOfASample_ParsedOrRejectedWithJsonException(int seed, NonNegativeInt sample, PositiveInt bufferSize)
    {
        var name = s_samples.Keys.ElementAt(sample.Get % s_samples.Count);
        ParsedOrRejected(name, HostileJson.Mutate(s_samples[name].Body, seed), 1 + (bufferSize.Get % 128));
    }
}
