using System.Net;
using System.Text;
using Dca.Node.Kubelet;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dca.Node.Tests.Hostile;

/// <summary>
/// The kubelet client against a kubelet (a Kestrel host on port 0, reached through the read-only http port)
/// that answers broken bytes: every failure is a <see cref="KubeletException"/> of a known kind with a message,
/// within the request timeout, without buffering more than the body limit.
/// </summary>
public sealed class KubeletClientHostileTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Func<HttpContext, Task> _answer = ctx => ctx.Response.WriteAsync("{}");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(ctx => _answer(ctx));
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>https on a closed port, so the client falls back to the read-only port: this host, in plain http.</summary>
    private KubeletClient Client(int maxBytes = KubeletClientOptions.DefaultMaxResponseBytes, int timeoutMs = 5_000) => new(new KubeletClientOptions
    {
        Host = "127.0.0.1",
        HttpsPort = FreePort.Next(),
        HttpPort = new Uri(_app.Urls.First()).Port,
        RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        MaxResponseBytes = maxBytes,
    });

    private static Func<HttpContext, Task> Body(string body) => ctx =>
    {
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body);
    };

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{\"items\":[{\"metadata\":{\"labels\":{\"a\":1}}}]}")]
    [InlineData("{\"items\":{}}")]
    public async Task GetPodsAsync_BodyThatIsNotAPodList_MalformedNamingTheRoute(string body)
    {
        _answer = Body(body);
        using var client = Client();

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None).WithTimeout());

        Assert.Equal(KubeletFailure.Malformed, e.Failure);
        Assert.Contains("/pods", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPodsAsync_DeeplyNestedBody_MalformedAtTheDepthLimit()
    {
        _answer = Body("{\"items\":[{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"x\":" + Encoding.UTF8.GetString(HostileJson.DeepArrays(100_000)) + "}}]}");
        using var client = Client();

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None).WithTimeout());

        Assert.Equal(KubeletFailure.Malformed, e.Failure);
        Assert.Contains("depth", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GetPodsAsync_BodyLargerThanTheLimit_MalformedWithoutReadingItAll()
    {
        var sent = 0L;
        _answer = async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"items\":[{\"metadata\":{\"name\":\"", ctx.RequestAborted);
            var chunk = Encoding.UTF8.GetBytes(new string('a', 64 * 1024));
            try
            {
                while (sent < 1L << 32 && !ctx.RequestAborted.IsCancellationRequested)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                    sent += chunk.Length;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        };
        using var client = Client(maxBytes: 1024 * 1024);

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None).WithTimeout());

        Assert.Equal(KubeletFailure.Malformed, e.Failure);
        Assert.Contains("1048576 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatsSummaryAsync_BodyStalls_TimeoutNamingTheKubelet()
    {
        _answer = async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"node\":{\"nodeName\":", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        using var client = Client(timeoutMs: 500);

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetStatsSummaryAsync(CancellationToken.None).WithTimeout());

        Assert.Equal(KubeletFailure.Timeout, e.Failure);
    }

    [Fact]
    public async Task GetPodsAsync_TokenFileIsEndless_UnauthorizedNamingTheFile()
    {
        using var client = new KubeletClient(new KubeletClientOptions { Host = "127.0.0.1", HttpsPort = FreePort.Next(), TokenFile = "/dev/zero" });

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None).WithTimeout());

        Assert.Equal(KubeletFailure.Unauthorized, e.Failure);
        Assert.Contains("/dev/zero", e.Message, StringComparison.Ordinal);
        Assert.Contains($"larger than {KubeletClient.MaxTokenBytes} bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPodsAsync_ConnectionCutMidBody_KubeletException()
    {
        _answer = async ctx =>
        {
            var body = Encoding.UTF8.GetBytes(Fixtures.KubeletFixtures.Pods);
            ctx.Response.ContentLength = body.Length;
            await ctx.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await ctx.Response.Body.FlushAsync();
        };
        using var client = Client();

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None).WithTimeout());

        Assert.Contains("kubelet", e.Message, StringComparison.Ordinal);
    }
}
