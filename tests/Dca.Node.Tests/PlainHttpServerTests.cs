using System.Net;
using System.Net.Sockets;
using System.Text;
using Dca.Node.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Node.Tests;

public sealed class PlainHttpServerTests : IAsyncDisposable
{
    private readonly PlainHttpServer _server = new(NullLogger<PlainHttpServer>.Instance);
    private readonly Uri _base;

    public PlainHttpServerTests()
    {
        var address = _server.Listen(IPAddress.Loopback, 0, path => path switch
        {
            "/hello" => PlainResponse.Text(200, "hello " + new string('x', 100_000)),
            _ => PlainResponse.Text(404, "404 page not found\n"),
        });
        _base = new Uri(address);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_base.Host, _base.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task Get_ServesTheWholeBodyAndQueryStringsAreIgnored()
    {
        using var http = new HttpClient { BaseAddress = _base };

        var body = await http.GetStringAsync(new Uri("/hello?x=1", UriKind.Relative));
        using var missing = await http.GetAsync(new Uri("/nope", UriKind.Relative));

        Assert.Equal(100_006, body.Length);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Head_SendsNoBody()
    {
        var response = await RawAsync("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST /hello HTTP/1.1\r\n\r\n", "HTTP/1.1 405 ")]
    [InlineData("garbage\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("GET hello HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ")]
    public async Task BadRequests_GetA4xxWithAReason(string request, string status) =>
        Assert.StartsWith(status, await RawAsync(request), StringComparison.Ordinal);

    [Fact]
    public async Task OversizedHead_IsRefused()
    {
        var response = await RawAsync("GET /hello HTTP/1.1\r\nX-Big: " + new string('a', 10_000) + "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("8 KB", response, StringComparison.Ordinal);
    }
}
