using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Dca.Protocol.ClusterAgent;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dca.Protocol.Tests;

public class ClusterAgentEndpointTests
{
    private static Uri Resolve(string? url, string? service = null, Dictionary<string, string>? env = null) =>
        ClusterAgentEndpoint.Resolve(url, service, name => env?.GetValueOrDefault(name));

    [Theory]
    [InlineData("https://dca.datadog.svc:5005", "https://dca.datadog.svc:5005/")]
    [InlineData("dca:5005", "https://dca:5005/")]
    public void Resolve_Url_IsHttpsWithASchemeAddedWhenMissing(string url, string expected) =>
        Assert.Equal(new Uri(expected), Resolve(url));

    [Fact]
    public void Resolve_HttpUrl_IsRefusedBecauseTheTokenWouldTravelInClear() =>
        Assert.Contains("must use https", Assert.Throws<ArgumentException>(() => Resolve("http://dca:5005")).Message, StringComparison.Ordinal);

    [Fact]
    public void Resolve_NoUrl_UsesTheServiceEnvironmentKubernetesInjects()
    {
        var env = new Dictionary<string, string> { ["MY_RELEASE_CLUSTER_AGENT_SERVICE_HOST"] = "10.96.0.12", ["MY_RELEASE_CLUSTER_AGENT_SERVICE_PORT"] = "5005" };

        Assert.Equal(new Uri("https://10.96.0.12:5005/"), Resolve(null, "my-release-cluster-agent", env));
        Assert.Equal(new Uri("https://[fd00::1]:5005/"), Resolve(null, "x", new() { ["X_SERVICE_HOST"] = "fd00::1", ["X_SERVICE_PORT"] = "5005" }));
    }

    [Fact]
    public void Resolve_NothingSet_NamesTheDefaultServiceVariables() =>
        Assert.Contains("DATADOG_CLUSTER_AGENT_SERVICE_HOST", Assert.Throws<ArgumentException>(() => Resolve(null)).Message, StringComparison.Ordinal);
}

public class PodServicesTests
{
    [Fact]
    public void Parse_ServiceSetsAsObjectsOrArrays_GivesSortedServicesPerPod()
    {
        var json = """{"Nodes":{"node-1":{"services":{"shop":{"web-1":{"web":{},"api":{}},"web-2":["web"]},"empty":{}}}}}"""u8;

        var services = PodServices.Parse(json, "node-1");

        Assert.Equal(["api", "web"], services.For("shop", "web-1"));
        Assert.Equal(["web"], services.For("shop", "web-2"));
        Assert.Empty(services.For("shop", "web-3"));
        Assert.Equal(2, services.PodCount);
    }

