using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Dca.EndToEnd.Tests;

/// <summary>What the running test collects, and the small things it needs to talk to the processes.</summary>
public sealed partial class SecretsProcessTests
{
    /// <summary>Self-metrics, health and status of every process, and the objects the agents wrote to the API server.</summary>
    private static async Task CollectServedAsync(SecretScan scan, IEnumerable<Replica> replicas, NodeAgentProcess agent, int commandPort, HttpClient sim)
    {
        foreach (var replica in replicas)
        {
            await CaptureAsync(scan, $"{replica.Dca.Name} /metrics", replica.Dca.Metrics, new HttpRequestMessage(HttpMethod.Get, "/metrics"));
            using var health = new HttpClient { BaseAddress = new Uri($"http://{replica.Address}:{replica.HealthPort}") };
            foreach (var path in new[] { "/live", "/ready", "/startup", "/other" })
            {
                await CaptureAsync(scan, $"{replica.Dca.Name} health {path}", health, new HttpRequestMessage(HttpMethod.Get, path));
            }
            using var command = InsecureClient(new Uri($"https://{replica.Address}:{commandPort}"));
            command.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            await CaptureAsync(scan, $"{replica.Dca.Name} /status", command, new HttpRequestMessage(HttpMethod.Get, "/status"));
        }
        await CaptureAsync(scan, "dca-node /metrics", agent.Metrics, new HttpRequestMessage(HttpMethod.Get, "/metrics"));
        foreach (var path in new[] { "/live", "/ready", "/startup", "/metrics", "/other" })
        {
            await CaptureAsync(scan, $"dca-node health {path}", agent.Health, new HttpRequestMessage(HttpMethod.Get, path));
        }
        foreach (var path in new[] { "/apis/datadoghq.com/v1alpha1/datadogmetrics", "/api/v1/configmaps", "/apis/coordination.k8s.io/v1/leases", "/sim/audit" })
        {
            await CaptureAsync(scan, "API server " + path, sim, new HttpRequestMessage(HttpMethod.Get, path));
        }
    }

    /// <summary>Sends <paramref name="request"/> and adds the answer (status, headers, body) or the failure to <paramref name="scan"/>.</summary>
    private static async Task CaptureAsync(SecretScan scan, string where, HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                scan.Add(where, $"{(int)response.StatusCode} {response.ReasonPhrase}\n{response.Headers}{response.Content.Headers}\n{body}");
            }
            catch (HttpRequestException e)
            {
                scan.Add(where, "request failed: " + e.Message);
            }
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> ExternalMetricAsync(HttpClient http, string metric)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(ExternalMetricsBase + "/namespaces/default/" + metric, UriKind.Relative));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            // The external metrics port is not listening yet.
            return (0, "");
        }
    }

    private static async Task FaultsAsync(HttpClient sim, string json)
    {
        using var response = await sim.PostAsync(new Uri("/sim/faults", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static HttpClient InsecureClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return new HttpClient(handler) { BaseAddress = baseAddress };
    }

    private static string WithPassword(Uri uri) => new UriBuilder(uri) { UserName = "dd", Password = UrlPassword }.Uri.ToString();

    private static string Write(SimulatedCluster cluster, string name, string content)
    {
        var path = Path.Combine(cluster.Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static void Kubectl(SimulatedCluster cluster, params string[] args)
    {
        var (code, stdout, stderr) = Manifests.Run("kubectl", ["--kubeconfig", cluster.Kubeconfig, .. args]);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} failed: {stdout} {Masked(stderr)}");
    }

    /// <summary>Accepts connections (the tcp check's target) and closes them at once.</summary>
    private static async Task AcceptAndCloseAsync(System.Net.Sockets.TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        }
    }
}
