using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dca.ExternalMetrics;
using Dca.Testing;
using Dca.Tests.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// The Prometheus backend against a real Prometheus server (Debian's; <c>./dev test</c> installs it) scraping a
/// target with known values: the provider returns them; a stopped Prometheus is a clear 500; a restarted one
/// recovers.
/// </summary>
public sealed class PrometheusBackendTests : IAsyncLifetime
{
    private readonly int _apiPort = FreePort.Next();
    private readonly int _promPort = FreePort.Next();
    private readonly string _dir = Directory.CreateTempSubdirectory("dca-prom-").FullName;
    private WebApplication _target = null!;
    private Process? _prometheus;
    private AgentUnderTest _agent = null!;
    private X509Certificate2 _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _target = builder.Build();
        _target.MapGet("/metrics", () => Results.Text("# TYPE queue_depth gauge\nqueue_depth{queue=\"jobs\"} 42\nqueue_depth{queue=\"mail\"} 8\n", "text/plain; version=0.0.4"));
        await _target.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: target
                static_configs:
                  - targets: ["{new Uri(_target.Urls.First()).Authority}"]
            """);
        StartPrometheus();
        _agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ExternalMetrics = new ExternalMetricsSettings { Enabled = true, Port = _apiPort, AuthenticationRefresh = TimeSpan.FromMilliseconds(200),
                Backend = ExternalMetricsBackendKind.Prometheus, PrometheusUrl = new Uri($"http://127.0.0.1:{_promPort}/") },
        }).WithTimeout();
        // Its CA is re-read every 200 ms, not each minute.
        _client = FrontProxy.Trust(_agent);
    }

    public async Task DisposeAsync()
    {
        StopPrometheus();
        await _agent.DisposeAsync();
        await _target.DisposeAsync();
        _client.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void StartPrometheus()
    {
        var prometheus = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "prometheus")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed: ./dev test installs the Debian package");
        _prometheus = Process.Start(new ProcessStartInfo(prometheus,
            [$"--config.file={_dir}/prometheus.yml", $"--storage.tsdb.path={_dir}/data", $"--web.listen-address=127.0.0.1:{_promPort}"])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _prometheus.ErrorDataReceived += (_, _) => { };
        _prometheus.BeginErrorReadLine();
    }

    private void StopPrometheus()
    {
        if (_prometheus is { } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            p.Dispose();
            _prometheus = null;
        }
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => FrontProxy.GetAsync(_apiPort, _client, path);

    [Fact]
    public void Selectors_BecomePromQl() =>
        Assert.Equal("""avg(queue_depth{queue="jobs",tier!="db",zone=~"a|b\\.c",pool!~"x",team!="",legacy=""})""",
            PrometheusBackend.Query("queue.depth", MetricSelector.Parse("queue=jobs,tier!=db,zone in (a,b.c),pool notin (x),team,!legacy")));

    [Fact]
    public async Task ValuesFromARealPrometheus_ThenAClearErrorWhenItStops_ThenRecovery()
    {
        const string Path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue.depth?labelSelector=queue%3Djobs";
        JsonElement body = default;
        await Wait.UntilAsync(async () =>
        {
            (var status, body) = await GetAsync(Path);
            return status == HttpStatusCode.OK;
        }, "Prometheus to scrape the target and the provider to answer", TimeSpan.FromSeconds(60));
        Assert.Equal("42", body.GetProperty("items")[0].GetProperty("value").GetString());
        var (_, both) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue.depth");
        Assert.Equal("25", both.GetProperty("items")[0].GetProperty("value").GetString());
        var (unknown, _) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/no.such.metric");
        Assert.Equal(HttpStatusCode.NotFound, unknown);

        StopPrometheus();
        var (down, status500) = await GetAsync(Path);
        Assert.Equal(HttpStatusCode.InternalServerError, down);
        Assert.Contains($"Prometheus at http://127.0.0.1:{_promPort}/ is not reachable", status500.GetProperty("message").GetString(), StringComparison.Ordinal);

        StartPrometheus();
        await Wait.UntilAsync(async () => (await GetAsync(Path)).Status == HttpStatusCode.OK, "the provider to recover with Prometheus", TimeSpan.FromSeconds(60));
    }
}
