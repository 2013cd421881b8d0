using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dca.Protocol.ClusterAgent;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dca.Protocol.Tests.Hostile;

/// <summary>
/// The node agent's client against a broken or hostile cluster agent (a Kestrel host on port 0 over TLS): every
/// failure is a <see cref="ClusterAgentException"/> naming the route, within the request timeout, and no answer
/// is buffered past the body limit.
/// </summary>
public sealed class ClusterAgentClientHostileTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private const string GoodVersion = """{"Major":7,"Minor":60,"Patch":0,"Pre":"","Meta":"","Commit":"abc"}""";
    private WebApplication _app = null!;
    private Uri _uri = null!;
    private Func<HttpContext, Task> _version = ctx => ctx.Response.WriteAsync(GoodVersion);
    private Func<HttpContext, Task> _answer = ctx => ctx.Response.WriteAsync("{}");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var usable = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(usable)));
        _app = builder.Build();
        _app.Run(ctx => ctx.Request.Path == "/version" ? _version(ctx) : _answer(ctx));
        await _app.StartAsync();
        _uri = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    // The TLS handshake timeout is generous here: the first handshake of a cold test process on a loaded CI machine
    // took over a second, and these tests are about answers, not connecting.
    private ClusterAgentClient Client(int timeoutMs = 5_000) =>
        new(new ClusterAgentClientOptions
        {
            Endpoint = _uri,
            Token = Token,
            RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            TlsHandshakeTimeout = TimeSpan.FromSeconds(10),
        });

    [Theory]
    [InlineData("""{"Major":1,"Minor":2}""", "older than 1.3")]
    [InlineData("""{"Major":0}""", "0.0.0")]
    [InlineData("""{"Major":"7","Minor":60}""", "/version")]
    [InlineData("<html>login</html>", "/version")]
    [InlineData("", "/version")]
    [InlineData("""{"Major":99999999999999999999999}""", "/version")]
    public async Task Handshake_BrokenVersion_ClusterAgentExceptionNamingIt(string version, string named)
    {
        _version = ctx => ctx.Response.WriteAsync(version);
        using var client = Client();

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Nodes":{},"Warnings":[42]}""")]
    [InlineData("""{"Nodes":{"node-1":[]}}""")]
    [InlineData("<html>oops</html>")]
    [InlineData("[]")]
    public async Task GetPodServicesAsync_BrokenAnswer_ClusterAgentExceptionNamingTheRoute(string body)
    {
        _answer = ctx => ctx.Response.WriteAsync(body);
        using var client = Client();

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetPodServicesAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Contains("/api/v1/tags/pod/node-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNodeLabelsAsync_EndlessBody_ClusterAgentExceptionAtTheLimit()
    {
        _answer = async ctx =>
        {
            await ctx.Response.WriteAsync("{\"zone\":\"", ctx.RequestAborted);
            var chunk = Encoding.UTF8.GetBytes(new string('a', 64 * 1024));
            try
            {
                for (long sent = 0; sent < 1L << 32 && !ctx.RequestAborted.IsCancellationRequested; sent += chunk.Length)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        };
        using var client = Client();

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Contains($"{ClusterAgentClientOptions.DefaultMaxResponseBytes} bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNodeLabelsAsync_AsksForGzip_AndReadsACompressedAnswer()
    {
        string? asked = null;
        _answer = async ctx =>
        {
            asked = ctx.Request.Headers.AcceptEncoding;
            ctx.Response.Headers.ContentEncoding = "gzip";
            await ctx.Response.Body.WriteAsync(Gzip("""{"zone":"a","kubernetes.io/os":"linux"}"""u8.ToArray()), ctx.RequestAborted);
        };
        using var client = Client();

        var labels = await client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout();

        Assert.Contains("gzip", asked, StringComparison.Ordinal);
        Assert.Equal("linux", labels["kubernetes.io/os"]);
    }

    [Fact]
    public async Task GetNodeLabelsAsync_GzipBomb_ClusterAgentExceptionAtTheLimitOfTheDecompressedAnswer()
    {
        // 64 MiB of JSON in ~64 KiB of gzip: the limit applies to what decompression produces.
        var json = new byte[64 << 20];
        json.AsSpan().Fill((byte)' ');
        "{\"zone\":\"a\"}"u8.CopyTo(json);
        var bomb = Gzip(json);
        _answer = async ctx =>
        {
            ctx.Response.Headers.ContentEncoding = "gzip";
            await ctx.Response.Body.WriteAsync(bomb, ctx.RequestAborted);
        };
        using var client = Client();

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Contains($"{ClusterAgentClientOptions.DefaultMaxResponseBytes} bytes", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task GetNodeLabelsAsync_StalledBody_ClusterAgentExceptionAfterTheTimeout()
    {
        _answer = async ctx =>
        {
            await ctx.Response.WriteAsync("{\"zone\":", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        using var client = Client(timeoutMs: 1_000);

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Contains("no answer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNodeLabelsAsync_HandshakeNeverAnswered_ClusterAgentExceptionNamingTheConnectTimeout()
    {
        // Accepts TCP and never speaks TLS: the connect timeout (not the request timeout) ends the attempt.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var client = new ClusterAgentClient(new ClusterAgentClientOptions
        {
            Endpoint = endpoint,
            Token = Token,
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromMilliseconds(200),
            TlsHandshakeTimeout = TimeSpan.FromMilliseconds(100),
        });

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

        Assert.Equal($"/version: cannot connect to the cluster agent at {endpoint.Authority} within 0.3 s (TCP connection and TLS handshake)", e.Message);
    }

    [Fact]
    public async Task GetNodeLabelsAsync_DialNeverAnswered_ClusterAgentExceptionNamingTheDialTimeout()
    {
        // A listener whose accept queue is full and never drained: Linux drops further SYNs, so a dial hangs.
        using var full = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        var fillers = new List<System.Net.Sockets.Socket>();
        try
        {
            // Fill the queue (its length is the kernel's business): dial until a dial hangs.
            for (var filled = false; !filled;)
            {
                Assert.True(fillers.Count < 16, "the accept queue never filled");
                var filler = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                fillers.Add(filler);
                using var dial = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await filler.ConnectAsync(IPAddress.Loopback, port, dial.Token);
                }
                catch (OperationCanceledException)
                {
                    filled = true;
                }
            }
            using var client = new ClusterAgentClient(new ClusterAgentClientOptions
            {
                Endpoint = new Uri($"https://127.0.0.1:{port}"),
                Token = Token,
                RequestTimeout = TimeSpan.FromSeconds(30),
                ConnectTimeout = TimeSpan.FromMilliseconds(200),
            });

            var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None).WithTimeout());

            Assert.Equal($"/version: cannot reach the cluster agent at 127.0.0.1:{port}: no TCP connection within 0.2 s", e.Message);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task GetClusterCheckConfigsAsync_NullConfigsAndStrings_ClusterAgentExceptionOrUsable()
    {
        _answer = ctx => ctx.Response.WriteAsync("""{"last_change":1,"configs":[null,{"check_name":null,"instances":[null],"init_config":null,"provider":null,"service_id":null,"node_name":null,"source":null}]}""");
        using var client = Client();

        try
        {
            var response = await client.GetClusterCheckConfigsAsync("node-1", CancellationToken.None).WithTimeout();
            Assert.All(response.Configs ?? [], c => Assert.NotNull(c.Digest()));
        }
        catch (ClusterAgentException e)
        {
            Assert.Contains("/api/v1/clusterchecks/configs/node-1", e.Message, StringComparison.Ordinal);
        }
    }
}
