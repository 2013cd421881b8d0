using System.Net;
using System.Security.Cryptography.X509Certificates;
using Dca.ClusterChecks;
using Dca.ExternalMetrics;
using Dca.Testing;
using Dca.Tests.Api;

namespace Dca.Tests.Hostile;

/// <summary>
/// One cluster agent for a class of hostile-input tests, every port open: the command port with cluster checks and the
/// series intake, the external metrics API (a trusted front-proxy certificate), health and metrics. Shared, because
/// what is under test is that it keeps answering whatever the requests before did to it.
/// </summary>
public sealed class HostileAgent : IAsyncLifetime, IDisposable
{
    private X509Certificate2? _frontProxy;

    public string Confd { get; } = Directory.CreateTempSubdirectory("dca-hostile-confd-").FullName;

    public int ExternalMetricsPort { get; } = FreePort.Next();

    internal AgentUnderTest Agent { get; private set; } = null!;

    public X509Certificate2 FrontProxy => _frontProxy!;

    public int CommandPort => Agent.Api.BaseAddress!.Port;

    public int HealthPort => Agent.Health.BaseAddress!.Port;

    public int MetricsPort => Agent.Metrics.BaseAddress!.Port;

    public async Task InitializeAsync()
    {
        Agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ClusterChecks = new ClusterCheckSettings { Enabled = true, ConfdPath = Confd, WarmUp = TimeSpan.Zero },
            ExternalMetrics = new ExternalMetricsSettings { Enabled = true, Port = ExternalMetricsPort, AuthenticationRefresh = TimeSpan.FromMilliseconds(200) },
        }).WithTimeout();
        _frontProxy = ExternalMetrics.FrontProxy.Trust(Agent);
        await Agent.WaitReadyAsync();
        await Wait.UntilAsync(async () => (await ExternalMetrics.FrontProxy.GetAsync(ExternalMetricsPort, FrontProxy, "/apis")).Status == HttpStatusCode.OK,
            "the front-proxy CA to be read");
    }

    /// <summary>Fails unless every port still answers a good request as it should.</summary>
    public async Task AssertStillServingAsync()
    {
        var version = await RawHttp.SendAsync(CommandPort, tls: true, RawHttp.Request("GET", "/version", [Authorization]));
        Assert.Equal(200, version.Status);
        Assert.Contains("\"Major\"", version.Body, StringComparison.Ordinal);
        var apis = await RawHttp.SendAsync(ExternalMetricsPort, tls: true, RawHttp.Request("GET", "/apis", ["X-Remote-User: system:kube-controller-manager"]), clientCertificate: FrontProxy);
        Assert.Equal(200, apis.Status);
        Assert.Equal(200, (await RawHttp.SendAsync(HealthPort, tls: false, RawHttp.Request("GET", "/live"))).Status);
        Assert.Equal(200, (await RawHttp.SendAsync(MetricsPort, tls: false, RawHttp.Request("GET", "/metrics"))).Status);
    }

    public const string Authorization = "Authorization: Bearer " + AgentUnderTest.Token;

    public async Task DisposeAsync() => await Agent.DisposeAsync();

    public void Dispose()
    {
        _frontProxy?.Dispose();
        Directory.Delete(Confd, recursive: true);
    }
}
