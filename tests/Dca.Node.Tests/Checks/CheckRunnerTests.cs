using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dca.Node.Checks;
using Dca.Protocol.Intake;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dca.Node.Tests.Checks;

/// <summary>tcp_check and http_check against real listeners on loopback, with Datadog's names and tags.</summary>
public sealed class CheckRunnerTests
{
    private static Task<CheckResult> Tcp(string yaml) => TcpCheck.RunAsync(CheckInstance.Parse(yaml), "node-1", TimeProvider.System, CancellationToken.None);

    private static Task<CheckResult> Http(string yaml) => HttpCheck.RunAsync(CheckInstance.Parse(yaml), "node-1", TimeProvider.System, CancellationToken.None);

    [Fact]
    public async Task Tcp_OpenPort_IsOkWithResponseTime_ClosedPortIsCritical()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var ok = await Tcp($$"""{"name":"db","host":"127.0.0.1","port":{{port}},"collect_response_time":true,"tags":["team:db"]}""");
        var check = Assert.Single(ok.ServiceChecks);
        Assert.Equal(("tcp.can_connect", ServiceCheck.Ok, "node-1"), (check.Check, check.Status, check.HostName));
        Assert.Equal(["instance:db", "target_host:127.0.0.1", $"port:{port}", "team:db"], check.Tags);
        Assert.Equal(1, ok.Samples.Single(s => s.Metric == "network.tcp.can_connect").Value);
        var rt = ok.Samples.Single(s => s.Metric == "network.tcp.response_time");
        Assert.InRange(rt.Value, 0, 5);
        Assert.Contains($"url:127.0.0.1:{port}", rt.Tags);
        listener.Stop();

        var closed = await Tcp($$"""{"name":"db","host":"127.0.0.1","port":"{{port}}","timeout":2}""");
        var failed = Assert.Single(closed.ServiceChecks);
        Assert.Equal(ServiceCheck.Critical, failed.Status);
        Assert.Contains("ConnectionRefused", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, closed.Samples.Single(s => s.Metric == "network.tcp.can_connect").Value);
        Assert.DoesNotContain(closed.Samples, s => s.Metric == "network.tcp.response_time");
    }

    [Theory]
    [InlineData("""{"host":"127.0.0.1"}""", "'port' must be a number")]
    [InlineData("""{"port":80}""", "'host' is required")]
    [InlineData("""host: 127.0.0.1""", "not in the flow-style YAML")]
    public async Task Tcp_BadInstance_SaysWhy(string yaml, string reason)
    {
        var e = await Assert.ThrowsAsync<FormatException>(() => Tcp(yaml));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_StatusAndContentMatch_DecideTheServiceCheck()
    {
        await using var server = await Server.StartAsync(https: false);
        var url = $"http://127.0.0.1:{server.Port}";
        var ok = await Http($$"""{"name":"web","url":"{{url}}/health","content_match":"all good","tags":["env:prod"]}""");
        var check = Assert.Single(ok.ServiceChecks);
        Assert.Equal(("http.can_connect", ServiceCheck.Ok), (check.Check, check.Status));
        Assert.Equal([$"url:{url}/health", "instance:web", "env:prod"], check.Tags);
        Assert.Equal([("network.http.can_connect", 1.0), ("network.http.cant_connect", 0.0)],
            ok.Samples.Where(s => s.Metric.Contains("connect", StringComparison.Ordinal)).Select(s => (s.Metric, s.Value)));
        Assert.InRange(ok.Samples.Single(s => s.Metric == "network.http.response_time").Value, 0, 5);

        var missing = await Http($$"""{"name":"web","url":"{{url}}/health","content_match":"broken"}""");
        Assert.Equal(ServiceCheck.Critical, missing.ServiceChecks[0].Status);
        Assert.Contains("not found", missing.ServiceChecks[0].Message, StringComparison.Ordinal);

        var reverse = await Http($$"""{"name":"web","url":"{{url}}/health","content_match":"all good","reverse_content_match":true}""");
        Assert.Equal(ServiceCheck.Critical, reverse.ServiceChecks[0].Status);

        var status = await Http($$"""{"name":"web","url":"{{url}}/missing"}""");
        Assert.Equal(ServiceCheck.Critical, status.ServiceChecks[0].Status);
        Assert.Contains("got 404", status.ServiceChecks[0].Message, StringComparison.Ordinal);
        var expected404 = await Http($$"""{"name":"web","url":"{{url}}/missing","http_response_status_code":"404"}""");
        Assert.Equal(ServiceCheck.Ok, expected404.ServiceChecks[0].Status);
    }

    [Fact]
    public async Task Http_NothingListening_IsCriticalAndCantConnect()
    {
        var port = FreePort.Next();
        var result = await Http($$"""{"name":"gone","url":"http://127.0.0.1:{{port}}/","timeout":2}""");
        Assert.Equal(ServiceCheck.Critical, Assert.Single(result.ServiceChecks).Status);
        Assert.Equal(1, result.Samples.Single(s => s.Metric == "network.http.cant_connect").Value);
        Assert.DoesNotContain(result.Samples, s => s.Metric == "network.http.response_time");
    }

    [Theory]
    [InlineData(30, ServiceCheck.Ok)]
    [InlineData(10, ServiceCheck.Warning)]
    [InlineData(3, ServiceCheck.Critical)]
    public async Task Https_CertificateExpiry_InDaysLeftAndTheSslServiceCheck(int daysLeft, int expected)
    {
        await using var server = await Server.StartAsync(https: true, certificateDays: daysLeft);
        var result = await Http($$"""{"name":"tls","url":"https://127.0.0.1:{{server.Port}}/health","tls_verify":false}""");
        Assert.Equal(ServiceCheck.Ok, result.ServiceChecks.Single(c => c.Check == "http.can_connect").Status);
        var ssl = result.ServiceChecks.Single(c => c.Check == "http.ssl_cert");
        Assert.Equal(expected, ssl.Status);
        Assert.Equal(daysLeft - 1, result.Samples.Single(s => s.Metric == "http.ssl.days_left").Value);
    }

    [Fact]
    public async Task Https_UntrustedCertificate_WithVerification_IsCritical()
    {
        await using var server = await Server.StartAsync(https: true, certificateDays: 30);
        var result = await Http($$"""{"name":"tls","url":"https://127.0.0.1:{{server.Port}}/health","timeout":5}""");
        Assert.Equal(ServiceCheck.Critical, result.ServiceChecks.Single(c => c.Check == "http.can_connect").Status);
    }

    /// <summary>A loopback server: /health answers "all good", anything else 404.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Server(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public static async Task<Server> StartAsync(bool https, int certificateDays = 30)
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            X509Certificate2? certificate = null;
            if (https)
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
                var now = DateTimeOffset.UtcNow;
                // Expires certificateDays from now, minus a minute so the whole-day count is exact.
                using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(certificateDays).AddMinutes(-1));
                certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
            }
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l =>
            {
                if (certificate is not null)
                {
                    l.UseHttps(certificate);
                }
            }));
            var app = builder.Build();
            app.Run(async ctx =>
            {
                if (ctx.Request.Path == "/health")
                {
                    await ctx.Response.WriteAsync("status: all good");
                }
                else
                {
                    ctx.Response.StatusCode = 404;
                }
            });
            await app.StartAsync();
            return new Server(app, port);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
