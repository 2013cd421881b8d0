using System.Text;
using System.Text.Json;
using Dca.Protocol.ClusterAgent;
using Dca.Testing;
using FsCheck;
using FsCheck.Xunit;

namespace Dca.Protocol.Tests.Hostile;

/// <summary>
/// The node agent's readers of cluster-agent answers (issue 11) with hostile bodies: pod services, label maps,
/// the version and the check configurations. Contract: a value, or a <see cref="JsonException"/> or
/// <see cref="FormatException"/> (what <see cref="ClusterAgentClient"/> turns into a ClusterAgentException);
/// what parses can be used (tagging, digests, the version's text) without another exception.
/// </summary>
public class ClusterAgentAnswersHostileTests
{
    private const string PodServicesJson = """{"Nodes":{"node-1":{"services":{"shop":{"web-1":{"web":{},"api":{}},"web-2":["web"]},"empty":{}}}},"Warnings":["w"]}""";
    private const string LabelsJson = """{"kubernetes.io/role":"worker","zone":"a","n":1}""";
    private const string VersionJson = """{"Major":7,"Minor":60,"Patch":0,"Pre":"rc.1","Meta":"dca.0.1.0","Commit":"abc"}""";
    private const string ConfigsJson = """{"last_change":1700000000,"configs":[{"check_name":"http_check","instances":["bmFtZTogeA=="],"init_config":"e30=","ad_identifiers":["x"],"provider":"file","service_id":"s","cluster_check":true,"node_name":"node-1","source":"file:/etc/x.yaml"}]}""";

    private static readonly Dictionary<string, (byte[] Body, Action<byte[]> Read)> s_readers = new()
    {
        ["pod services"] = (Encoding.UTF8.GetBytes(PodServicesJson), body =>
        {
            var services = PodServices.Parse(body, "node-1");
            _ = services.For("shop", "web-1");
        }),
        ["labels"] = (Encoding.UTF8.GetBytes(LabelsJson), body => _ = LabelMap.Parse(body).Count),
        ["version"] = (Encoding.UTF8.GetBytes(VersionJson), body => _ = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentVersion)?.ToString()),
        ["configs"] = (Encoding.UTF8.GetBytes(ConfigsJson), body =>
        {
            foreach (var config in JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ConfigsResponse)?.Configs ?? [])
            {
                _ = config?.Digest();
            }
        }),
    };

    public static TheoryData<string> Readers => new(s_readers.Keys);

    private static void ReadOrReject(string reader, string name, byte[] body)
    {
        try
        {
            s_readers[reader].Read(body);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{reader}, {name}: {e.GetType().Name}: {e.Message}");
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Read_TruncatedAtEveryByteOffset_ValueOrJsonOrFormatException(string reader)
    {
        foreach (var prefix in HostileJson.Truncations(s_readers[reader].Body))
        {
            ReadOrReject(reader, $"{prefix.Length} bytes", prefix);
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Read_EachFieldWithAWrongValue_ValueOrJsonOrFormatException(string reader)
    {
        foreach (var (name, body) in HostileJson.WithEachValueReplaced(s_readers[reader].Body))
        {
            ReadOrReject(reader, name, body);
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Read_CorpusBodies_ValueOrJsonOrFormatException(string reader)
    {
        foreach (var (name, body) in HostileJson.Corpus())
        {
            ReadOrReject(reader, name, body);
        }
    }

    [Theory]
    [InlineData("""{"Nodes":{},"Warnings":[42]}""")]
    [InlineData("""{"Nodes":{},"Warnings":[null]}""")]
    [InlineData("""{"Nodes":{},"Warnings":[{"a":1}]}""")]
    public void PodServicesParse_WarningThatIsNotAString_FormatExceptionNamingTheNode(string body)
    {
        var e = Assert.Throws<FormatException>(() => PodServices.Parse(Encoding.UTF8.GetBytes(body), "node-1"));

        Assert.Contains("node-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelMapParse_InvalidUtf8_FormatException()
    {
        byte[] body = [.. "{\"zone\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.Throws<FormatException>(() => LabelMap.Parse(body));
    }

    [Theory]
    [InlineData("""{"Major":1,"Minor":2,"Patch":3}""")]
    [InlineData("""{"Major":1,"Minor":2,"Patch":3,"Pre":null,"Meta":null,"Commit":null}""")]
    [InlineData("""{}""")]
    public void VersionToString_MissingOrNullStrings_DoesNotThrow(string body)
    {
        var version = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentVersion)!;

        Assert.StartsWith($"{version.Major}.{version.Minor}.{version.Patch}", version.ToString(), StringComparison.Ordinal);
    }

    [Property(MaxTest = 300, Replay = "(1357924680,2468013579)")]
    public void Read_RandomMutationOfAnAnswer_ValueOrJsonOrFormatException(int seed, NonNegativeInt reader)
    {
        var name = s_readers.Keys.ElementAt(reader.Get % s_readers.Count);
        ReadOrReject(name, "seed " + seed, HostileJson.Mutate(s_readers[name].Body, seed));
    }

    [Property(MaxTest = 200, Replay = "(1122334455,5544332211)")]
    public void Read_RandomBytes_ValueOrJsonOrFormatException(byte[] body, NonNegativeInt reader)
    {
        var name = s_readers.Keys.ElementAt(reader.Get % s_readers.Count);
        ReadOrReject(name, "random", body ?? []);
    }
}
