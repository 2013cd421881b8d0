using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Dca.ExternalMetrics;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Sim;
using Dca.Testing;
using Dca.Tests.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// DatadogMetric resources (the CRD of <c>deploy/crds/</c>, applied with the real kubectl to the simulator): the leader
/// queries each one's <c>spec.query</c> on a stand-in of Datadog's query API and writes the status; the external
/// metrics API serves <c>datadogmetric@ns:name</c> from it; a replica that does not lead serves the status it sees.
/// </summary>
public sealed class DatadogMetricTests : IAsyncLifetime
{
    private const string ApiKey = "test-api-key-0123456789abcdef";
    private const string AppKey = "test-app-key-fedcba9876543210";
    private const string Query = "avg:nginx.net.request_per_s{kube_container_name:nginx}.rollup(60)";
    private readonly int _port = FreePort.Next();
    private FakeDatadogQueryApi _datadog = null!;
    private AgentUnderTest _agent = null!;
    private X509Certificate2 _client = null!;

    public async Task InitializeAsync()
    {
        _datadog = await FakeDatadogQueryApi.StartAsync(ApiKey, AppKey);
        _agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ExternalMetrics = new ExternalMetricsSettings
            {
                Enabled = true, Port = _port, AuthenticationRefresh = TimeSpan.FromMilliseconds(200), UseDatadogMetrics = true,
                Datadog = new DatadogQuerySettings { Endpoint = _datadog.BaseUri, ApiKey = ApiKey, AppKey = AppKey, RefreshPeriod = TimeSpan.FromMilliseconds(300) },
            },
        }).WithTimeout();
        _client = FrontProxy.Trust(_agent);
        await Kubectl(_agent.Sim, "apply", "-f", CrdPath);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _datadog.DisposeAsync();
        _client.Dispose();
    }

    internal static string CrdPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "deploy", "crds")))
            {
                dir = dir.Parent;
            }
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("deploy/crds not found above the test directory"), "deploy", "crds", "datadoghq.com_datadogmetrics.yaml");
        }
    }

    internal static async Task<string> Kubectl(Simulator sim, params string[] args) => await KubectlWithInput(sim, null, args);

    internal static async Task<string> KubectlWithInput(Simulator sim, string? input, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var arg in (string[])["--kubeconfig", sim.KubeconfigPath, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {await stderr}");
        return await stdout;
    }

    internal static string Manifest(string name, string query) => $"""
        apiVersion: datadoghq.com/v1alpha1
        kind: DatadogMetric
        metadata:
          name: {name}
          namespace: default
        spec:
          query: '{query}'
        """;

    private Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> GetAsync(string metric) =>
        FrontProxy.GetAsync(_port, _client, "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/" + metric);

    [Fact]
    public async Task TheLeaderWritesEachStatus_AndTheApiServesIt()
    {
        _datadog.Values[Query] = 42.5;
        await KubectlWithInput(_agent.Sim, Manifest("nginx-rps", Query) + "\n---\n" + Manifest("broken", "avg:a{*},avg:b{*}") + "\n---\n"
            + Manifest("no-data", "avg:nothing{*}"), "apply", "-f", "-");

        await Wait.UntilAsync(async () => (await GetAsync("datadogmetric@default:nginx-rps")).Status == HttpStatusCode.OK, "the leader's first value");
        var (_, body) = await GetAsync("datadogmetric@default:nginx-rps");
        Assert.Equal("42500m", body.GetProperty("items")[0].GetProperty("value").GetString());
        Assert.Equal("datadogmetric@default:nginx-rps", body.GetProperty("items")[0].GetProperty("metricName").GetString());
        Assert.Equal("42.5", await Kubectl(_agent.Sim, "get", "datadogmetric", "nginx-rps", "-o", "jsonpath={.status.currentValue}"));
        Assert.Equal("True", await Kubectl(_agent.Sim, "get", "datadogmetric", "nginx-rps", "-o", "jsonpath={.status.conditions[?(@.type=='Valid')].status}"));

        // A query that would split the batch is refused before it is sent; one without data is Datadog's answer.
        var (brokenStatus, broken) = await GetAsync("datadogmetric@default:broken");
        Assert.Equal(HttpStatusCode.InternalServerError, brokenStatus);
        Assert.Contains("is not valid: invalid query: a comma outside brackets", broken.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Invalid query", await Kubectl(_agent.Sim, "get", "datadogmetric", "broken", "-o", "jsonpath={.status.conditions[?(@.type=='Error')].reason}"));
        Assert.DoesNotContain(_datadog.Requests, batch => batch.Contains("avg:a{*}"));
        var (noData, noDataBody) = await GetAsync("datadogmetric@default:no-data");
        Assert.Equal(HttpStatusCode.InternalServerError, noData);
        Assert.Contains("Datadog has no series for this query", noDataBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("datadogmetric@default:absent")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("datadogmetric@default")).Status);

        // The value follows Datadog's, every refresh; the spec is never touched.
        _datadog.Values[Query] = 7;
        await Wait.UntilAsync(async () => (await GetAsync("datadogmetric@default:nginx-rps")).Body.GetProperty("items")[0].GetProperty("value").GetString() == "7",
            "the refreshed value");
        Assert.Equal(Query, await Kubectl(_agent.Sim, "get", "datadogmetric", "nginx-rps", "-o", "jsonpath={.spec.query}"));
    }

    [Fact]
    public async Task AReplicaThatDoesNotLead_ServesTheStatusItSees_AndCallsAnOldOneStale()
    {
        await using var sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false });
        await Kubectl(sim, "apply", "-f", CrdPath);
        await KubectlWithInput(sim, Manifest("fresh", Query) + "\n---\n" + Manifest("old", Query), "apply", "-f", "-");
        string Status(DateTimeOffset updated, string valid) => $$$"""
            {"status":{"currentValue":"3.5","conditions":[
              {"type":"Valid","status":"{{{valid}}}","lastUpdateTime":"{{{updated:yyyy-MM-ddTHH:mm:ssZ}}}"},
              {"type":"Updated","status":"True","lastUpdateTime":"{{{updated:yyyy-MM-ddTHH:mm:ssZ}}}"},
              {"type":"Error","status":"{{{(valid == "True" ? "False" : "True")}}}","message":"rate limited"}]}}
            """;
        await Kubectl(sim, "patch", "datadogmetric", "fresh", "--subresource=status", "--type=merge", "-p", Status(DateTimeOffset.UtcNow, "True"));
        await Kubectl(sim, "patch", "datadogmetric", "old", "--subresource=status", "--type=merge", "-p", Status(DateTimeOffset.UtcNow.AddMinutes(-10), "True"));

        var endpoint = KubeConfigLoader.Load([sim.KubeconfigPath], null, TimeProvider.System);
        using var kubernetes = new KubernetesClient(endpoint, new KubernetesClientOptions(), NullLoggerFactory.Instance, TimeProvider.System);
        using var datadog = new DatadogQueryClient(new DatadogQuerySettings { Endpoint = new Uri("http://127.0.0.1:1/"), ApiKey = ApiKey, AppKey = AppKey },
            TimeProvider.System, NullLogger<DatadogQueryClient>.Instance);
        using var follower = new DatadogMetricController(kubernetes, datadog, TimeSpan.FromSeconds(120), TimeProvider.System, NullLoggerFactory.Instance);
        await follower.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => follower.Answer("datadogmetric@default:fresh").Result is not null, "the follower to list the DatadogMetrics");
            Assert.Equal(3.5, follower.Answer("datadogmetric@default:fresh").Result);
            var old = follower.Answer("datadogmetric@default:old");
            Assert.True(old.IsStale);
            Assert.Contains("is the leader running?", old.Error, StringComparison.Ordinal);

            // What the leader writes next, the follower serves.
            await Kubectl(sim, "patch", "datadogmetric", "fresh", "--subresource=status", "--type=merge", "-p", Status(DateTimeOffset.UtcNow, "False"));
            await Wait.UntilAsync(() => follower.Answer("datadogmetric@default:fresh").IsStale, "the follower to see the new status");
            Assert.Contains("is not valid: rate limited", follower.Answer("datadogmetric@default:fresh").Error, StringComparison.Ordinal);
        }
        finally
        {
            await follower.StopAsync(CancellationToken.None);
        }
    }
}