    [Fact]
    public void Parse_UnknownNode_IsAnErrorCarryingTheWarning()
    {
        var e = Assert.Throws<FormatException>(() => PodServices.Parse("""{"Warnings":["Node x could not be added to the metadata map bundle"]}"""u8, "x"));

        Assert.Contains("Node x could not be added", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The client against a fake cluster agent on a Kestrel HTTPS port.</summary>
public sealed class ClusterAgentClientTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private WebApplication _app = null!;
    private Uri _uri = null!;

    public ConcurrentQueue<string> Requests { get; } = new();

    public string Version { get; set; } = """{"Major":7,"Minor":60,"Patch":0,"Pre":"","Meta":"","Commit":"abc"}""";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var usable = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(usable)));
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            Requests.Enqueue(ctx.Request.Path + " " + ctx.Request.Headers.Authorization);
            if (ctx.Request.Headers.Authorization != "Bearer " + Token)
            {
                ctx.Response.StatusCode = 403;
                await ctx.Response.WriteAsync("invalid session token");
                return;
            }
            if (ctx.Request.Path.Value!.StartsWith("/api/v1/tags/node/shed", StringComparison.Ordinal))
            {
                // A shedding cluster agent: 503 for node "shed", 429 with an absurd wait for "shed-forever".
                ctx.Response.StatusCode = ctx.Request.Path.Value.EndsWith("-forever", StringComparison.Ordinal) ? 429 : 503;
                ctx.Response.Headers.RetryAfter = ctx.Response.StatusCode == 429 ? "86400" : "30";
                return;
            }
            var body = ctx.Request.Path.Value switch
            {
                "/version" => Version,
                "/api/v1/tags/pod/node-1" => """{"Nodes":{"node-1":{"services":{"shop":{"web-1":{"web":{}}}}}}}""",
                "/api/v1/tags/node/node-1" => """{"kubernetes.io/role":"worker","zone":"a"}""",
                "/api/v1/tags/namespace/shop" => """{"team":"checkout"}""",
                _ => null,
            };
            ctx.Response.StatusCode = body is null ? 404 : 200;
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body ?? "404 page not found"));
        });
        await _app.StartAsync();
        _uri = new Uri($"https://127.0.0.1:{port}/");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private ClusterAgentClient Client(TimeProvider? time = null, string token = Token) =>
        new(new ClusterAgentClientOptions { Endpoint = _uri, Token = token, ReconnectPeriod = TimeSpan.FromMinutes(20), TlsHandshakeTimeout = TimeSpan.FromSeconds(10) }, time);

    [Fact]
    public async Task Calls_HandshakeOnceThenUseTheBearerToken()
    {
        using var client = Client();

        var services = await client.GetPodServicesAsync("node-1", CancellationToken.None);
        var labels = await client.GetNodeLabelsAsync("node-1", CancellationToken.None);
        var ns = await client.GetNamespaceLabelsAsync("shop", CancellationToken.None);

        Assert.Equal(["web"], services.For("shop", "web-1"));
        Assert.Equal("worker", labels["kubernetes.io/role"]);
        Assert.Equal("checkout", ns["team"]);
        Assert.Equal(["/version", "/api/v1/tags/pod/node-1", "/api/v1/tags/node/node-1", "/api/v1/tags/namespace/shop"], Requests.Select(r => r.Split(' ')[0]));
        Assert.All(Requests, r => Assert.EndsWith("Bearer " + Token, r, StringComparison.Ordinal));
        Assert.Equal(60, client.Version!.Minor);
    }

    [Fact]
    public async Task ReconnectPeriod_ReHandshakesOnANewConnection()
    {
        var time = new ManualTimeProvider();
        using var client = Client(time);
        await client.GetNodeLabelsAsync("node-1", CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(21));
        await client.GetNodeLabelsAsync("node-1", CancellationToken.None);

        Assert.Equal(2, client.Handshakes);
        Assert.Equal(2, Requests.Count(r => r.StartsWith("/version", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WrongToken_FailsNamingTheOptionButNotTheToken()
    {
        using var client = Client(token: "wrong-token-wrong-token-wrong-token");

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("node-1", CancellationToken.None));

        Assert.Equal(403, e.Status);
        Assert.Contains("DD_CLUSTER_AGENT_AUTH_TOKEN", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SheddingClusterAgent_ErrorCarriesRetryAfter_CappedAtTheLongestBackoff()
    {
        using var client = Client();

        var shed = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("shed", CancellationToken.None));
        var forever = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetNodeLabelsAsync("shed-forever", CancellationToken.None));

        Assert.Equal((503, TimeSpan.FromSeconds(30)), (shed.Status, shed.RetryAfter));
        Assert.Equal((429, ClusterAgentClient.MaxRetryAfter), (forever.Status, forever.RetryAfter));
    }

    [Fact]
    public async Task NotInitialisedVersion_IsAnErrorAndNothingElseIsAsked()
    {
        Version = """{"Major":0,"Minor":0,"Patch":0,"Pre":"","Meta":"","Commit":""}""";
        using var client = Client();

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetPodServicesAsync("node-1", CancellationToken.None));

        Assert.Contains("0.0.0", e.Message, StringComparison.Ordinal);
        Assert.Single(Requests);
    }

    [Fact]
    public async Task Unreachable_SaysWhere()
    {
        using var client = new ClusterAgentClient(new ClusterAgentClientOptions { Endpoint = new Uri($"https://127.0.0.1:{FreePort.Next()}/"), Token = Token });

        var e = await Assert.ThrowsAsync<ClusterAgentException>(() => client.GetPodServicesAsync("node-1", CancellationToken.None));

        Assert.Contains("cannot reach the cluster agent at 127.0.0.1:", e.Message, StringComparison.Ordinal);
        Assert.Null(e.Status);
    }

    [Fact]
    public void Options_ToString_ShowNeitherTheTokenNorUrlCredentials()
    {
        var text = new ClusterAgentClientOptions { Endpoint = new Uri("https://agent:pa55@dca.example:5005/"), Token = "0123456789abcdef0123456789abcdef" }.ToString();

        Assert.Equal("ClusterAgentClientOptions { Endpoint = https://***@dca.example:5005/, Token = <redacted> }", text);
    }
}
