using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dca.Node.Checks;
using Dca.Node.Collection;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.Intake;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Node.Tests.Checks;

/// <summary>
/// The node agent's cluster-check loop against a stand-in cluster agent: heartbeats with last_change, fetches
/// when not up to date, runs what it implements, reports what it does not, and keeps its checks through an
/// outage for the grace period only.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the fields through IAsyncLifetime.DisposeAsync.")]
public sealed class ClusterCheckRunnerTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FakeClusterAgent _dca = new();
    private readonly CapturingSink _sink = new();
    private readonly TcpListener _target = new(IPAddress.Loopback, 0);
    private ClusterAgentClient _client = null!;
    private ClusterCheckRunner _runner = null!;

    public async Task InitializeAsync()
    {
        _target.Start();
        await _dca.StartAsync();
        _client = new ClusterAgentClient(new ClusterAgentClientOptions { Endpoint = _dca.Uri, Token = new string('t', 32), TlsHandshakeTimeout = TimeSpan.FromSeconds(10) }, _clock);
        var shipper = new SeriesShipper(_sink, NullLogger<SeriesShipper>.Instance);
        CheckScheduler Scheduler(string kind) => new(kind, "node-1-prod", _sink, shipper, _clock, NullLogger.Instance);
        _runner = new ClusterCheckRunner(_client, "node-1-prod", "node-1", true, true, Scheduler("cluster checks"), Scheduler("endpoints checks"),
            _clock, NullLogger<ClusterCheckRunner>.Instance);
    }

    public async Task DisposeAsync()
    {
        _runner.Cluster.StopAll();
        _runner.Endpoints.StopAll();
        _client.Dispose();
        _target.Stop();
        _runner.Dispose();
        await _dca.DisposeAsync();
    }

    private int TargetPort => ((IPEndPoint)_target.LocalEndpoint).Port;

    private string Tcp(string name) => $$"""{"name":"{{name}}","host":"127.0.0.1","port":{{TargetPort}},"tags":["cluster_name:prod"]}""";

    [Fact]
    public async Task FetchesWhenNotUpToDate_RunsItsChecks_AndReportsUnsupportedOnes()
    {
        _dca.Set(1700, ("tcp_check", Tcp("db")), ("redisdb", """{"host":"10.0.0.1","port":6379}"""));
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(0, _dca.Heartbeats.First().GetProperty("last_change").GetInt64());
        Assert.Equal(2, _dca.Heartbeats.First().GetProperty("node_type").GetInt32());
        Assert.Equal(2, _runner.Cluster.Count);

        await Wait.UntilAsync(() => _sink.Checks.Any(c => c.Check == "tcp.can_connect"), "the tcp check to run");
        var tcp = _sink.Checks.First(c => c.Check == "tcp.can_connect");
        Assert.Equal((ServiceCheck.Ok, "node-1-prod"), (tcp.Status, tcp.HostName));
        Assert.Contains("cluster_name:prod", tcp.Tags);
        await Wait.UntilAsync(() => _sink.Checks.Any(c => c.Check == CheckScheduler.StatusCheck), "the unsupported check to be reported");
        var unsupported = _sink.Checks.First(c => c.Check == CheckScheduler.StatusCheck);
        Assert.Equal(ServiceCheck.Critical, unsupported.Status);
        Assert.Contains("check:redisdb", unsupported.Tags);
        Assert.Contains("redisdb is not supported by dca-node", unsupported.Message, StringComparison.Ordinal);

        // The next heartbeat carries the fetched last_change and the tcp check's measured cost; up to date, no fetch.
        var fetches = _dca.Fetches;
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        var beat = _dca.Heartbeats.Last();
        Assert.Equal(1700, beat.GetProperty("last_change").GetInt64());
        Assert.Single(beat.GetProperty("check_costs_ms").EnumerateObject());
        Assert.Equal(fetches, _dca.Fetches);

        // A change on the leader: one check stops, one starts, the unchanged one keeps running.
        _dca.Set(1800, ("tcp_check", Tcp("db")), ("tcp_check", Tcp("cache")));
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(2, _runner.Cluster.Count);
        Assert.Equal(["tcp_check", "tcp_check"], _runner.Cluster.Running().Values);
    }

    [Fact]
    public async Task ClusterAgentOutage_ChecksRunThroughTheGrace_ThenStop_ThenComeBack()
    {
        _dca.Set(42, ("tcp_check", Tcp("db")));
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(1, _runner.Cluster.Count);

        _dca.Available = false;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(1, _runner.Cluster.Count);
        _clock.Advance(ClusterCheckRunner.Grace);
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(0, _runner.Cluster.Count);

        _dca.Available = true;
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        Assert.Equal(0, _dca.Heartbeats.Last().GetProperty("last_change").GetInt64());
        Assert.Equal(1, _runner.Cluster.Count);
    }

    [Fact]
    public async Task EndpointsChecks_AreFetchedForThisNodesName()
    {
        _dca.SetEndpoints(("tcp_check", Tcp("pod-endpoint")));
        await _runner.PollEndpointsChecksAsync(CancellationToken.None);
        Assert.Equal("/api/v1/endpointschecks/configs/node-1", _dca.EndpointsPaths.Single());
        Assert.Equal(1, _runner.Endpoints.Count);
        await Wait.UntilAsync(() => _sink.Checks.Any(c => c.Tags.Contains("instance:pod-endpoint")), "the endpoints check to run");
    }

    [Fact]
    public async Task DispatchedInstances_AsDatadogPatchesThem_ReportNoHost_AndOddValuesNeverStopTheLoop()
    {
        _dca.Set(7, ("tcp_check", $$"""{"name":"shared","host":"127.0.0.1","port":{{TargetPort}},"empty_default_hostname":true,"min_collection_interval":"NaN"}"""));
        await _runner.PollClusterChecksAsync(CancellationToken.None);
        await Wait.UntilAsync(() => _sink.Checks.Any(c => c.Check == "tcp.can_connect"), "the tcp check to run");
        Assert.Equal("", _sink.Checks.First(c => c.Check == "tcp.can_connect").HostName);
        Assert.Equal(1, _runner.Cluster.Count);
    }

    [Fact]
    public void EnvironmentVariables_AreResolvedOnTheNode()
    {
        Environment.SetEnvironmentVariable("DCA_TEST_CHECK_HOST", "db.internal\"x");
        Assert.Equal("""{"host":"db.internal\u0022x","port":5432,"missing":""}""",
            CheckScheduler.ResolveEnvironment("""{"host":"%%env_DCA_TEST_CHECK_HOST%%","port":5432,"missing":"%%env_DCA_TEST_UNSET_VARIABLE%%"}"""));
    }

    private sealed class CapturingSink : IIntakeSink
    {
        public ConcurrentQueue<ServiceCheck> Checks { get; } = new();

        public Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken)
        {
            foreach (var check in checks)
            {
                Checks.Enqueue(check);
            }
            return Task.CompletedTask;
        }

        public Task SendSeriesAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The cluster agent's cluster-check routes, as Datadog's leader answers them.</summary>
    private sealed class FakeClusterAgent : IAsyncDisposable
    {
        private WebApplication? _app;
        private volatile string _configs = """{"last_change":0,"configs":[]}""";
        private volatile string _endpoints = """{"last_change":0,"configs":[]}""";
        private long _lastChange;
        private int _fetches;

        public Uri Uri { get; private set; } = null!;

        public volatile bool Available = true;

        public ConcurrentQueue<JsonElement> Heartbeats { get; } = new();

        public ConcurrentQueue<string> EndpointsPaths { get; } = new();

        public int Fetches => Volatile.Read(ref _fetches);

        public void Set(long lastChange, params (string Check, string Instance)[] configs)
        {
            _configs = Body(lastChange, configs);
            Interlocked.Exchange(ref _lastChange, lastChange);
        }

        public void SetEndpoints(params (string Check, string Instance)[] configs) => _endpoints = Body(0, configs);

        private static string Body(long lastChange, (string Check, string Instance)[] configs) =>
            $$"""{"last_change":{{lastChange}},"configs":[{{string.Join(',', configs.Select(c =>
                $$"""{"check_name":"{{c.Check}}","instances":["{{Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Instance))}}"],"init_config":"e30=","provider":"kube_services","source":"kube_services:test","service_id":"","node_name":"","cluster_check":true}"""))}}]}""";

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            _app = builder.Build();
            _app.Use(async (ctx, next) =>
            {
                if (!Available)
                {
                    ctx.Response.StatusCode = 503;
                    return;
                }
                await next(ctx);
            });
            _app.MapGet("/version", () => Results.Text("""{"Major":7,"Minor":60,"Patch":0,"Pre":"","Meta":"","Commit":""}""", "application/json"));
            _app.MapPost("/api/v1/clusterchecks/status/{id}", async (HttpContext ctx) =>
            {
                var body = await JsonDocument.ParseAsync(ctx.Request.Body);
                Heartbeats.Enqueue(body.RootElement.Clone());
                var upToDate = body.RootElement.GetProperty("last_change").GetInt64() == Interlocked.Read(ref _lastChange);
                return Results.Text(upToDate ? """{"isuptodate":true}""" : """{"isuptodate":false}""", "application/json");
            });
            _app.MapGet("/api/v1/clusterchecks/configs/{id}", () =>
            {
                Interlocked.Increment(ref _fetches);
                return Results.Text(_configs, "application/json");
            });
            _app.MapGet("/api/v1/endpointschecks/configs/{node}", (HttpContext ctx) =>
            {
                EndpointsPaths.Enqueue(ctx.Request.Path);
                return Results.Text(_endpoints, "application/json");
            });
            await _app.StartAsync();
            Uri = new Uri(_app.Urls.First());
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
