using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dca.Testing;

namespace Dca.Chaos;

/// <summary>
/// Everything the fault matrix runs, all native and on loopback: <c>dca-sim</c> (small profile), a stand-in for
/// Datadog's intake, two <c>dca</c> replicas (leader election, events, cluster checks, external metrics; on
/// 127.0.0.2 and 127.0.0.3 with one command port, found through their Service's Endpoints as in a cluster) and a
/// <c>dca-node</c> per node (at most three) talking to the first replica, which forwards leader work.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    public const string Token = "chaos-token-0123456789abcdef0123456789";
    public const string ApiKey = "chaos-api-key-0123456789abcdef";
    public const int CheckCount = 4;
    private static readonly string[] s_replicaAddresses = ["127.0.0.2", "127.0.0.3"];

    private readonly string _directory;
    private readonly TcpListener _target = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    private Fleet(string directory) => _directory = directory;

    public TestIntake Intake { get; private set; } = null!;

    public NativeProcess Sim { get; private set; } = null!;

    /// <summary>The simulated API server, with the admin token (subject to the faults like any client).</summary>
    public HttpClient SimApi { get; private set; } = null!;

    public int CommandPort { get; } = FreePort.Next();

    public List<Replica> Replicas { get; } = [];

    public List<NodeAgent> Agents { get; } = [];

    /// <summary>The nodes that have a node agent.</summary>
    public List<string> Nodes { get; } = [];

    public sealed record Replica(string Name, string Address, NativeProcess Process, HttpClient Metrics, HttpClient Health, HttpClient Api);

    public sealed record NodeAgent(string Node, NativeProcess Process, HttpClient Health);

    public IEnumerable<NativeProcess> Processes => [Sim, .. Replicas.Select(r => r.Process), .. Agents.Select(a => a.Process)];

    public static async Task<Fleet> StartAsync()
    {
        var fleet = new Fleet(Directory.CreateTempSubdirectory("dca-chaos-").FullName);
        await fleet.StartAllAsync();
        return fleet;
    }

    private async Task StartAllAsync()
    {
        Intake = await TestIntake.StartAsync();
        _target.Start();
        _accepting = AcceptAsync(_stop.Token);
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        Sim = NativeProcess.Start("dca-sim", ["--profile", "small", "--kubeconfig-out", kubeconfig, "--churn", "1"]);
        var ready = await Sim.WaitForStdoutLineAsync(l => l.StartsWith("dca-sim ready ", StringComparison.Ordinal), "dca-sim to be ready");
        using var info = JsonDocument.Parse(ready["dca-sim ready ".Length..]);
        var kubeletPort = info.RootElement.GetProperty("kubeletPort").GetInt32();
        var lines = await File.ReadAllLinesAsync(kubeconfig);
        var simToken = Value(lines, "token: ");
        var caFile = Path.Combine(_directory, "ca.crt");
        await File.WriteAllBytesAsync(caFile, Convert.FromBase64String(Value(lines, "certificate-authority-data: ")));
        var tokenFile = Path.Combine(_directory, "kubelet-token");
        await File.WriteAllTextAsync(tokenFile, simToken);
        SimApi = Https(new Uri(info.RootElement.GetProperty("api").GetString()!), simToken);

        await PostAsync("/api/v1/namespaces/default/endpoints", LeaderEndpoints());
        var confd = Path.Combine(_directory, "conf.d", "tcp_check.d");
        Directory.CreateDirectory(confd);
        for (var i = 0; i < CheckCount; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(confd, $"chaos-{i}.yaml"), string.Create(CultureInfo.InvariantCulture,
                $"cluster_check: true\ninit_config:\ninstances:\n  - name: chaos-{i}\n    host: 127.0.0.1\n    port: {((IPEndPoint)_target.LocalEndpoint).Port}\n    min_collection_interval: 1\n"));
        }
        var emPort = FreePort.Next();
        for (var i = 0; i < s_replicaAddresses.Length; i++)
        {
            var address = s_replicaAddresses[i];
            int metrics = FreePort.Next(), health = FreePort.Next();
            var process = NativeProcess.Start("dca", ["--kubeconfig", kubeconfig], new Dictionary<string, string>
            {
                ["DD_BIND_HOST"] = address,
                ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
                ["DD_CLUSTER_AGENT_CMD_PORT"] = Port(CommandPort),
                ["DD_HEALTH_PORT"] = Port(health),
                ["DD_METRICS_PORT"] = Port(metrics),
                ["DD_POD_NAME"] = "dca-" + i.ToString(CultureInfo.InvariantCulture),
                ["DD_KUBE_RESOURCES_NAMESPACE"] = "default",
                ["DD_CLUSTER_NAME"] = "chaos",
                ["DD_LEADER_ELECTION"] = "true",
                ["DD_LEADER_LEASE_DURATION"] = "8",
                ["DD_COLLECT_KUBERNETES_EVENTS"] = "true",
                ["DCA_UNBUNDLE_EVENTS"] = "true",
                ["DD_CHECK_INTERVAL"] = "1",
                ["DD_API_KEY"] = ApiKey,
                ["DD_DD_URL"] = Intake.BaseUri.ToString(),
                ["DD_CLUSTER_CHECKS_ENABLED"] = "true",
                ["DD_CONFD_PATH"] = Path.Combine(_directory, "conf.d"),
                ["DD_CLUSTER_CHECKS_WARMUP_DURATION"] = "3s",
                ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
                ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = Port(emPort),
            });
            Replicas.Add(new Replica("dca-" + i.ToString(CultureInfo.InvariantCulture), address, process,
                new HttpClient { BaseAddress = new Uri($"http://{address}:{metrics}") },
                new HttpClient { BaseAddress = new Uri($"http://{address}:{health}") },
                Https(new Uri($"https://{address}:{CommandPort}"), Token)));
        }
        using var nodes = JsonDocument.Parse(await SimApi.GetStringAsync(new Uri("/api/v1/nodes", UriKind.Relative)));
        foreach (var node in nodes.RootElement.GetProperty("items").EnumerateArray().Take(3))
        {
            var name = node.GetProperty("metadata").GetProperty("name").GetString()!;
            var address = node.GetProperty("status").GetProperty("addresses").EnumerateArray()
                .First(a => a.GetProperty("type").GetString() == "InternalIP").GetProperty("address").GetString()!;
            var health = FreePort.Next();
            var process = NativeProcess.Start("dca-node", [], new Dictionary<string, string>
            {
                ["DD_BIND_HOST"] = "127.0.0.1",
                ["DD_HEALTH_PORT"] = Port(health),
                ["DD_OPENMETRICS_PORT"] = Port(FreePort.Next()),
                ["DD_KUBERNETES_KUBELET_NODENAME"] = name,
                ["DD_KUBERNETES_KUBELET_HOST"] = address,
                ["DD_KUBERNETES_HTTPS_KUBELET_PORT"] = Port(kubeletPort),
                ["DD_KUBELET_CLIENT_CA"] = caFile,
                ["DD_KUBELET_AUTH_TOKEN_PATH"] = tokenFile,
                ["DD_CLUSTER_AGENT_URL"] = $"https://{s_replicaAddresses[0]}:{CommandPort}",
                ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token,
                ["DD_CHECK_INTERVAL"] = "2",
                ["DD_KUBERNETES_METADATA_TAG_UPDATE_FREQ"] = "2",
                ["DD_API_KEY"] = ApiKey,
                ["DD_DD_URL"] = Intake.BaseUri.ToString(),
                ["DD_EXTRA_CONFIG_PROVIDERS"] = "clusterchecks",
                ["DD_AUTOSCALING_FAILOVER_ENABLED"] = "true",
            });
            Nodes.Add(name);
            Agents.Add(new NodeAgent(name, process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}") }));
        }
    }

    /// <summary>Switches the simulator's faults (<c>PUT</c> replaces them all: <c>{}</c> clears).</summary>
    public Task SetFaultsAsync(string json) => SendAdminAsync(HttpMethod.Put, "/sim/faults", json);

    public Task RestartApiServerAsync(int downSeconds) =>
        SendAdminAsync(HttpMethod.Post, "/sim/restart", "{\"downSeconds\":" + downSeconds.ToString(CultureInfo.InvariantCulture) + "}");

    public Task SetChurnAsync(double perSecond) =>
        SendAdminAsync(HttpMethod.Post, "/sim/activity", "{\"churnPerSecond\":" + perSecond.ToString(CultureInfo.InvariantCulture) + "}");

    private async Task SendAdminAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await SimApi.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Creates an object, retrying while the API server fails (the harness is a client like any other).</summary>
    public async Task PostAsync(string path, string json, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                using var response = await SimApi.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken)
                    .WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    private static string LeaderEndpoints() => $$$"""
        {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"datadog-cluster-agent","namespace":"default"},
         "subsets":[{"addresses":[{"ip":"{{{s_replicaAddresses[0]}}}","targetRef":{"kind":"Pod","name":"dca-0","namespace":"default"}},
                                  {"ip":"{{{s_replicaAddresses[1]}}}","targetRef":{"kind":"Pod","name":"dca-1","namespace":"default"}}],
                     "ports":[{"name":"agentport","port":5005}]}]}
        """;

    private static string Value(string[] lines, string key) =>
        lines.Select(l => l.Trim()).Single(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..];

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static HttpClient Https(Uri baseAddress, string token)
    {
        var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The tcp checks' target: accepts and closes.</summary>
    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await _target.AcceptTcpClientAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Writes every process's standard error (its log) to <paramref name="directory"/>, for a post-mortem.</summary>
    public async Task SaveLogsAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllLinesAsync(Path.Combine(directory, "dca-sim.log"), Sim.Stderr);
        foreach (var replica in Replicas)
        {
            await File.WriteAllLinesAsync(Path.Combine(directory, replica.Name + ".log"), replica.Process.Stderr);
        }
        foreach (var agent in Agents)
        {
            await File.WriteAllLinesAsync(Path.Combine(directory, "dca-node-" + agent.Node + ".log"), agent.Process.Stderr);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in Agents)
        {
            await agent.Process.DisposeAsync();
            agent.Health.Dispose();
        }
        foreach (var replica in Replicas)
        {
            await replica.Process.DisposeAsync();
            replica.Metrics.Dispose();
            replica.Health.Dispose();
            replica.Api.Dispose();
        }
        if (Sim is not null)
        {
            await Sim.DisposeAsync();
        }
        SimApi?.Dispose();
        await _stop.CancelAsync();
        _target.Stop();
        await _accepting;
        _stop.Dispose();
        if (Intake is not null)
        {
            await Intake.DisposeAsync();
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
