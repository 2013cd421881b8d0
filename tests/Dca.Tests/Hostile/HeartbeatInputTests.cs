using System.Text;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// The cluster-check heartbeat (<c>POST /api/v1/clusterchecks/status/{node}</c>), the command port's route that reads a
/// JSON body: malformed, oversized, badly chunked or random bodies get 400 or 413 with the reason, within the limit.
/// </summary>
public sealed class HeartbeatInputTests(HostileAgent fixture) : IClassFixture<HostileAgent>
{
    private const string Auth = HostileAgent.Authorization;
    private const string Status = "/api/v1/clusterchecks/status/node-1";
    private const int ClusterChecksLimit = Dca.Api.ClusterChecksApi.MaxStatusBody;

    private Task<RawResponse> SendAsync(string method, string target, string[]? headers = null, byte[]? body = null) =>
        RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request(method, target, headers, body?.Length ?? -1), body is null ? null : new MemoryStream(body));

    [Theory]
    [InlineData("no body", "", 400, "the body is not a node status")]
    [InlineData("null", "null", 400, "a node status and a node name are required")]
    [InlineData("a list", "[]", 400, "the body is not a node status")]
    [InlineData("a string for a number", """{"last_change":"x"}""", 400, "the body is not a node status")]
    [InlineData("a number past double", """{"last_change":1e400}""", 400, "the body is not a node status")]
    [InlineData("a number past long", """{"last_change":9223372036854775808}""", 400, "the body is not a node status")]
    [InlineData("a cost that is a string", """{"last_change":0,"check_costs_ms":{"a":"x"}}""", 400, "the body is not a node status")]
    [InlineData("a cost given twice", """{"last_change":0,"check_costs_ms":{"a":1,"a":2}}""", 200, "isuptodate")]
    [InlineData("negative and huge costs", """{"last_change":-1,"node_type":-5,"check_costs_ms":{"a":-1,"b":1.7e308}}""", 200, "isuptodate")]
    // As Go's json.Decoder, which Datadog's handler uses: the first value is the status, what follows is not read.
    [InlineData("trailing garbage", """{"last_change":0} x""", 200, "isuptodate")]
    [InlineData("nested 10,000 deep", "{deep}", 400, "the body is not a node status")]
    [InlineData("invalid UTF-8 in an unknown field", "{utf8}", 0, "")]
    [InlineData("invalid UTF-8 in a cost's name", "{utf8-key}", 400, "the body is not a node status")]
    public async Task Heartbeat_HostileBody_IsRefusedWithAReason(string name, string body, int status, string reason)
    {
        var bytes = body switch
        {
            "{deep}" => Encoding.ASCII.GetBytes("{\"last_change\":0,\"x\":" + new string('[', 10_000)),
            "{utf8}" => [.. "{\"last_change\":0,\"x\":\""u8, 0xFF, 0xC0, .. "\"}"u8],
            "{utf8-key}" => [.. "{\"last_change\":0,\"check_costs_ms\":{\""u8, 0xFF, 0xC0, .. "\":1}}"u8],
            _ => Encoding.UTF8.GetBytes(body),
        };
        var response = await SendAsync("POST", Status, [Auth, "Content-Type: application/json"], bytes);
        Answers.AssertHandled(response, name);
        Assert.True(status == 0 || status == response.Status, $"{name} -> {response}");
        Assert.Contains(reason, response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeat_BodiesPastTheLimit_Get413WithAReason_DeclaredChunkedOrNeverSent()
    {
        var big = new byte[ClusterChecksLimit + 1];
        var declared = await SendAsync("POST", Status, [Auth], big);
        Assert.Equal((413, "a node status is at most 1048576 bytes\n"), (declared.Status, declared.Body));

        // A length announced but never sent: refused on the header, not waited for.
        var announced = await RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Status, [Auth], 64 << 20));
        Assert.Equal(413, announced.Status);
        Assert.Contains("at most 1048576 bytes", announced.Body, StringComparison.Ordinal);

        var chunked = await RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Status, [Auth, "Transfer-Encoding: chunked"]), RawHttp.Chunked(big));
        Assert.Equal(413, chunked.Status);
        Assert.Contains("at most 1048576 bytes", chunked.Body, StringComparison.Ordinal);
        await fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task Heartbeat_MalformedChunkedBody_Gets400WithTheServersReason()
    {
        var response = await RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Status, [Auth, "Transfer-Encoding: chunked"]),
            new MemoryStream("zz\r\n{\"last_change\":0}\r\n0\r\n\r\n"u8.ToArray()));
        Assert.Equal(400, response.Status);
        Assert.Contains("chunk", response.Body, StringComparison.OrdinalIgnoreCase);
        await fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task AnyHeartbeatBody_Gets200Or400WithAReason()
    {
        var valid = """{"last_change":1733450000000,"node_type":2,"check_costs_ms":{"http_check:abc":12.5}}""";
        var bodies = Gen.Frequency(
            (4, HostileInput.Mutated(valid).Select(static t => Encoding.UTF8.GetBytes(t))),
            (1, HostileInput.Text.Select(static t => Encoding.UTF8.GetBytes(t))),
            (1, HostileInput.Bytes));
        foreach (var body in HostileInput.Sample(bodies, 150))
        {
            var response = await SendAsync("POST", Status, [Auth], body);
            Answers.AssertHandled(response, "heartbeat " + Convert.ToBase64String(body));
            Assert.True(response.Status is 200 or 400, $"heartbeat {Convert.ToBase64String(body)} -> {response}");
        }
        await fixture.AssertStillServingAsync();
    }
}
