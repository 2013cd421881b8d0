using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>The errors the running test provokes, and what it collects.</summary>
public sealed partial class SecretsProcessTests
{
    private const string ExternalMetricsBase = "/apis/external.metrics.k8s.io/v1beta1";

    /// <summary>Authorization headers a confused or hostile client sends (null: none).</summary>
    private static readonly (string Name, string? Header)[] s_authorizations =
    [
        ("no Authorization", null),
        ("a wrong token", "Bearer wrongTokenOfTheRightLength0000000000"),
        ("the token but its last character", "Bearer " + NearlyRight(Token)),
        ("the token without a scheme", Token),
        ("the token and an extra part", "Bearer " + Token + " extra"),
        ("a lower-case scheme", "bearer " + Token),
        ("the token as Basic credentials", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("dd:" + Token))),
        ("the token cut short", "Bearer " + Token[..20]),
        ("the right token", "Bearer " + Token),
    ];

    /// <summary>Node-agent API calls, some leader-only (the follower forwards them with the token), some malformed.</summary>
    private static (string Method, string Path, string? Body)[] CommandRequests(string node) =>
    [
        ("GET", "/version", null),
        ("GET", "/api/v1/tags/pod/" + node, null),
        ("GET", "/status", null),
        ("GET", "/api/v1/clusterchecks/configs/secrets-node", null),
        ("POST", "/api/v1/clusterchecks/status/secrets-node", "{not json"),
        ("POST", "/api/v2/series", "garbage"),
        ("GET", "/api/v1/externalmetrics/default/no.such.metric", null),
        ("GET", "/api/v1/no/such/route", null),
    ];

    private static async Task CallCommandPortsAsync(SecretScan scan, IEnumerable<Replica> replicas, int commandPort, string node)
    {
        foreach (var replica in replicas)
        {
            using var http = InsecureClient(new Uri($"https://{replica.Address}:{commandPort}"));
            foreach (var (name, header) in s_authorizations)
            {
                foreach (var (method, path, body) in CommandRequests(node))
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (header is not null)
                    {
                        request.Headers.TryAddWithoutValidation("Authorization", header);
                    }
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    }
                    await CaptureAsync(scan, $"{replica.Dca.Name} {method} {path} with {name}", http, request);
                }
            }
        }
    }

    /// <summary>
    /// Requests whose raw text holds a token in a malformed Authorization line (Kestrel refuses the first with 400): an Authorization line without its colon, and
    /// one with a control character, to every HTTPS port (the command ports, the external metrics ports, the API server).
    /// </summary>
    private static async Task SendMalformedRequestsAsync(SecretScan scan, IEnumerable<Replica> replicas, int commandPort, SimulatedCluster cluster)
    {
        var targets = replicas.SelectMany(r => new[] { (r.Dca.Name + " command port", r.Address, commandPort, Token), (r.Dca.Name + " external metrics port", r.Address, r.ExternalMetricsPort, SimToken) })
            .Append(("API server", cluster.Api.Host, cluster.Api.Port, SimToken));
        foreach (var (name, host, port, token) in targets)
        {
            foreach (var (what, line) in new[] { ("without its colon", $"Authorization Bearer {token}"), ("with a control character", $"Authorization: Bearer {token}\u0001") })
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(host, port);
                await using var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                });
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /version HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{line}\r\n\r\n"));
                using var reader = new StreamReader(tls);
                var answer = await reader.ReadToEndAsync().WithTimeout();
                scan.Add($"{name}: a malformed Authorization line {what}", answer);
            }
        }
    }

    private static async Task CallExternalMetricsAsync(SecretScan scan, IEnumerable<Replica> replicas, X509Certificate2 frontProxy)
    {
        foreach (var replica in replicas)
        {
            using (var trusted = ExternalMetricsProcessTests.Client(replica.ExternalMetricsPort, frontProxy, replica.Address))
            {
                foreach (var path in new[] { "", "/namespaces/default/no.such.metric", "/namespaces/default/m?labelSelector=zone+in+(a,b)", "/namespaces/default/datadogmetric@default:absent" })
                {
                    await CaptureAsync(scan, $"{replica.Dca.Name} external metrics {path} (front proxy)", trusted, new HttpRequestMessage(HttpMethod.Get, ExternalMetricsBase + path));
                }
            }
            using var bearer = InsecureClient(new Uri($"https://{replica.Address}:{replica.ExternalMetricsPort}"));
            foreach (var (name, header) in new (string, string?)[]
            {
                ("no credentials", null),
                ("the API server token", "Bearer " + SimToken),
                ("the API server token but its last character", "Bearer " + NearlyRight(SimToken)),
                ("the kubelet identity's token", "Bearer " + KubeletToken),
                ("the API server token without a scheme", SimToken),
            })
            {
                var request = new HttpRequestMessage(HttpMethod.Get, ExternalMetricsBase + "/namespaces/default/nginx.net.request_per_s");
                if (header is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", header);
                }
                await CaptureAsync(scan, $"{replica.Dca.Name} external metrics with {name}", bearer, request);
            }
        }
    }

    /// <summary>The query API refuses the keys (403), rate limits (429) and fails (500); a new metric asked meanwhile shows each error.</summary>
    private static async Task DatadogRefusesAsync(SecretScan scan, FakeDatadogQueryApi datadog, HttpClient leaderMetrics, HttpClient followerMetrics, HttpClient sim)
    {
        foreach (var (status, metric, shows) in new[]
        {
            (HttpStatusCode.Forbidden, "secrets.refused", "refused the API key"),
            (HttpStatusCode.TooManyRequests, "secrets.limited", "rate limited"),
            (HttpStatusCode.InternalServerError, "secrets.failing", "answered 500"),
        })
        {
            for (var i = 0; i < 1000; i++)
            {
                datadog.Failures.Enqueue(status);
            }
            var body = "";
            await Wait.UntilAsync(async () => (body = (await ExternalMetricAsync(leaderMetrics, metric)).Body).Contains(shows, StringComparison.Ordinal),
                $"the external metric {metric} to show Datadog's {(int)status}");
            scan.Add($"leader: external metric {metric} while Datadog answers {(int)status}", body);
            if (status != HttpStatusCode.TooManyRequests)
            {
                // The endpoint is named, without its URL's credentials.
                Assert.Contains("Datadog at http://***@127.0.0.1:", body, StringComparison.Ordinal);
            }
            await Wait.UntilAsync(async () => (body = (await ExternalMetricAsync(followerMetrics, "datadogmetric@default:secrets-metric")).Body).Contains(shows, StringComparison.Ordinal),
                $"the DatadogMetric's status to show Datadog's {(int)status}");
            scan.Add($"follower: DatadogMetric while Datadog answers {(int)status}", body);
            scan.Add($"the DatadogMetric object while Datadog answers {(int)status}",
                await sim.GetStringAsync(new Uri("/apis/datadoghq.com/v1alpha1/namespaces/default/datadogmetrics/secrets-metric", UriKind.Relative)));
            datadog.Failures.Clear();
        }
        await Wait.UntilAsync(async () => (await ExternalMetricAsync(followerMetrics, "datadogmetric@default:secrets-metric")).Status == HttpStatusCode.OK,
            "the DatadogMetric to recover");
    }

    /// <summary>The intake refuses the key once (403), rate limits once (429) and fails once (500).</summary>
    private static async Task IntakeRefusesAsync(TestIntake intake)
    {
        intake.Failures.Enqueue((HttpStatusCode.Forbidden, null));
        intake.Failures.Enqueue((HttpStatusCode.TooManyRequests, 1));
        intake.Failures.Enqueue((HttpStatusCode.InternalServerError, null));
        await Wait.UntilAsync(() => intake.Failures.IsEmpty, "the intake's three refusals to be answered");
        var answered = intake.Requests.Count;
        await Wait.UntilAsync(() => intake.Requests.Count > answered + 2, "the intake to take payloads again");
    }

    /// <summary>The kubelet refuses the node agent (403), then rejects a token differing in its last character (401).</summary>
    private static async Task KubeletRefusesAsync(HttpClient sim, NodeAgentProcess agent, string tokenFile)
    {
        int Lines(string text) => agent.Process.Stderr.Count(l => l.Contains(text, StringComparison.Ordinal));
        // The kubelet's refusals, not the intake's (its 403s are in the same log).
        int Refusals(string status) => agent.Process.Stderr.Count(l => l.Contains("Kubelet: kubelet ", StringComparison.Ordinal) && l.Contains("answered " + status, StringComparison.Ordinal));
        var recovered = Lines("answering again");
        await FaultsAsync(sim, """{"kubeletStatus":403}""");
        await Wait.UntilAsync(() => Refusals("403") > 0, "the node agent to meet the kubelet's 403");
        await FaultsAsync(sim, """{"kubeletStatus":0}""");
        await Wait.UntilAsync(() => Lines("answering again") > recovered, "the node agent to collect again after the 403");
        recovered = Lines("answering again");
        File.WriteAllText(tokenFile, NearlyRight(KubeletToken));
        await Wait.UntilAsync(() => Refusals("401") > 0, "the node agent to meet the kubelet's 401");
        File.WriteAllText(tokenFile, KubeletToken);
        await Wait.UntilAsync(() => Lines("answering again") > recovered, "the node agent to collect again after the 401");
    }

    /// <summary>The API server answers a share of requests 429, 500 and 503 until the leader has met them.</summary>
    private static async Task ApiServerFailsAsync(HttpClient sim, IEnumerable<Replica> replicas)
    {
        bool Met(string text) => replicas.Any(r => r.Dca.Process.Stderr.Any(l => l.Contains(text, StringComparison.Ordinal)));
        await FaultsAsync(sim, """{"errorRate":0.3,"throttleRate":0.3,"retryAfterSeconds":1}""");
        try
        {
            // The Kubernetes client's retries ("answered 429; retry ..."), not the intake's ("answered 429 Too Many Requests").
            await Wait.UntilAsync(() => Met("answered 429; retry") && (Met("answered 500; retry") || Met("answered 503; retry")), "the agents to meet the API server's 429 and 5xx");
        }
        finally
        {
            await FaultsAsync(sim, """{"errorRate":0,"throttleRate":0}""");
        }
    }

    /// <summary>
    /// A third <c>dca</c> whose kubeconfig token differs from the API server's in its last character (401s), and whose
    /// server URL carries credentials.
    /// </summary>
    private static async Task<NativeProcess> StartWithWrongApiTokenAsync(SimulatedCluster cluster)
    {
        var kubeconfig = Write(cluster, "wrong-kubeconfig", File.ReadAllText(cluster.Kubeconfig)
            .Replace(SimToken, NearlyRight(SimToken), StringComparison.Ordinal)
            .Replace("://" + cluster.Api.Authority, $"://dd:{UrlPassword}@{cluster.Api.Authority}", StringComparison.Ordinal));
        var process = NativeProcess.Start("dca", ["--kubeconfig", kubeconfig], new Dictionary<string, string>
        {
            ["DD_BIND_HOST"] = "127.0.0.1",
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
            ["DD_API_KEY"] = ApiKey,
            ["DD_APP_KEY"] = AppKey,
            ["DD_HEALTH_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_CMD_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["DD_METRICS_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["DD_LOG_LEVEL"] = "trace",
        });
        await Wait.UntilAsync(() => process.Stderr.Any(l => l.Contains("401", StringComparison.Ordinal) && l.Contains("nauthorized", StringComparison.Ordinal)) || process.HasExited,
            "the API server to refuse the wrong token");
        await Wait.UntilAsync(() => process.Stderr.Any(l => l.Contains($"https://***@{cluster.Api.Authority}", StringComparison.Ordinal)) || process.HasExited,
            "the API server's URL to be named without its credentials");
        return process;
    }

    /// <summary>A second node agent whose cluster agent token differs from the right one in its last character: 403s.</summary>
    private static async Task<NodeAgentProcess> StartNodeAgentWithWrongTokenAsync(SimulatedCluster cluster, (string Name, string Address) node, Replica replica,
        int commandPort, string kubeletTokenFile)
    {
        var agent = NodeAgentProcess.Start(cluster, node.Name, node.Address, commandPort, null, new Dictionary<string, string>
        {
            ["DD_CLUSTER_AGENT_URL"] = $"https://{replica.Address}:{commandPort}",
            ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = NearlyRight(Token),
            ["DD_KUBELET_AUTH_TOKEN_PATH"] = kubeletTokenFile,
            ["DD_EXTRA_CONFIG_PROVIDERS"] = "clusterchecks",
            ["DD_LOG_LEVEL"] = "trace",
        });
        await Wait.UntilAsync(() => agent.Process.Stderr.Any(l => l.Contains("answered 403", StringComparison.Ordinal) && l.Contains("DD_CLUSTER_AGENT_AUTH_TOKEN", StringComparison.Ordinal)),
            "the cluster agent to refuse the node agent's nearly right token");
        return agent;
    }

    /// <summary><c>dca status</c> and <c>dca metamap</c> with the right token and with one differing in its last character.</summary>
    private static async Task RunCommandsAsync(SecretScan scan, int commandPort, string node)
    {
        foreach (var (name, token, args, exitCode) in new (string, string, string[], int)[]
        {
            ("the right token", Token, ["status"], 0),
            ("the right token", Token, ["metamap"], 0),
            ("the right token", Token, ["metamap", node], 0),
            ("the token but its last character", NearlyRight(Token), ["status"], 1),
            ("the token but its last character", NearlyRight(Token), ["metamap", node], 1),
        })
        {
            var (code, stdout, stderr) = await NativeProcess.RunAsync("dca", args, new Dictionary<string, string>
            {
                ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = token,
                ["DD_CLUSTER_AGENT_CMD_PORT"] = commandPort.ToString(CultureInfo.InvariantCulture),
                ["DD_LOG_LEVEL"] = "trace",
            });
            var where = $"dca {string.Join(' ', args)} with {name}";
            scan.Add(where + ": stdout", stdout);
            scan.Add(where + ": stderr", stderr);
            Assert.True(code == exitCode, $"{where}: exit code {code}, stderr: {Masked(stderr)}");
        }
    }
}
