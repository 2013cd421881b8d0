using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dca.ExternalMetrics;
using Dca.Sim.Store;
using Dca.Testing;
using Dca.Tests.Api;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// ISSUE 10's "kept honest": the simulator aggregates as kube-apiserver does, so the real <c>kubectl get --raw</c>
/// reads our provider's values through it, exactly as on a cluster: APIService → Service → Endpoints on loopback,
/// the simulator's front-proxy certificate, <c>X-Remote-User</c>; our provider trusts the front-proxy CA the
/// simulator publishes in <c>kube-system/extension-apiserver-authentication</c>.
/// </summary>
public sealed class AggregatedApiTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Next();
    private AgentUnderTest _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ExternalMetrics = new ExternalMetricsSettings { Enabled = true, Port = _port },
        }).WithTimeout();
        await _agent.WaitReadyAsync();
        _agent.Sim.Create(ResourceTypes.Services, """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"dca-metrics-api","namespace":"dca"},
             "spec":{"ports":[{"name":"metricsapi","port":8443,"targetPort":"metricsapi"}]}}
            """);
        _agent.Sim.Create(ResourceTypes.Endpoints, $$"""
            {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"dca-metrics-api","namespace":"dca"},
             "subsets":[{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"name":"metricsapi","port":{{_port}}}]}]}
            """);
        _agent.Sim.Create(ResourceTypes.ApiServices, """
            {"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1beta1.external.metrics.k8s.io"},
             "spec":{"group":"external.metrics.k8s.io","version":"v1beta1","groupPriorityMinimum":100,"versionPriority":100,
                     "insecureSkipTLSVerify":true,"service":{"name":"dca-metrics-api","namespace":"dca","port":8443}}}
            """);
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private async Task<(int Code, string Stdout, string Stderr)> KubectlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--kubeconfig", _agent.Sim.KubeconfigPath, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task PushAsync(string metric, double value, params string[] tags)
    {
        var json = $$"""{"series":[{"metric":"{{metric}}","type":3,"points":[{"timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"value":{{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}],"tags":[{{string.Join(',', tags.Select(t => $"\"{t}\""))}}],"resources":[{"type":"host","name":"node-1"}]}]}""";
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }
        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _agent.Api.PostAsync(new Uri("/api/v2/series", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task KubectlGetRaw_ThroughTheSimulatorsAggregator_ReadsOurValues()
    {
        await PushAsync("queue.depth", 42.5, "queue:jobs", "kube_namespace:shop");
        await PushAsync("queue.depth", 7, "queue:mail", "kube_namespace:shop");
        const string Path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue.depth?labelSelector=queue%3Djobs";
        string stdout = "", stderr = "";
        // The provider reads the front-proxy CA at start; the first requests may come before it.
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var (code, output, error) = await KubectlAsync("get", "--raw", Path);
                (stdout, stderr) = (output, error);
                return code == 0;
            }, "kubectl get --raw to read the metric through the aggregator");
        }
        catch (TimeoutException)
        {
            Assert.Fail("kubectl get --raw kept failing: " + stderr);
        }
        var item = JsonDocument.Parse(stdout).RootElement.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("queue.depth", "42500m", "jobs"),
            (item.GetProperty("metricName").GetString(), item.GetProperty("value").GetString(), item.GetProperty("metricLabels").GetProperty("queue").GetString()));

        // Discovery through the aggregator: the group is listed, its version answered by our provider.
        var (_, groups, _) = await KubectlAsync("get", "--raw", "/apis");
        Assert.Contains(JsonDocument.Parse(groups).RootElement.GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "external.metrics.k8s.io");
        var (_, resources, _) = await KubectlAsync("get", "--raw", "/apis/external.metrics.k8s.io/v1beta1");
        Assert.Contains(JsonDocument.Parse(resources).RootElement.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "queue.depth");

        // An unknown metric: our Status comes back through the aggregator, and kubectl reports it.
        var (failed, _, error) = await KubectlAsync("get", "--raw", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/no.such.metric");
        Assert.NotEqual(0, failed);
        Assert.Contains("NotFound", error, StringComparison.Ordinal);
    }
}
