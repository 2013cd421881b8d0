using System.IO.Compression;
using System.Text;
using System.Text.Json;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// <c>POST /api/v2/series</c> on the command port (node agents push their series; the external metrics are read from
/// them): wrong, truncated or explosive encodings, oversized bodies and payloads that are JSON but not series get a 4xx
/// with the reason, within bounded memory, and nothing pushed can make the external metrics API fail afterwards.
/// </summary>
public sealed class SeriesIntakeInputTests(HostileAgent fixture) : IClassFixture<HostileAgent>
{
    private const string Route = "/api/v2/series";

    private Task<RawResponse> PostAsync(byte[] body, params string[] headers) =>
        RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Route, [HostileAgent.Authorization, .. headers], body.Length), new MemoryStream(body));

    private static long Now => TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();

    private static string Series(string metric, long timestamp, string value, string host = "node-1", string tags = "\"a:1\"") =>
        $$"""{"metric":"{{metric}}","type":3,"points":[{"timestamp":{{timestamp}},"value":{{value}}}],"tags":[{{tags}}],"resources":[{"type":"host","name":"{{host}}"}]}""";

    private static byte[] Payload(params string[] series) => Encoding.UTF8.GetBytes("{\"series\":[" + string.Join(',', series) + "]}");

    internal static byte[] Compress(byte[] data, string encoding, long repeat = 1)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding == "gzip" ? new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true) : new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var i = 0L; i < repeat; i++)
            {
                compressor.Write(data);
            }
        }
        return output.ToArray();
    }

    private static byte[] Body(string kind) => kind switch
    {
        "empty" => [],
        "not JSON" => "series: yes"u8.ToArray(),
        "series not a list" => """{"series":{}}"""u8.ToArray(),
        "a series that is a string" => """{"series":["x"]}"""u8.ToArray(),
        "a metric that is a number" => """{"series":[{"metric":1,"points":[{"timestamp":1,"value":1}]}]}"""u8.ToArray(),
        "no points" => """{"series":[{"metric":"m","points":[]}]}"""u8.ToArray(),
        "a point that is a number" => """{"series":[{"metric":"m","points":[1]}]}"""u8.ToArray(),
        "a point that is null" => """{"series":[{"metric":"m","points":[null]}]}"""u8.ToArray(),
        "a value that is a string" => Payload(Series("m", Now, "\"1\"")),
        "a timestamp past any date" => Payload(Series("hostile.future", long.MaxValue, "1")),
        "a timestamp before 1970" => Payload(Series("hostile.past", -62135596801, "1")),
        "nested 1,000 deep" => Encoding.ASCII.GetBytes("{\"series\":" + new string('[', 1000)),
        "invalid UTF-8 in the metric name" => [.. "{\"series\":[{\"metric\":\"m"u8, 0xFF, .. "\",\"points\":[{\"timestamp\":1,\"value\":1}]}]}"u8],
        "an unpaired surrogate escape in a tag" => Payload(Series("hostile.surrogate", Now, "1", tags: "\"a:\\ud800\"")),
        "an unpaired surrogate escape in the host" => Payload(Series("hostile.surrogate", Now, "1", host: "\\udc00")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Theory]
    [InlineData("empty", "", 400, "the body is not JSON")]
    [InlineData("not JSON", "", 400, "the body is not JSON")]
    [InlineData("series not a list", "", 400, "not a v2 series payload")]
    [InlineData("a series that is a string", "", 400, "series 0 has no metric name or no points")]
    [InlineData("a metric that is a number", "", 400, "series 0 has no metric name or no points")]
    [InlineData("no points", "", 400, "series 0 has no metric name or no points")]
    [InlineData("a point that is a number", "", 400, "a point is {\"timestamp\":<seconds>,\"value\":<number>}")]
    [InlineData("a point that is null", "", 400, "a point is {\"timestamp\":<seconds>,\"value\":<number>}")]
    [InlineData("a value that is a string", "", 400, "a point is")]
    [InlineData("a timestamp past any date", "", 400, "timestamp 9223372036854775807 is not a date")]
    [InlineData("a timestamp before 1970", "", 400, "timestamp -62135596801 is not a date")]
    [InlineData("nested 1,000 deep", "", 400, "the body is not JSON")]
    [InlineData("invalid UTF-8 in the metric name", "", 400, "UTF-8")]
    [InlineData("an unpaired surrogate escape in a tag", "", 400, "invalid text")]
    [InlineData("an unpaired surrogate escape in the host", "", 400, "invalid text")]
    [InlineData("not JSON", "gzip", 400, "the body is not JSON")]
    [InlineData("a point that is a number", "deflate", 400, "a point is")]
    public async Task Post_MalformedPayload_Gets400WithTheReason(string kind, string encoding, int status, string reason)
    {
        var body = Body(kind);
        var response = encoding.Length == 0 ? await PostAsync(body) : await PostAsync(Compress(body, encoding), "Content-Encoding: " + encoding);
        Answers.AssertHandled(response, kind);
        Assert.Equal(status, response.Status);
        Assert.Contains(reason, response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("br", "valid", "Content-Encoding br is not supported")]
    [InlineData("gzip, deflate", "valid", "Content-Encoding gzip, deflate is not supported")]
    [InlineData("gzip", "plain", "the body is not valid gzip")]
    [InlineData("deflate", "gzip", "the body is not valid deflate")]
    [InlineData("gzip", "truncated", "")]
    [InlineData("gzip", "garbage after", "")]
    [InlineData("GZIP", "valid", "")]
    public async Task Post_WrongOrBrokenEncoding_IsAnsweredWithTheReason(string header, string body, string reason)
    {
        var payload = Payload(Series("hostile.encoding", Now, "1"));
        var gzip = Compress(payload, "gzip");
        var bytes = body switch
        {
            "plain" => payload,
            "gzip" => gzip,
            "truncated" => gzip[..(gzip.Length / 2)],
            "garbage after" => [.. gzip, .. "garbage"u8],
            _ => header.StartsWith("gzip", StringComparison.OrdinalIgnoreCase) ? gzip : payload,
        };
        var response = await PostAsync(bytes, "Content-Encoding: " + header);
        Answers.AssertHandled(response, header + " " + body);
        Assert.True(response.Status is 202 or 400, response.ToString());
        Assert.Contains(reason, response.Body, StringComparison.Ordinal);
        if (body == "valid" && header == "GZIP")
        {
            Assert.Equal(202, response.Status);
        }
    }

    [Fact]
    public async Task Post_ExtremeButValidValues_NeverMakeTheExternalMetricsApiFail()
    {
        var now = Now;
        Assert.Equal(202, (await PostAsync(Payload(
            Series("hostile.huge", now, "1.7e308", host: "node-1"),
            Series("hostile.huge", now, "1.7e308", host: "node-2"),
            Series("hostile.tiny", now, "-1.7e308", host: "node-1"),
            Series("hostile.tiny", now, "4.9e-324", host: "node-2"),
            Series("hostile.future", DateTimeOffset.MaxValue.ToUnixTimeSeconds(), "1")))).Status);
        foreach (var metric in new[] { "hostile.huge", "hostile.tiny", "hostile.future", "hostile.never-pushed" })
        {
            var response = await RawHttp.SendAsync(fixture.ExternalMetricsPort, tls: true,
                RawHttp.Request("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/" + metric, ["X-Remote-User: system:kube-controller-manager"]),
                clientCertificate: fixture.FrontProxy);
            Assert.True(response.Status is 200 or 404, $"{metric} -> {response}");
            using var body = JsonDocument.Parse(response.Body);
            Assert.Contains(body.RootElement.GetProperty("kind").GetString(), new[] { "ExternalMetricValueList", "Status" });
        }
    }

    [Fact]
    public async Task AnyBody_AnyEncoding_Gets202Or4xxWithAReason()
    {
        var valid = Encoding.UTF8.GetString(Payload(Series("hostile.random", 1_733_450_000, "12.5"), Series("hostile.random", 1_733_450_000, "1", host: "node-2", tags: "\"b\",\"c:d\"")));
        var bodies = Gen.Frequency(
            (4, HostileInput.Mutated(valid).Select(static t => Encoding.UTF8.GetBytes(t))),
            (1, HostileInput.Text.Select(static t => Encoding.UTF8.GetBytes(t))),
            (1, HostileInput.Bytes));
        var cases = Gen.Zip(bodies, Gen.Elements("", "gzip", "deflate", "gzip-header-only", "x-unknown"), static (b, e) => (b, e));
        foreach (var (body, encoding) in HostileInput.Sample(cases, 150))
        {
            var response = encoding switch
            {
                "" => await PostAsync(body),
                "gzip-header-only" => await PostAsync(body, "Content-Encoding: gzip"),
                "x-unknown" => await PostAsync(body, "Content-Encoding: x-unknown"),
                _ => await PostAsync(Compress(body, encoding), "Content-Encoding: " + encoding),
            };
            var what = $"{encoding} {Convert.ToBase64String(body)}";
            Answers.AssertHandled(response, what);
            Assert.True(response.Status is 202 or 400, $"{what} -> {response}");
        }
        await fixture.AssertStillServingAsync();
    }
}
