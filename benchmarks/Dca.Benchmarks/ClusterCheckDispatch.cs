using BenchmarkDotNet.Attributes;
using Dca.ClusterChecks;

namespace Dca.Benchmarks;

/// <summary>
/// Issue 9's dispatch budget: 10,000 cluster checks over 5,000 node agents. One operation is a full
/// dispatch after warm-up: every node heartbeats, the configurations are set, and one Tick places them all.
/// The heartbeat operation is one node agent's heartbeat against that settled state (the fleet's hot path).
/// </summary>
[MemoryDiagnoser]
public class ClusterCheckDispatch
{
    private const int Nodes = 5_000;
    private const int Checks = 10_000;
    private readonly string[] _nodes = [.. Enumerable.Range(0, Nodes).Select(i => $"node-{i:D5}")];
    private CheckConfig[] _configs = [];
    private ClusterCheckDispatcher _settled = null!;
    private long _lastChange;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _configs = [.. Enumerable.Range(0, Checks).Select(i => new CheckConfig("http_check", "{}", [$$"""{"url":"http://10.96.{{i / 250}}.{{i % 250}}:8080/health","name":"svc-{{i}}"}"""],
            "kube_services", $"kube_services:kube_service://ns-{i % 50}/svc-{i}", $"kube_service://ns-{i % 50}/svc-{i}", [$"kube_service://ns-{i % 50}/svc-{i}"]))];
        _settled = FullDispatch();
        _lastChange = _settled.ConfigsOf(_nodes[0])!.Value.LastChange;
    }

    [Benchmark]
    public ClusterCheckDispatcher FullDispatch()
    {
        var time = new SteppedTime();
        var d = new ClusterCheckDispatcher(time);
        d.BecomeLeader();
        time.Now += ClusterCheckDispatcher.WarmUp;
        foreach (var node in _nodes)
        {
            d.Heartbeat(node, 0);
        }
        d.SetConfigs(_configs);
        if (d.Tick() != Checks)
        {
            throw new InvalidOperationException("not every check was placed");
        }
        return d;
    }

    [Benchmark]
    public bool Heartbeat() => _settled.Heartbeat(_nodes[_next = (_next + 1) % Nodes], _lastChange);

    /// <summary>A node agent's configuration fetch: its cached body (serialized on the first fetch after a change).</summary>
    [Benchmark]
    public byte[]? ConfigsBody() => _settled.ConfigsBody(_nodes[_next = (_next + 1) % Nodes]);

    /// <summary>Every node's configurations body, as after a full dispatch; returns their total size.</summary>
    public long ServeEveryNode() => _nodes.Sum(n => (long)_settled.ConfigsBody(n)!.Length);

    private sealed class SteppedTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
