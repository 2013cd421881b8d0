using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dca.Testing;
using Xunit.Abstractions;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 6 with the native binaries: <c>dca-sim</c>, one <c>dca</c>, and a <c>dca-node</c> per simulated
/// node, shipping to a test intake.
/// </summary>
public class NodeAgentProcessTests(ITestOutputHelper output)
{
    private static async Task WaitTaggedAsync(TestIntake intake, SimulatedCluster cluster, string node, string what, TimeSpan timeout)
    {
        var truth = await ServiceTruth.ForNodeAsync(cluster, node);
        List<string> diffs = [];
        try
        {
            await Wait.UntilAsync(() =>
            {
                diffs = ServiceTruth.Differences(truth, ServiceTruth.Tagged(intake, node));
                return diffs.Count == 0;
            }, what, timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what} on {node}: {diffs.Count} differences:\n{string.Join("\n", diffs.Take(20))}");
        }
        Assert.Contains(truth.Values, s => s.Count > 0);
    }

    private void Dump(params NativeProcess[] processes)
    {
        foreach (var p in processes)
        {
            foreach (var line in p.Stderr.TakeLast(30))
            {
                output.WriteLine(line);
            }
        }
    }

    [Fact]
    public async Task NodeAgents_TagEveryPodsSeriesWithExactlyTheServicesTheClusterImplies()
    {
        await using var intake = await TestIntake.StartAsync();
        await using var cluster = await SimulatedCluster.StartAsync();
        await using var dca = DcaReplica.Start(cluster, "dca-0", 15);
        var nodes = await ServiceTruth.NodesAsync(cluster);
        var agents = nodes.Take(3).Select(n => NodeAgentProcess.Start(cluster, n.Name, n.Address, dca.CommandPort, intake)).ToList();
        try
        {
            foreach (var agent in agents)
            {
                await WaitTaggedAsync(intake, cluster, agent.Node, "kube_service tags matching the cluster", TimeSpan.FromSeconds(60));
            }
            var requests = intake.Requests.Where(r => r.Path == "/api/v2/series").ToList();
            Assert.All(requests, r => Assert.Equal(("e2e-api-key-0123456789abcdef", "gzip"), (r.ApiKey, r.Encoding)));
            Assert.All(agents, a => Assert.DoesNotContain(a.Process.Stderr, l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal)));
        }
        catch
        {
            Dump([dca.Process, .. agents.Select(a => a.Process)]);
            throw;
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ClusterAgentStops_NodeKeepsTheLastTags_AndRecoversWhenItReturnsWithoutARestart()
    {
        await using var intake = await TestIntake.StartAsync();
        await using var cluster = await SimulatedCluster.StartAsync();
        var node = (await ServiceTruth.NodesAsync(cluster))[1];
        var dca = DcaReplica.Start(cluster, "dca-0", 15);
        var port = dca.CommandPort;
        await using var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, port, intake);
        try
        {
            await WaitTaggedAsync(intake, cluster, node.Name, "tags before the cluster agent stops", TimeSpan.FromSeconds(60));

            await dca.DisposeAsync();
            await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_cluster_agent_errors_total") >= 2, "the node agent to notice", TimeSpan.FromSeconds(30));
            intake.Requests.Clear();
            await WaitTaggedAsync(intake, cluster, node.Name, "tags while the cluster agent is down", TimeSpan.FromSeconds(30));
            var pollsWhileDown = await agent.MetricAsync("dca_node_cluster_agent_polls_total");

            dca = DcaReplica.Start(cluster, "dca-1", 15, commandPort: port);
            await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_cluster_agent_polls_total") > pollsWhileDown,
                "the node agent to poll the restarted cluster agent", TimeSpan.FromSeconds(60));
            intake.Requests.Clear();
            await WaitTaggedAsync(intake, cluster, node.Name, "tags after the cluster agent returned", TimeSpan.FromSeconds(30));

            Assert.False(agent.Process.HasExited);
            Assert.Contains(agent.Process.Stderr, l => l.Contains("tagging goes on with the last answer", StringComparison.Ordinal));
            Assert.Contains(agent.Process.Stderr, l => l.Contains("Cluster agent reachable again", StringComparison.Ordinal));
        }
        catch
        {
            Dump(dca.Process, agent.Process);
            throw;
        }
        finally
        {
            await dca.DisposeAsync();
        }
    }

    [Fact]
    public async Task KubeletFaults_GiveClearErrorsAndCounters_AndCollectionResumes()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var node = (await ServiceTruth.NodesAsync(cluster))[0];
        await using var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, 1, null,
            new Dictionary<string, string> { ["DD_CLUSTER_AGENT_ENABLED"] = "false", ["DD_API_KEY"] = "k", ["DD_DD_URL"] = "http://127.0.0.1:9/" });
        using var api = cluster.ApiClient();

        async Task<double> Collections() => await agent.MetricAsync("dca_node_collections_total") ?? 0;
        async Task<HttpStatusCode> Ready()
        {
            try
            {
                using var r = await agent.Health.GetAsync(new Uri("/ready", UriKind.Relative));
                return r.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0;
            }
        }
        async Task Fault(string json)
        {
            using var r = await api.PutAsync(new Uri("/sim/faults", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
            r.EnsureSuccessStatusCode();
        }

        try
        {
            await Wait.UntilAsync(async () => await Ready() == HttpStatusCode.OK, "the node agent ready");

            await Fault("""{"kubeletStatus":403}""");
            await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_kubelet_errors_total{kind=\"forbidden\"}") > 0, "a forbidden error counted");
            await Wait.UntilAsync(async () => await Ready() == HttpStatusCode.InternalServerError, "not ready (500, like the Datadog agents) while forbidden");
            await Fault("{}");
            var before = await Collections();
            await Wait.UntilAsync(async () => await Collections() > before && await Ready() == HttpStatusCode.OK, "collection resumed after 403");

            await Fault("""{"kubeletMalformed":true}""");
            await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_kubelet_errors_total{kind=\"malformed\"}") > 0, "malformed JSON counted");
            await Fault("{}");
            before = await Collections();
            await Wait.UntilAsync(async () => await Collections() > before, "collection resumed after malformed JSON");

            Assert.Contains(agent.Process.Stderr, l => l.Contains("403 Forbidden", StringComparison.Ordinal) && l.Contains("nodes/proxy", StringComparison.Ordinal));
            Assert.Contains(agent.Process.Stderr, l => l.Contains("malformed JSON", StringComparison.Ordinal));
            Assert.Contains(agent.Process.Stderr, l => l.Contains("answering again", StringComparison.Ordinal));
            Assert.False(agent.Process.HasExited);
        }
        catch
        {
            Dump(agent.Process);
            throw;
        }
    }

    [Fact]
    public async Task OpenMetrics_PassesPromtool_AndARealPrometheusScrapesIt()
    {
        var prometheus = FindOnPath("prometheus") ?? throw new InvalidOperationException("prometheus is not installed: ./dev test installs the Debian package");
        var promtool = FindOnPath("promtool") ?? throw new InvalidOperationException("promtool is not installed: ./dev test installs the Debian package");
        await using var cluster = await SimulatedCluster.StartAsync();
        var node = (await ServiceTruth.NodesAsync(cluster))[0];
        await using var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, 1, null,
            new Dictionary<string, string> { ["DD_CLUSTER_AGENT_ENABLED"] = "false", ["DD_API_KEY"] = "k", ["DD_DD_URL"] = "http://127.0.0.1:9/" });
        await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_pods") > 0, "a collection");
        // Two collections, so the counters behind the rates are there too.
        await Wait.UntilAsync(async () => await agent.MetricAsync("dca_node_collections_total") >= 2, "two collections");
        var text = await agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var check = await RunAsync(promtool, ["check", "metrics"], text);
        Assert.True(check.ExitCode == 0 && check.Output.Trim().Length == 0, "promtool check metrics:\n" + check.Output);

        var dir = Directory.CreateTempSubdirectory("dca-prom-").FullName;
        var webPort = FreePort.Next();
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: dca-node
                static_configs:
                  - targets: ["127.0.0.1:{agent.MetricsPort}"]
            """);
        using var server = Process.Start(new ProcessStartInfo(prometheus,
            [$"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{webPort}"])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
        server.ErrorDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}") };
            double? value = null;
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/query?query=sum(kubernetes_pods_running)", UriKind.Relative)));
                    var result = doc.RootElement.GetProperty("data").GetProperty("result");
                    value = result.GetArrayLength() == 1 ? double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) : null;
                    return value is not null;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "Prometheus to scrape dca-node", TimeSpan.FromSeconds(60));

            // Every simulated pod on the node runs.
            Assert.Equal(await agent.MetricAsync("dca_node_pods"), value);
            using var up = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/query?query=up{job=%22dca-node%22}", UriKind.Relative)));
            Assert.Equal("1", up.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string stdin)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
