using System.Net.Http.Headers;
using Dca.Hosting;
using Dca.Kubernetes.Config;
using Dca.Sim;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;

namespace Dca.Tests.Api;

/// <summary>The cluster agent built in-process against an in-process simulator, on free loopback ports.</summary>
internal sealed class AgentUnderTest : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef0123456789";

    private AgentUnderTest(Simulator sim, WebApplication app, int commandPort, int healthPort, int metricsPort)
    {
        Sim = sim;
        App = app;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        Api = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{commandPort}") };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Anonymous = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        {
            BaseAddress = Api.BaseAddress,
        };
        Health = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") };
        Metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
    }

    public Simulator Sim { get; }

    public WebApplication App { get; }

    /// <summary>HTTPS client of the node-agent API, with the token.</summary>
    public HttpClient Api { get; }

    /// <summary>HTTPS client of the node-agent API, without a token.</summary>
    public HttpClient Anonymous { get; }

    public HttpClient Health { get; }

    public HttpClient Metrics { get; }

    public static async Task<AgentUnderTest> StartAsync(SimulatorOptions? simOptions = null, Func<DcaOptions, DcaOptions>? configure = null)
    {
        var sim = await Simulator.StartAsync(simOptions ?? new SimulatorOptions { RunActivity = false, Kubelets = false });
        int cmd = FreePort.Next(), health = FreePort.Next(), metrics = FreePort.Next();
        var options = new DcaOptions
        {
            CommandPortNumber = cmd,
            HealthPortNumber = health,
            MetricsPortNumber = metrics,
            BindAddress = System.Net.IPAddress.Loopback,
            Token = Token,
            Logging = new AgentLogging.Settings(Microsoft.Extensions.Logging.LogLevel.Warning, false),
            HostAliasAnnotations = new HashSet<string>(["cluster.k8s.io/machine"], StringComparer.Ordinal),
        };
        options = configure?.Invoke(options) ?? options;
        var endpoint = KubeConfigLoader.Load([sim.KubeconfigPath], null, TimeProvider.System);
        var app = ClusterAgent.Build(options, endpoint, TimeProvider.System);
        await app.StartAsync();
        return new AgentUnderTest(sim, app, cmd, health, metrics);
    }

    public async Task WaitReadyAsync()
    {
        await Wait.UntilAsync(async () =>
        {
            using var response = await Health.GetAsync(new Uri("/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }, "the agent to be ready");
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Anonymous.Dispose();
        Health.Dispose();
        Metrics.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
