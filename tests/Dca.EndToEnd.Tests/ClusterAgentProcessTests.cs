using System.Net;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

public class ClusterAgentProcessTests
{
    public const string Token = "e2e-token-0123456789abcdef0123456789";

    private static Dictionary<string, string> Ports(out int health)
    {
        health = FreePort.Next();
        return new()
        {
            ["DD_BIND_HOST"] = "127.0.0.1",
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
            ["DD_HEALTH_PORT"] = health.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_CMD_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DD_METRICS_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    [Fact]
    public async Task Dca_AgainstSimulator_BecomesReadyAndStopsOnSigterm()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var env = Ports(out var health);
        await using var dca = NativeProcess.Start("dca", ["--kubeconfig", cluster.Kubeconfig], env);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}") };

        await Wait.UntilAsync(async () =>
        {
            try
            {
                using var r = await http.GetAsync(new Uri("/ready", UriKind.Relative));
                return r.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "dca /ready");
        using var live = await http.GetAsync(new Uri("/live", UriKind.Relative));
        var took = await dca.TerminateAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(0, dca.ExitCode);
        Assert.True(took < TimeSpan.FromSeconds(5), $"SIGTERM took {took}");
        Assert.Contains(dca.Stderr, l => l.Contains("Connected to the Kubernetes API", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dca_AgainstSimulator_AnswersNodeAgentRoutesOverTlsWithTheToken()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var env = Ports(out var health);
        var port = int.Parse(env["DD_CLUSTER_AGENT_CMD_PORT"], System.Globalization.CultureInfo.InvariantCulture);
        await using var dca = NativeProcess.Start("dca", ["--kubeconfig", cluster.Kubeconfig], env);
        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}") };
        await Wait.UntilAsync(async () =>
        {
            try
            {
                using var r = await probe.GetAsync(new Uri("/ready", UriKind.Relative));
                return r.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "dca /ready");
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var api = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };

        using var anonymous = await api.GetAsync(new Uri("/api/v1/tags/pod/node-00001", UriKind.Relative));
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        var version = await api.GetStringAsync(new Uri("/version", UriKind.Relative));
        var bundle = await api.GetStringAsync(new Uri("/api/v1/tags/pod/node-00001", UriKind.Relative));
        var labels = await api.GetStringAsync(new Uri("/api/v1/tags/node/node-00001", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("{\"Major\":7,", version, StringComparison.Ordinal);
        Assert.StartsWith("{\"Nodes\":{\"node-00001\":{\"services\":{", bundle, StringComparison.Ordinal);
        Assert.Contains("\"kubernetes.io/hostname\":\"node-00001\"", labels, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dca_JsonLogs_WritesJsonLinesToStderr()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var env = Ports(out _);
        env["DD_LOG_FORMAT_JSON"] = "true";
        await using var dca = NativeProcess.Start("dca", ["--kubeconfig", cluster.Kubeconfig], env);

        await Wait.UntilAsync(() => dca.Stderr.Any(l => l.Contains("Connected to the Kubernetes API", StringComparison.Ordinal)), "the connected log line");
        await dca.TerminateAsync(TimeSpan.FromSeconds(10));

        Assert.All(dca.Stderr, line => System.Text.Json.JsonDocument.Parse(line).Dispose());
        // Standard output carries only the local sink's data (no DD_API_KEY): never a log line.
        Assert.All(dca.Stdout, line =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            Assert.Contains(doc.RootElement.GetProperty("kind").GetString(), new[] { "event", "service_check" });
        });
    }

    [Fact]
    public async Task Dca_UnusableKubeconfig_ExitsWithCode2NamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dca-e2e-missing-{Guid.NewGuid():N}");

        var (code, _, stderr) = await NativeProcess.RunAsync("dca", ["--kubeconfig", path],
            new Dictionary<string, string> { ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token });

        Assert.Equal(2, code);
        Assert.StartsWith($"dca: kubeconfig {path}: cannot be read", stderr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DcaNode_Sigterm_StopsWithinFiveSeconds()
    {
        var health = FreePort.Next();
        await using var node = NativeProcess.Start("dca-node", [], new Dictionary<string, string>
        {
            ["DD_BIND_HOST"] = "127.0.0.1",
            ["DD_HEALTH_PORT"] = health.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DD_OPENMETRICS_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_ENABLED"] = "false",
            // No kubelet there: collection fails and retries, which must not delay the stop.
            ["DD_KUBERNETES_KUBELET_HOST"] = "127.0.0.1",
            ["DD_KUBERNETES_HTTPS_KUBELET_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Wait.UntilAsync(() => node.Stderr.Any(l => l.Contains("started", StringComparison.Ordinal)), "dca-node to start");

        var took = await node.TerminateAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, node.ExitCode);
        Assert.True(took < TimeSpan.FromSeconds(5), $"SIGTERM took {took}");
    }
}
