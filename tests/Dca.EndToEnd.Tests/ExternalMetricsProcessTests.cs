using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 10, the embedded backend end to end with the native binaries: <c>dca-node</c> collects its kubelet's
/// stats and pushes the autoscaling series to <c>dca</c>; <c>dca</c> serves them on its external metrics API to a
/// client holding the front-proxy certificate (the CA published with the real kubectl in
/// <c>kube-system/extension-apiserver-authentication</c>, as kube-apiserver does). The served value follows the
/// simulated kubelet's within a collection and a push; a client without the certificate is refused.
/// </summary>
public sealed class ExternalMetricsProcessTests
{
    [Fact]
    public async Task KubeletValues_FollowThroughTheNodeAgent_ToTheExternalMetricsApi()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        using var frontProxy = PublishFrontProxyCa(cluster);
        var port = FreePort.Next();
        await using var dca = DcaReplica.Start(cluster, "dca-0", 4, new Dictionary<string, string>
        {
            ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        });
        await DcaReplica.OneLeaderAsync([dca]);
        var node = (await ServiceTruth.NodesAsync(cluster))[0];
        await using var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, dca.CommandPort, null,
            new Dictionary<string, string> { ["DD_AUTOSCALING_FAILOVER_ENABLED"] = "true" });

        // One container of one pod on that node, as its kubelet reports it.
        var (pod, container, _) = await KubeletMemoryAsync(cluster, node.Address, null, null);
        var path = $"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/kubernetes.memory.usage?labelSelector=" +
            Uri.EscapeDataString($"pod_name={pod},kube_container_name={container}");

        using var authorized = Client(port, frontProxy);
        using var anonymous = Client(port, null);
        JsonElement item = default;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                using var response = await authorized.GetAsync(new Uri(path, UriKind.Relative));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
                item = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items")[0].Clone();
                return true;
            }
            catch (HttpRequestException)
            {
                // The external metrics port is not listening yet.
                return false;
            }
        }, "the node agent's memory series to be served", TimeSpan.FromSeconds(60));

        // The served value follows the kubelet's: twice, seconds apart, within a collection (1 s) and a push.
        var firstStamp = item.GetProperty("timestamp").GetDateTime();
        foreach (var round in new[] { 0, 1 })
        {
            if (round == 1)
            {
                await Wait.UntilAsync(async () =>
                {
                    using var response = await authorized.GetAsync(new Uri(path, UriKind.Relative));
                    item = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items")[0].Clone();
                    return item.GetProperty("timestamp").GetDateTime() >= firstStamp.AddSeconds(3);
                }, "a newer value", TimeSpan.FromSeconds(30));
            }
            var (_, _, kubelet) = await KubeletMemoryAsync(cluster, node.Address, pod, container);
            var served = ParseQuantity(item.GetProperty("value").GetString()!);
            Assert.True(Math.Abs(served - kubelet) / kubelet < 0.02, $"served {served}, kubelet {kubelet}");
            Assert.True(DateTime.UtcNow - item.GetProperty("timestamp").GetDateTime().ToUniversalTime() < TimeSpan.FromSeconds(5), "the served value is fresh");
        }

        // Without the front-proxy certificate: refused with a Status.
        using var refused = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("no client certificate", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Two replicas (leader election, on 127.0.0.2 and 127.0.0.3 with one command port and one metrics API port,
    /// found through their Service's Endpoints as in a cluster); the node agent pushes to the follower, and the
    /// follower's external metrics API answers: both are relayed to the leader, which holds the series.
    /// </summary>
    [Fact]
    public async Task Followers_RelayToTheLeader_BothThePushAndTheQuery()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        using var frontProxy = PublishFrontProxyCa(cluster);
        var commandPort = FreePort.Next();
        var metricsPort = FreePort.Next();
        var endpoints = Path.Combine(cluster.Directory, "dca-endpoints.yaml");
        File.WriteAllText(endpoints, """
            apiVersion: v1
            kind: Endpoints
            metadata: {name: datadog-cluster-agent, namespace: default}
            subsets:
              - addresses:
                  - {ip: 127.0.0.2, targetRef: {kind: Pod, name: dca-0, namespace: default}}
                  - {ip: 127.0.0.3, targetRef: {kind: Pod, name: dca-1, namespace: default}}
                ports: [{name: agentport, port: 5005}]
            """);
        var (code, stdout, stderr) = Manifests.Run("kubectl", ["--kubeconfig", cluster.Kubeconfig, "apply", "-f", endpoints]);
        Assert.True(code == 0, $"kubectl apply failed: {stdout} {stderr}");
        var settings = new Dictionary<string, string>
        {
            ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        };
        await using var dca0 = DcaReplica.Start(cluster, "dca-0", 4, settings, commandPort, bindHost: "127.0.0.2");
        await using var dca1 = DcaReplica.Start(cluster, "dca-1", 4, settings, commandPort, bindHost: "127.0.0.3");
        var leader = await DcaReplica.OneLeaderAsync([dca0, dca1]);
        var followerAddress = leader == dca0 ? "127.0.0.3" : "127.0.0.2";
        var node = (await ServiceTruth.NodesAsync(cluster))[0];
        await using var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, commandPort, null, new Dictionary<string, string>
        {
            ["DD_AUTOSCALING_FAILOVER_ENABLED"] = "true",
            ["DD_CLUSTER_AGENT_URL"] = $"https://{followerAddress}:{commandPort}",
        });
        using var follower = Client(metricsPort, frontProxy, followerAddress);
        var path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/kubernetes.memory.usage?labelSelector=" + Uri.EscapeDataString("host=" + node.Name);
        JsonElement list = default;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                using var response = await follower.GetAsync(new Uri(path, UriKind.Relative));
                list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                // The follower's external metrics port is not listening yet.
                return false;
            }
        }, "the follower to answer with the leader's values", TimeSpan.FromSeconds(60));
        Assert.Equal("kubernetes.memory.usage", list.GetProperty("items")[0].GetProperty("metricName").GetString());
        Assert.True(ParseQuantity(list.GetProperty("items")[0].GetProperty("value").GetString()!) > 0);
    }

    /// <summary>A front-proxy CA published as kube-apiserver publishes it (with the real kubectl), and a client certificate it signed.</summary>
    internal static X509Certificate2 PublishFrontProxyCa(SimulatedCluster cluster)
    {
        using var ca = TestCertificates.Authority("front-proxy-ca");
        var manifest = Path.Combine(cluster.Directory, "extension-apiserver-authentication.yaml");
        File.WriteAllText(manifest, $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: extension-apiserver-authentication
              namespace: kube-system
            data:
              requestheader-allowed-names: '["front-proxy-client"]'
              requestheader-username-headers: '["X-Remote-User"]'
              requestheader-group-headers: '["X-Remote-Group"]'
              requestheader-client-ca-file: |
            {string.Join('\n', ca.ExportCertificatePem().Split('\n').Select(l => "    " + l))}
            """);
        var (code, stdout, stderr) = Manifests.Run("kubectl", ["--kubeconfig", cluster.Kubeconfig, "apply", "-f", manifest]);
        Assert.True(code == 0, $"kubectl apply failed: {stdout} {stderr}");
        return TestCertificates.Client("front-proxy-client", ca);
    }

    internal static HttpClient Client(int port, X509Certificate2? certificate, string host = "127.0.0.1")
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        var http = new HttpClient(handler) { BaseAddress = new Uri($"https://{host}:{port}") };
        http.DefaultRequestHeaders.Add("X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler");
        return http;
    }

    /// <summary>A container's memory usage from the kubelet's /stats/summary (the first one when <paramref name="pod"/> is null).</summary>
    private static async Task<(string Pod, string Container, double UsageBytes)> KubeletMemoryAsync(SimulatedCluster cluster, string address, string? pod, string? container)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cluster.Token);
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri($"https://{address}:{cluster.KubeletPort}/stats/summary")));
        foreach (var p in doc.RootElement.GetProperty("pods").EnumerateArray())
        {
            var name = p.GetProperty("podRef").GetProperty("name").GetString()!;
            if (pod is not null && name != pod || !p.TryGetProperty("containers", out var containers))
            {
                continue;
            }
            foreach (var c in containers.EnumerateArray())
            {
                var cname = c.GetProperty("name").GetString()!;
                if ((container is null || cname == container) && c.TryGetProperty("memory", out var memory) && memory.TryGetProperty("usageBytes", out var usage))
                {
                    return (name, cname, usage.GetDouble());
                }
            }
        }
        throw new InvalidOperationException($"no container {pod}/{container} with memory stats on {address}");
    }

    /// <summary>A Kubernetes quantity as the API writes our values: an integer, or thousandths with "m".</summary>
    private static double ParseQuantity(string quantity) => quantity.EndsWith('m')
        ? double.Parse(quantity[..^1], CultureInfo.InvariantCulture) / 1000
        : double.Parse(quantity, CultureInfo.InvariantCulture);
}
