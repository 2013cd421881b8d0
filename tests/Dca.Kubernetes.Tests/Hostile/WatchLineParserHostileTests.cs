using System.Text;
using System.Text.Json;
using Dca.Kubernetes.Models;
using Dca.Testing;
using FsCheck;
using FsCheck.Xunit;
using static Dca.Kubernetes.Tests.Hostile.KubernetesSamples;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// Hostile watch lines (issue 11): every input is either a well-formed event (an object with metadata, or
/// the Status of an ERROR) or a <see cref="JsonException"/> that says what is wrong; never another exception.
/// </summary>
public class WatchLineParserHostileTests
{
    /// <summary>Each sample parsed as what the reflector of that resource parses it as.</summary>
    private static readonly Dictionary<string, (byte[] Line, Action<byte[], int> Parse)> s_samples = new()
    {
        ["pod"] = (WatchLine("MODIFIED", PodJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Pod, s))),
        ["endpointslice"] = (WatchLine("ADDED", EndpointSliceJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.EndpointSlice, s))),
        ["addressed endpointslice"] = (WatchLine("ADDED", EndpointSliceJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.AddressedEndpointSlice, s))),
        ["event"] = (WatchLine("ADDED", EventJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Event, s))),
        ["lease"] = (WatchLine("MODIFIED", LeaseJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Lease, s))),
        ["node"] = (WatchLine("MODIFIED", NodeJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Node, s))),
        ["node metadata"] = (WatchLine("DELETED", NodeJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.PartialObjectMetadata, s))),
        ["bookmark"] = (WatchLine("BOOKMARK", """{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"20"}}"""), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Pod, s))),
        ["error"] = (WatchLine("ERROR", StatusJson), (l, s) => Check(ParseLine(l, KubernetesJsonContext.Default.Pod, s))),
    };

    public static TheoryData<string> Samples => new(s_samples.Keys);

    /// <summary>The contract: a parsed event is usable as is (the reflector dereferences its metadata).</summary>
    private static void Check<T>(WatchEvent<T> parsed) where T : class, IKubernetesObject
    {
        if (parsed.Type == WatchEventType.Error)
        {
            Assert.Null(parsed.Object);
            return;
        }
        Assert.NotNull(parsed.Object);
        Assert.NotNull(parsed.Object.Metadata);
    }

    /// <summary>Parses <paramref name="line"/>; a rejection must be a JsonException with a message. Returns whether it parsed.</summary>
    private static bool ParsedOrRejected(string sample, byte[] line, int segmentSize = 0)
    {
        try
        {
            s_samples[sample].Parse(line, segmentSize);
            return true;
        }
        catch (JsonException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_ValidSample_ParsesContiguousAndInOneByteSegments(string sample)
    {
        Assert.True(ParsedOrRejected(sample, s_samples[sample].Line));
        Assert.True(ParsedOrRejected(sample, s_samples[sample].Line, segmentSize: 1));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_TruncatedAtEveryByteOffset_RejectedWithJsonException(string sample)
    {
        foreach (var prefix in HostileJson.Truncations(s_samples[sample].Line))
        {
            Assert.False(ParsedOrRejected(sample, prefix), $"a {prefix.Length}-byte prefix parsed");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_EachFieldWithAWrongValue_ParsedOrRejectedWithJsonException(string sample)
    {
        foreach (var (name, line) in HostileJson.WithEachValueReplaced(s_samples[sample].Line))
        {
            try
            {
                ParsedOrRejected(sample, line);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_CorpusBodies_RejectedWithJsonException(string sample)
    {
        foreach (var (name, body) in HostileJson.Corpus())
        {
            try
            {
                Assert.False(ParsedOrRejected(sample, body), name + " parsed");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Theory]
    [InlineData("""{"type":1,"object":{"metadata":{}}}""", "type")]
    [InlineData("""{"type":null,"object":{"metadata":{}}}""", "type")]
    [InlineData("""{"type":{"a":1},"object":{"metadata":{}}}""", "type")]
    [InlineData("""{"type":["ADDED"],"object":{"metadata":{}}}""", "type")]
    [InlineData("""{"type":"added","object":{"metadata":{}}}""", "added")]
    [InlineData("""{"type":"ADDED","object":null}""", "object")]
    [InlineData("""{"type":"ADDED","object":7}""", "")]
    [InlineData("""{"type":"ADDED","object":{"metadata":null}}""", "metadata")]
    [InlineData("""{"object":{"metadata":null},"type":"DELETED"}""", "metadata")]
    [InlineData("""{"type":"ERROR","object":{"code":"410"}}""", "")]
    public void Parse_WrongTypeOrMissingPart_NamedInTheJsonException(string line, string named)
    {
        var e = Assert.ThrowsAny<JsonException>(() => ParseLine(Bytes(line), KubernetesJsonContext.Default.Pod));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8EventType_RejectedWithJsonException()
    {
        byte[] line = [.. "{\"type\":\"AD"u8, 0xC3, 0x28, .. "\",\"object\":{\"metadata\":{}}}"u8];

        var e = Assert.ThrowsAny<JsonException>(() => ParseLine(line, KubernetesJsonContext.Default.Pod));

        Assert.Contains("type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKeys_LastValueWinsOrRejected()
    {
        var line = Bytes("""{"type":"ADDED","type":"DELETED","object":{"metadata":{"name":"a","name":"b","labels":{"k":"1","k":"2"}}}}""");

        var parsed = ParseLine(line, KubernetesJsonContext.Default.Pod);

        Assert.Equal(WatchEventType.Deleted, parsed.Type);
        Assert.Equal("b", parsed.Object!.Metadata.Name);
        Assert.Equal("2", parsed.Object.Metadata.Labels!["k"]);
    }

    [Fact]
    public void Parse_MillionDeepNesting_RejectedAtTheDepthLimitWithoutReadingItAll()
    {
        var deep = Bytes("{\"type\":\"ADDED\",\"object\":{\"metadata\":{},\"spec\":" + Encoding.UTF8.GetString(HostileJson.DeepArrays(1_000_000)) + "}}");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsAny<JsonException>(() => ParseLine(deep, KubernetesJsonContext.Default.Pod));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("depth", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes rejecting a 2 MB line");
    }

    [Property(MaxTest = 300, Replay = "(12345678901,98765432109)")]
    public void Parse_RandomMutationOfASample_ParsedOrRejectedWithJsonException(int seed, NonNegativeInt sample, PositiveInt segmentSize)
    {
        var name = s_samples.Keys.ElementAt(sample.Get % s_samples.Count);
        var line = HostileJson.Mutate(s_samples[name].Line, seed);
        ParsedOrRejected(name, line, segmentSize.Get % 64);
    }

    [Property(MaxTest = 300, Replay = "(2718281828,3141592653)")]
    public void Parse_RandomBytes_ParsedOrRejectedWithJsonException(byte[] line) =>
        ParsedOrRejected("pod", [.. "{\"type\":\"ADDED\",\"object\":"u8, .. line]);
}
