using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>The running system: two <c>dca</c> replicas, one <c>dca-node</c>, the simulator and Datadog's stand-ins.</summary>
public sealed partial class SecretsProcessTests
{
    /// <summary>A replica with the ports this test talks to.</summary>
    private sealed record Replica(DcaReplica Dca, string Address, int HealthPort, int ExternalMetricsPort);

    [Fact]
    public async Task EverythingRunningAtTrace_WithProvokedErrors_ShowsNoSecretAnywhere()
    {
        var scan = new SecretScan(s_secrets);
        await using var intake = await TestIntake.StartAsync();
        await using var datadog = await FakeDatadogQueryApi.StartAsync(ApiKey, AppKey);
        datadog.Values[Query] = 42;
        datadog.Values[MetricQuery] = 7;
        await using var cluster = await SimulatedCluster.StartAsync("small",
            "--token", $"{SimToken},dca-node={KubeletToken}", "--events", "2", "--log-level", "trace");
        using var sim = cluster.ApiClient();
        using var frontProxy = ExternalMetricsProcessTests.PublishFrontProxyCa(cluster);
        var commandPort = FreePort.Next();
        Kubectl(cluster, "apply", "-f", Write(cluster, "endpoints.yaml", $$"""
            apiVersion: v1
            kind: Endpoints
            metadata: {name: datadog-cluster-agent, namespace: default}
            subsets:
              - addresses:
                  - {ip: {{Address0}}, targetRef: {kind: Pod, name: dca-0, namespace: default} }
                  - {ip: {{Address1}}, targetRef: {kind: Pod, name: dca-1, namespace: default} }
                ports: [{name: agentport, port: {{commandPort}} }]
            """), "-f", Path.Combine(Manifests.Root, "deploy", "crds", "datadoghq.com_datadogmetrics.yaml"));
        Kubectl(cluster, "apply", "-f", Write(cluster, "datadogmetric.yaml", $$"""
            apiVersion: datadoghq.com/v1alpha1
            kind: DatadogMetric
            metadata: {name: secrets-metric, namespace: default}
            spec: {query: '{{MetricQuery}}'}
            """));
        using var checkTarget = new TcpListener(IPAddress.Loopback, 0);
        checkTarget.Start();
        using var stopTarget = new CancellationTokenSource();
        var accepting = AcceptAndCloseAsync(checkTarget, stopTarget.Token);
        var confd = Directory.CreateDirectory(Path.Combine(cluster.Directory, "confd")).FullName;
        File.WriteAllText(Path.Combine(confd, "tcp_check.yaml"), string.Create(CultureInfo.InvariantCulture,
            $"cluster_check: true\ninit_config:\ninstances:\n  - name: db\n    host: 127.0.0.1\n    port: {((IPEndPoint)checkTarget.LocalEndpoint).Port}\n    min_collection_interval: 1\n"));
        var kubeletTokenFile = Write(cluster, "node-token", KubeletToken);

        var replicas = new[]
        {
            StartReplica(cluster, "dca-0", Address0, json: false, intake.BaseUri, datadog.BaseUri, commandPort),
            StartReplica(cluster, "dca-1", Address1, json: true, intake.BaseUri, datadog.BaseUri, commandPort),
        };
        NodeAgentProcess? agent = null;
        NodeAgentProcess? refusedAgent = null;
        NativeProcess? refused = null;
        try
        {
            var elected = await DcaReplica.OneLeaderAsync([.. replicas.Select(r => r.Dca)]);
            var leader = replicas.Single(r => r.Dca == elected);
            var follower = replicas.Single(r => r != leader);
            var nodes = await ServiceTruth.NodesAsync(cluster);
            var node = nodes[0];
            agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, commandPort, intake, new Dictionary<string, string>
            {
                ["DD_CLUSTER_AGENT_URL"] = $"https://dd:{UrlPassword}@{follower.Address}:{commandPort}",
                ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
                ["DD_API_KEY"] = ApiKey,
                ["DD_DD_URL"] = WithPassword(intake.BaseUri),
                ["DD_KUBELET_AUTH_TOKEN_PATH"] = kubeletTokenFile,
                ["DD_EXTRA_CONFIG_PROVIDERS"] = "clusterchecks",
                ["DD_AUTOSCALING_FAILOVER_ENABLED"] = "true",
                ["DD_CLUSTER_NAME"] = "secrets",
                ["DD_LOG_LEVEL"] = "trace",
            });

            // 1. Everything works: events shipped, the node agent tagging, a check dispatched and run, external metrics answered.
            var timeout = TimeSpan.FromSeconds(60);
            await Wait.UntilAsync(() => intake.Requests.Any(r => r.Path == "/api/v1/events"), "events at the intake", timeout);
            await Wait.UntilAsync(() => intake.Requests.Any(r => r.Path == "/api/v2/series" && r.Body.Contains("kube_service:", StringComparison.Ordinal)),
                "series tagged with kube_service", timeout);
            await Wait.UntilAsync(() => intake.Requests.Any(r => r.Path == "/api/v1/check_run" && r.Body.Contains("tcp.can_connect", StringComparison.Ordinal)),
                "the dispatched tcp check's service check", timeout);
            using var leaderMetrics = ExternalMetricsProcessTests.Client(leader.ExternalMetricsPort, frontProxy, leader.Address);
            using var followerMetrics = ExternalMetricsProcessTests.Client(follower.ExternalMetricsPort, frontProxy, follower.Address);
            var nginx = "nginx.net.request_per_s?labelSelector=kube_container_name%3Dnginx";
            await Wait.UntilAsync(async () => (await ExternalMetricAsync(leaderMetrics, nginx)).Status == HttpStatusCode.OK, "the Datadog metric's value", timeout);
            await Wait.UntilAsync(async () => (await ExternalMetricAsync(followerMetrics, "datadogmetric@default:secrets-metric")).Status == HttpStatusCode.OK,
                "the DatadogMetric's value from the follower", timeout);
            Assert.All(intake.Requests, r => Assert.Equal(ApiKey, r.ApiKey));

            // 2. Errors that tend to echo secrets.
            await CallCommandPortsAsync(scan, replicas, commandPort, node.Name);
            await CallExternalMetricsAsync(scan, replicas, frontProxy);
            await SendMalformedRequestsAsync(scan, replicas, commandPort, cluster);
            await DatadogRefusesAsync(scan, datadog, leaderMetrics, followerMetrics, sim);
            await IntakeRefusesAsync(intake);
            await KubeletRefusesAsync(sim, agent, kubeletTokenFile);
            await ApiServerFailsAsync(sim, replicas);
            refused = await StartWithWrongApiTokenAsync(cluster);
            refusedAgent = await StartNodeAgentWithWrongTokenAsync(cluster, nodes[1], leader, commandPort, kubeletTokenFile);
            await RunCommandsAsync(scan, commandPort, node.Name);

            // 3. What the agents wrote and serve once things settle again.
            await DcaReplica.OneLeaderAsync([.. replicas.Select(r => r.Dca)]);
            await CollectServedAsync(scan, replicas, agent, commandPort, sim);
        }
        catch (TimeoutException)
        {
            foreach (var (name, process) in Processes())
            {
                foreach (var line in process.Stderr.TakeLast(25))
                {
                    output.WriteLine($"{name}: {Masked(line)}");
                }
            }
            throw;
        }
        finally
        {
            await stopTarget.CancelAsync();
            checkTarget.Stop();
            await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            foreach (var (name, process) in Processes())
            {
                // SIGTERM: the shutdown lines count too.
                try
                {
                    await process.TerminateAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    // Killed when disposed; its output so far is searched all the same.
                }
                scan.AddLines($"{name}: stdout", process.Stdout);
                scan.AddLines($"{name}: stderr", process.Stderr);
                output.WriteLine($"{name}: {process.Stdout.Count} stdout lines, {process.Stderr.Count} stderr lines" +
                    (process.Stderr.FirstOrDefault(l => l.Contains("401", StringComparison.Ordinal) && l.Contains("nauthorized", StringComparison.Ordinal)) is { } refusal
                        ? "; first 401: " + Masked(refusal) : ""));
            }
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }
            if (refused is not null)
            {
                await refused.DisposeAsync();
            }
            if (refusedAgent is not null)
            {
                await refusedAgent.DisposeAsync();
            }
            foreach (var replica in replicas)
            {
                await replica.Dca.DisposeAsync();
            }
        }
        foreach (var (path, _, encoding, body) in intake.Requests)
        {
            scan.Add($"intake received {path} ({encoding})", body);
        }
        scan.AddLines("query API received", datadog.Requests.Select(batch => string.Join(',', batch)));
        AssertNoSecret(scan);

        IEnumerable<(string Name, NativeProcess Process)> Processes()
        {
            if (agent is not null)
            {
                yield return ("dca-node", agent.Process);
            }
            if (refused is not null)
            {
                yield return ("dca with a wrong API server token", refused);
            }
            if (refusedAgent is not null)
            {
                yield return ("dca-node with a nearly right token", refusedAgent.Process);
            }
            foreach (var replica in replicas)
            {
                yield return (replica.Dca.Name, replica.Dca.Process);
            }
            yield return ("dca-sim", cluster.Process);
        }
    }

    private static Replica StartReplica(SimulatedCluster cluster, string name, string address, bool json, Uri intake, Uri datadog, int commandPort)
    {
        var health = FreePort.Next();
        var externalMetrics = FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
            ["DD_HEALTH_PORT"] = health.ToString(CultureInfo.InvariantCulture),
            ["DD_LOG_LEVEL"] = "trace",
            ["DD_LOG_FORMAT_JSON"] = json ? "true" : "false",
            ["DD_CLUSTER_NAME"] = "secrets",
            ["DD_COLLECT_KUBERNETES_EVENTS"] = "true",
            ["DD_CHECK_INTERVAL"] = "1",
            ["DD_API_KEY"] = ApiKey,
            ["DD_DD_URL"] = WithPassword(intake),
            ["DD_CLUSTER_CHECKS_ENABLED"] = "true",
            ["DD_CLUSTER_CHECKS_WARMUP_DURATION"] = "1s",
            ["DD_CONFD_PATH"] = Path.Combine(cluster.Directory, "confd"),
            ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = externalMetrics.ToString(CultureInfo.InvariantCulture),
            ["DCA_EXTERNAL_METRICS_BACKEND"] = "datadog",
            ["DD_APP_KEY"] = AppKey,
            ["DD_EXTERNAL_METRICS_PROVIDER_ENDPOINT"] = WithPassword(datadog),
            ["DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_REFRESH_PERIOD"] = "1",
            ["DCA_EXTERNAL_METRICS_TOKEN_REVIEW"] = "true",
        };
        return new Replica(DcaReplica.Start(cluster, name, 4, env, commandPort, bindHost: address), address, health, externalMetrics);
    }
}
