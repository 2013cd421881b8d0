using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dca.Node.Collection;
using Dca.Node.Kubelet;
using Dca.Node.Tagging;
using Dca.Node.Tests.Fixtures;
using Dca.Protocol.ClusterAgent;
using Dca.Testing;
using FsCheck;
using FsCheck.Xunit;

namespace Dca.Node.Tests.Hostile;

/// <summary>
/// Hostile kubelet <c>/pods</c> and <c>/stats/summary</c> bodies (issue 11), read the way the client reads them
/// (streamed). Contract: a result or a <see cref="JsonException"/>; and whatever parses goes through tagging and
/// the metrics builder without an exception and without a non-finite value.
/// </summary>
public class KubeletJsonHostileTests
{
    private static readonly byte[] s_pods = Encoding.UTF8.GetBytes(KubeletFixtures.Pods);
    private static readonly byte[] s_summary = Encoding.UTF8.GetBytes(KubeletFixtures.Summary(100, 1000));
    private static readonly PodServices s_services = new(new Dictionary<string, string[]> { ["shop/web-7d9f8b6c5-x2x4z"] = ["web"] });

    private static T? Parse<T>(byte[] body, Func<KubeletJsonContext, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>> type, int bufferSize)
    {
        // The context's own options (AllowReadingFromString), with a small buffer so values straddle reads.
        var context = new KubeletJsonContext(new JsonSerializerOptions { DefaultBufferSize = bufferSize, NumberHandling = JsonNumberHandling.AllowReadingFromString });
        using var stream = new MemoryStream(body);
        return JsonSerializer.Deserialize(stream, type(context));
    }

    /// <summary>Parses a pod list and a summary; what parses is tagged and turned into metrics. False when rejected.</summary>
    private static bool ParsedOrRejected(byte[]? pods, byte[]? summary, int bufferSize = 4096)
    {
        PodList? podList;
        StatsSummary? stats;
        try
        {
            podList = pods is null ? KubeletFixtures.PodList() : Parse(pods, c => c.PodList, bufferSize);
            stats = summary is null ? KubeletFixtures.StatsSummary(100, 1000) : Parse(summary, c => c.StatsSummary, bufferSize);
        }
        catch (JsonException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }
        var builder = new MetricsBuilder(new RateTracker());
        foreach (var now in new[] { KubeletFixtures.Now, KubeletFixtures.Now.AddSeconds(15) })
        {
            var collection = builder.Build(podList ?? new PodList(), stats,
                pod => Tagger.Tag(pod, new TaggerSettings(), s_services, _ => null, ["kube_cluster_name:test"]),
                ["kube_cluster_name:test"], "node-1", now);
            Assert.All(collection.Samples, s => Assert.True(double.IsFinite(s.Value), $"{s.Metric} = {s.Value}"));
        }
        return true;
    }

    private static void Each(IEnumerable<(string Name, byte[] Body)> inputs, bool pods, int bufferSize = 4096, bool mustReject = false)
    {
        foreach (var (name, body) in inputs)
        {
            try
            {
                var parsed = pods ? ParsedOrRejected(body, null, bufferSize) : ParsedOrRejected(null, body, bufferSize);
                Assert.False(mustReject && parsed, name + " parsed");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{(pods ? "/pods" : "/stats/summary")}, {name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Fact]
    public void Parse_Samples_ParseAndBuildMetrics()
    {
        Assert.True(ParsedOrRejected(s_pods, s_summary, 1));
        Assert.True(ParsedOrRejected(s_pods, s_summary, 16 * 1024));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parse_TruncatedAtEveryByteOffset_RejectedWithJsonException(bool pods) =>
        Each(HostileJson.Truncations(pods ? s_pods : s_summary).Select(b => ($"{b.Length} bytes", b)), pods, bufferSize: 64, mustReject: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parse_EachFieldWithAWrongValue_ParsedOrRejectedAndMetricsStayFinite(bool pods) =>
        Each(HostileJson.WithEachValueReplaced(pods ? s_pods : s_summary, [.. HostileJson.WrongValues, "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e400\"", "1.7976931348623157e308"]), pods);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parse_CorpusBodies_ParsedOrRejectedWithJsonException(bool pods) => Each(HostileJson.Corpus(), pods);

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e308E")]
    [InlineData("9e307Ei")]
    [InlineData("")]
    [InlineData("Mi")]
    [InlineData("0x10")]
    [InlineData("1.2.3")]
    public void Build_HostileResourceQuantity_NoSampleOrAFiniteOne(string quantity)
    {
        var pods = KubeletFixtures.Pods.Replace("\"cpu\":\"250m\"", "\"cpu\":\"" + quantity + "\"", StringComparison.Ordinal)
            .Replace("\"memory\":\"256Mi\"", "\"memory\":\"" + quantity + "\"", StringComparison.Ordinal);

        Assert.True(ParsedOrRejected(Encoding.UTF8.GetBytes(pods), s_summary));
    }

    [Property(MaxTest = 200, Replay = "(3333333333,7777777777)")]
    public void Parse_RandomMutationOfPodsOrSummary_ParsedOrRejectedAndMetricsStayFinite(int seed, bool pods, PositiveInt bufferSize)
    {
        var body = HostileJson.Mutate(pods ? s_pods : s_summary, seed);
        Each([("mutation " + seed, body)], pods, 1 + (bufferSize.Get % 256));
    }
}
