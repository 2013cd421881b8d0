using System.Text.Json;
using Dca.Events;
using Dca.Kubernetes.Client;
using Dca.Protocol.Intake;
using Dca.Sim;
using Dca.Sim.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.Events;

/// <summary>ISSUE 5, events: collection against the simulator, resuming from the token ConfigMap.</summary>
public sealed class EventCollectorTests : IAsyncLifetime, IDisposable
{
    private Simulator _sim = null!;
    private KubernetesClient _client = null!;
    private readonly CapturingSink _sink = new();

    public async Task InitializeAsync()
    {
        _sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false, Kubelets = false });
        _client = SimClient.For(_sim);
    }

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    public void Dispose() => _client?.Dispose();

    private EventCollector Collector(int maxPerRun = 300) => new(_client, _sink,
        new EventTokenStore(_client, "default", "datadogtoken"),
        new EventCollectorOptions { ReadTimeout = TimeSpan.FromMilliseconds(500), MaxEventsPerRun = maxPerRun, ClusterName = "prod" },
        NullLogger<EventCollector>.Instance);

    private int EventsInCluster => _sim.Store.Objects(ResourceTypes.Events).Count;

    [Fact]
    public async Task RunOnce_ListsThenWatches_DeliveringEachChangeOnce_AndARestartResumesFromTheToken()
    {
        _sim.EmitEvents(20);
        var collector = Collector();

        Assert.Equal(EventsInCluster, await collector.RunOnceAsync(CancellationToken.None));
        _sim.EmitEvents(7);
        Assert.Equal(7, await collector.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await collector.RunOnceAsync(CancellationToken.None));

        // A new leader (or a restart) resumes where the token says.
        _sim.EmitEvents(3);
        Assert.Equal(3, await Collector().RunOnceAsync(CancellationToken.None));
        using var token = JsonDocument.Parse(_sim.Store.Get(ResourceTypes.ConfigMaps, "default", "datadogtoken")!.Json);
        var data = token.RootElement.GetProperty("data");
        Assert.False(string.IsNullOrEmpty(data.GetProperty(EventTokenStore.TokenKey).GetString()));
        Assert.EndsWith("Z", data.GetProperty(EventTokenStore.TimestampKey).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnce_AfterTheWatchExpired_RelistsAndKeepsOnlyNewerEvents()
    {
        _sim.EmitEvents(10);
        var collector = Collector();
        var first = await collector.RunOnceAsync(CancellationToken.None);
        var before = _sim.Store.Objects(ResourceTypes.Events).Max(e => e.ResourceVersion);
        _sim.EmitEvents(5);
        _sim.Compact();
        // A list shows each event's latest state: an event created and then repeated (count + 1)
        // within the five is one object, delivered once with its latest count.
        var changed = _sim.Store.Objects(ResourceTypes.Events).Count(e => e.ResourceVersion > before);

        Assert.Equal(changed, await collector.RunOnceAsync(CancellationToken.None));
        Assert.Equal(first + changed, collector.Collected);
    }

    [Fact]
    public async Task RunOnce_IntakeFailing_KeepsThePosition_SoTheNextRunSendsTheEventsAgain()
    {
        _sim.EmitEvents(10);
        var collector = Collector();
        await collector.RunOnceAsync(CancellationToken.None);
        _sim.EmitEvents(4);
        _sink.Fail = true;

        await Assert.ThrowsAsync<HttpRequestException>(() => collector.RunOnceAsync(CancellationToken.None));
        _sink.Fail = false;

        Assert.Equal(4, await collector.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunOnce_PositionNotSavedAfterADelivery_NextRunDoesNotSendTheEventsAgain()
    {
        _sim.EmitEvents(10);
        var collector = Collector();
        await collector.RunOnceAsync(CancellationToken.None);
        _sim.EmitEvents(4);
        // The API server fails right after the intake took the events: the token ConfigMap cannot be written.
        _sink.AfterSend = () => _sim.SetFaults(new Dca.Sim.Faults.FaultSettings { ErrorRate = 1 });
        var sent = _sink.Events.Count;

        await Assert.ThrowsAsync<KubernetesApiException>(() => collector.RunOnceAsync(CancellationToken.None));
        _sink.AfterSend = null;
        _sim.SetFaults(Dca.Sim.Faults.FaultSettings.None);
        var delivered = _sink.Events.Count - sent;

        Assert.Equal(0, await collector.RunOnceAsync(CancellationToken.None));
        Assert.Equal(delivered, _sink.Events.Count - sent);
        // The position the failed run could not save is saved now: a new leader resumes after those events too.
        _sim.EmitEvents(2);
        Assert.Equal(2, await Collector().RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunOnce_TermEndsDuringTheDelivery_StillSavesThePosition_SoTheNextLeaderDoesNotResend()
    {
        _sim.EmitEvents(10);
        await Collector().RunOnceAsync(CancellationToken.None);
        _sim.EmitEvents(4);
        using var term = new CancellationTokenSource();
        _sink.AfterSend = term.Cancel;

        await Collector().RunOnceAsync(term.Token);
        _sink.AfterSend = null;

        Assert.Equal(0, await Collector().RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunOnce_Backlog_DrainsAtMostMaxEventsPerRun_WithoutSkipping()
    {
        _sim.EmitEvents(5);
        var collector = Collector(maxPerRun: 4);
        var total = EventsInCluster;
        var runs = new List<int>();
        int delivered;
        do
        {
            delivered = await collector.RunOnceAsync(CancellationToken.None);
            runs.Add(delivered);
        }
        while (delivered > 0);

        Assert.All(runs, r => Assert.InRange(r, 0, 4));
        Assert.Equal(total, runs.Sum());
    }

    [Fact]
    public async Task Bundles_FollowDatadogsFormat()
    {
        _sim.EmitEvents(10);
        await Collector().RunOnceAsync(CancellationToken.None);

        var pod = _sink.Events.First(e => e.Title.StartsWith("Events from the Pod ", StringComparison.Ordinal));
        Assert.StartsWith("%%% \n", pod.Text, StringComparison.Ordinal);
        Assert.EndsWith("\n\n %%%", pod.Text, StringComparison.Ordinal);
        Assert.Matches(@"^\d+ \*\*\w+\*\*: ", pod.Text.Split('\n')[1]);
        Assert.Contains("kube_kind:Pod", pod.Tags);
        Assert.Contains(pod.Tags, t => t.StartsWith("pod_name:", StringComparison.Ordinal));
        Assert.Contains(pod.Tags, t => t.StartsWith("kube_namespace:", StringComparison.Ordinal));
        Assert.Contains("kube_cluster_name:prod", pod.Tags);
        Assert.StartsWith("kubernetes_apiserver:", pod.AggregationKey, StringComparison.Ordinal);
        Assert.Equal("kubernetes", pod.SourceTypeName);
        Assert.Contains(pod.AlertType, new[] { "info", "warning" });
    }

    private sealed class CapturingSink : IIntakeSink
    {
        public List<IntakeEvent> Events { get; } = [];

        public bool Fail { get; set; }

        public Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new HttpRequestException("intake down");
            }
            Events.AddRange(events);
            AfterSend?.Invoke();
            return Task.CompletedTask;
        }

        /// <summary>Runs after each accepted send (e.g. to make the API server fail before the position is saved).</summary>
        public Action? AfterSend { get; set; }

        public Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SendSeriesAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
