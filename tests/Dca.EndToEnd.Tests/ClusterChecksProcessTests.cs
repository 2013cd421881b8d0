using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dca.Testing;
using Xunit.Abstractions;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 9, "Kept honest" with the native binaries: two <c>dca</c> replicas (leader election, on 127.0.0.2 and
/// 127.0.0.3 with one command port, found through their Service's Endpoints as in a cluster), three
/// <c>dca-node</c> agents talking to the follower (so every heartbeat is forwarded to the leader), and two
/// Services annotated with a tcp_check and an http_check against real listeners on loopback, applied with the
/// real kubectl. Each check runs on exactly one node agent; killing that agent moves the check within 45 s
/// (the 30 s default expiry); after a leader change no check runs on two agents for longer than one heartbeat.
/// </summary>
public sealed class ClusterChecksProcessTests(ITestOutputHelper output)
{
    private const string LeaderAddress0 = "127.0.0.2";
    private const string LeaderAddress1 = "127.0.0.3";

    [Fact]
    public async Task ChecksRunOnceEach_MoveWhenTheirNodeAgentDies_AndSurviveALeaderChange()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        using var stop = new CancellationTokenSource();
        var tcp = new TcpListener(IPAddress.Loopback, 0);
        var http = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        http.Start();
        var servers = Task.WhenAll(ServeAsync(tcp, null, stop.Token), ServeAsync(http, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), stop.Token));
        var commandPort = FreePort.Next();
        Apply(cluster, ClusterManifests(((IPEndPoint)tcp.LocalEndpoint).Port, ((IPEndPoint)http.LocalEndpoint).Port));

        var settings = new Dictionary<string, string>
        {
            ["DD_CLUSTER_CHECKS_ENABLED"] = "true",
            ["DD_CLUSTER_CHECKS_WARMUP_DURATION"] = "3s",
            ["DD_CLUSTER_NAME"] = "e2e",
        };
        var replicas = new List<DcaReplica>
        {
            DcaReplica.Start(cluster, "dca-0", 4, settings, commandPort, bindHost: LeaderAddress0),
            DcaReplica.Start(cluster, "dca-1", 4, settings, commandPort, bindHost: LeaderAddress1),
        };
        var agents = new List<NodeAgentProcess>();
        try
        {
            var leader = await DcaReplica.OneLeaderAsync(replicas);
            var follower = replicas.Single(r => r != leader);
            var nodes = await ServiceTruth.NodesAsync(cluster);
            foreach (var node in nodes.Take(3))
            {
                agents.Add(NodeAgentProcess.Start(cluster, node.Name, node.Address, commandPort, null, new Dictionary<string, string>
                {
                    ["DD_CLUSTER_AGENT_URL"] = $"https://{(follower.Name == "dca-0" ? LeaderAddress0 : LeaderAddress1)}:{commandPort}",
                    ["DD_EXTRA_CONFIG_PROVIDERS"] = "clusterchecks",
                    ["DD_CHECK_INTERVAL"] = "3600",
                }));
            }

            // 1. Every check runs, each on exactly one node agent, with the cluster tags the leader added.
            await Wait.UntilAsync(() => Runs(agents).Select(r => r.Check).Distinct().Count() == 2, "both checks to run", TimeSpan.FromSeconds(60));
            var settled = Now() + 1;
            await Wait.UntilAsync(() => Runs(agents).Count(r => r.Check == "db" && r.Timestamp >= settled) >= 12, "twelve more runs of the tcp check (beyond one heartbeat)", TimeSpan.FromSeconds(40));
            var window = Runs(agents).Where(r => r.Timestamp >= settled).ToList();
            foreach (var check in new[] { "db", "web" })
            {
                Assert.Single(window.Where(r => r.Check == check).Select(r => r.Node).Distinct());
            }
            Assert.All(Runs(agents), r => Assert.Equal(ServiceCheckOk, r.Status));
            Assert.Contains(agents.SelectMany(a => a.Process.Stdout), l => l.Contains("tcp.can_connect", StringComparison.Ordinal) && l.Contains("kube_cluster_name:e2e", StringComparison.Ordinal));

            // 2. Kill -9 the node agent running the tcp check: another runs it within 45 s.
            var runner = agents.Single(a => a.Node == window.Last(r => r.Check == "db").Node);
            var killed = Stopwatch.StartNew();
            await runner.DisposeAsync();
            agents.Remove(runner);
            var before = Now();
            await Wait.UntilAsync(() => Runs(agents).Any(r => r.Check == "db" && r.Timestamp >= before), "the tcp check to run on another node agent", TimeSpan.FromSeconds(50));
            killed.Stop();
            Assert.True(killed.Elapsed <= TimeSpan.FromSeconds(45), $"the tcp check moved after {killed.Elapsed.TotalSeconds:F1} s");
            output.WriteLine($"the tcp check moved {killed.Elapsed.TotalSeconds:F1} s after its node agent was killed");

            // 3. Leader change (SIGTERM: the lease is released): the follower leads, warms up, dispatches again.
            var changed = Now();
            await leader.Process.TerminateAsync(TimeSpan.FromSeconds(10));
            replicas.Remove(leader);
            await DcaReplica.OneLeaderAsync(replicas);
            // Long enough for the warm-up, a re-dispatch and every node agent's next heartbeat, then a settled window.
            await Wait.UntilAsync(() => Runs(agents).Count(r => r.Check == "db" && r.Timestamp >= changed) >= 30, "thirty runs of the tcp check after the leader change", TimeSpan.FromSeconds(60));
            var after = Runs(agents).Where(r => r.Timestamp >= changed).ToList();
            foreach (var check in new[] { "db", "web" })
            {
                var spans = after.Where(r => r.Check == check).GroupBy(r => r.Node).Select(g => (First: g.Min(r => r.Timestamp), Last: g.Max(r => r.Timestamp))).ToList();
                for (var i = 0; i < spans.Count; i++)
                {
                    for (var j = i + 1; j < spans.Count; j++)
                    {
                        var overlap = Math.Min(spans[i].Last, spans[j].Last) - Math.Max(spans[i].First, spans[j].First);
                        // One heartbeat is 10 s; service-check timestamps are whole seconds.
                        Assert.True(overlap <= 11, $"{check} ran on two node agents for {overlap} s after the leader change");
                        output.WriteLine($"{check}: ran on two node agents for {Math.Max(0, overlap)} s after the leader change");
                    }
                }
                var last = after.Where(r => r.Check == check).OrderBy(r => r.Timestamp).TakeLast(3).Select(r => r.Node).Distinct();
                Assert.Single(last);
            }
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
            await stop.CancelAsync();
            tcp.Stop();
            http.Stop();
            await servers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    private const int ServiceCheckOk = 0;

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Every check run the node agents reported (their JSON-lines output), in order of arrival per agent.</summary>
    private static List<(string Node, string Check, int Status, long Timestamp)> Runs(IEnumerable<NodeAgentProcess> agents)
    {
        var runs = new List<(string, string, int, long)>();
        foreach (var agent in agents)
        {
            foreach (var line in agent.Process.Stdout.Where(l => l.StartsWith("{\"kind\":\"service_check\"", StringComparison.Ordinal)))
            {
                var check = JsonDocument.Parse(line).RootElement.GetProperty("service_check");
                var name = check.GetProperty("check").GetString();
                if (name is not ("tcp.can_connect" or "http.can_connect"))
                {
                    continue;
                }
                var instance = check.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).First(t => t.StartsWith("instance:", StringComparison.Ordinal));
                runs.Add((agent.Node, instance["instance:".Length..], check.GetProperty("status").GetInt32(), check.GetProperty("timestamp").GetInt64()));
            }
        }
        return runs;
    }

    /// <summary>Accepts connections until stopped; answers each with <paramref name="reply"/> (an HTTP response) or just closes it.</summary>
    private static async Task ServeAsync(TcpListener listener, byte[]? reply, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    if (reply is null)
                    {
                        return;
                    }
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    var request = new StringBuilder();
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer, cancellationToken);
                        if (read == 0)
                        {
                            return;
                        }
                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    await stream.WriteAsync(reply, cancellationToken);
                }
            }, cancellationToken);
        }
    }

    /// <summary>The agents' Service endpoints (as the Endpoints controller would write them) and the two checked Services.</summary>
    private static string ClusterManifests(int tcpPort, int httpPort) => string.Create(CultureInfo.InvariantCulture, $$$"""
        apiVersion: v1
        kind: Endpoints
        metadata:
          name: datadog-cluster-agent
          namespace: default
        subsets:
          - addresses:
              - ip: {{{LeaderAddress0}}}
                targetRef: {kind: Pod, name: dca-0, namespace: default}
              - ip: {{{LeaderAddress1}}}
                targetRef: {kind: Pod, name: dca-1, namespace: default}
            ports:
              - name: agentport
                port: 5005
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: db
          namespace: default
          annotations:
            ad.datadoghq.com/service.checks: |
              {"tcp_check": {"instances": [{"name": "db", "host": "127.0.0.1", "port": {{{tcpPort}}}, "min_collection_interval": 1}]}}
        spec:
          ports:
            - {name: pg, port: 5432}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: default
          annotations:
            ad.datadoghq.com/service.check_names: '["http_check"]'
            ad.datadoghq.com/service.init_configs: '[{}]'
            ad.datadoghq.com/service.instances: '[{"name": "web", "url": "http://127.0.0.1:{{{httpPort}}}/", "min_collection_interval": 1}]'
        spec:
          ports:
            - {name: http, port: 80}
        """);

    private static void Apply(SimulatedCluster cluster, string yaml)
    {
        var file = Path.Combine(cluster.Directory, "cluster-checks.yaml");
        File.WriteAllText(file, yaml);
        var (code, stdout, stderr) = Manifests.Run("kubectl", ["--kubeconfig", cluster.Kubeconfig, "apply", "-f", file]);
        Assert.True(code == 0, $"kubectl apply failed: {stdout} {stderr}");
    }
}
