using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Kubernetes.Tests.Client;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Dca.Kubernetes.Tests.Client.FakeApiServer;

namespace Dca.Kubernetes.Tests.Informers;

public class ReflectorTests
{
    private static readonly ReflectorOptions s_fast = new()
    {
        PageSize = 2,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    private sealed class Run : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Run(FakeApiServer server, ReflectorOptions? options = null)
        {
            Client = server.Client();
            Reflector = new Reflector<Pod>(Client, Resources.Pods, options ?? s_fast, Handler, NullLoggerFactory.Instance);
            _loop = Reflector.RunAsync(_stop.Token);
        }

        public Dca.Kubernetes.Client.KubernetesClient Client { get; }

        public Reflector<Pod> Reflector { get; }

        public RecordingHandler<Pod> Handler { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
            Client.Dispose();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Run_PagedListThenWatch_StoreFollowsEveryChange()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", "page2", Pod("a", "p1", "5"), Pod("a", "p2", "6"))));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("b", "p3", "7"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([
            Event("MODIFIED", Pod("a", "p1", "11")),
            Event("DELETED", Pod("a", "p2", "12")),
            Event("ADDED", Pod("b", "p4", "13")),
            Event("BOOKMARK", """{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"20"}}"""),
        ], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.ResourceVersion == "20", "the bookmark");
        hold.SetResult();

        Assert.Equal(["a/p1", "b/p3", "b/p4"], run.Reflector.Store.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("11", run.Reflector.Store.Get("a/p1")!.Metadata.ResourceVersion);
        Assert.Equal(
            ["added a/p1@5", "added a/p2@6", "added b/p3@7", "updated a/p1@11", "deleted a/p2@6", "added b/p4@13"],
            run.Handler.Changes);
        Assert.Contains(server.Requests, r => r.Contains("continue=page2", StringComparison.Ordinal));
        Assert.Contains(server.Requests, r => r.Contains("watch=true", StringComparison.Ordinal)
            && r.Contains("resourceVersion=10", StringComparison.Ordinal)
            && r.Contains("allowWatchBookmarks=true", StringComparison.Ordinal));
        Assert.True(run.Reflector.IsHealthy);
    }

    [Fact]
    public async Task Run_WatchErrorExpired_RelistsAndReportsOnlyTheDifference()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"), Pod("a", "p2", "6"), Pod("a", "p3", "7"))));
        server.EnqueueWatch(Stream([Event("ERROR", Status(410, "Expired", "too old resource version: 10 (20)"))]));
        // After the relist: p1 unchanged, p2 modified, p3 gone, p4 new.
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("30", null, Pod("a", "p1", "5"), Pod("a", "p2", "25"), Pod("a", "p4", "26"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.ResourceVersion == "30", "the relist");
        hold.SetResult();

        Assert.Equal(
            ["added a/p1@5", "added a/p2@6", "added a/p3@7", "updated a/p2@25", "added a/p4@26", "deleted a/p3@7"],
            run.Handler.Changes);
        Assert.Equal(2, run.Reflector.Relists);
        Assert.Equal(2, run.Handler.Syncs);
    }

    [Fact]
    public async Task Run_Watch410Response_Relists()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        server.EnqueueWatch(ctx => Respond(ctx, 410, Status(410, "Expired", "too old")));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("40", null, Pod("a", "p1", "5"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.ResourceVersion == "40", "the relist");
        hold.SetResult();

        Assert.Equal(["added a/p1@5"], run.Handler.Changes);
    }

    [Fact]
    public async Task Run_ReplayedEvents_AreNotReportedTwice()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        // The server closes the watch; the next watch replays an event the store already has.
        server.EnqueueWatch(Stream([Event("MODIFIED", Pod("a", "p1", "11"))]));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([Event("MODIFIED", Pod("a", "p1", "11")), Event("ADDED", Pod("a", "p2", "12"))], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.ResourceVersion == "12", "the second watch");
        hold.SetResult();

        Assert.Equal(["added a/p1@5", "updated a/p1@11", "added a/p2@12"], run.Handler.Changes);
        Assert.Contains(server.Requests, r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("resourceVersion=11", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ServerErrors_RetriesUntilItRecovers()
    {
        await using var server = await FakeApiServer.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            server.EnqueueList(ctx => Respond(ctx, 503, Status(503, "ServiceUnavailable", "etcd is down")));
        }
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.HasSynced, "the list to succeed");
        hold.SetResult();

        Assert.Equal(["added a/p1@5"], run.Handler.Changes);
        Assert.True(run.Reflector.Errors >= 1);
    }

    [Fact]
    public async Task Run_StalledWatch_IdleWatchdogReconnects()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        var stalled = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], stalled));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([Event("ADDED", Pod("a", "p2", "12"))], hold));
        await using var run = new Run(server, s_fast with { IdleTimeout = TimeSpan.FromMilliseconds(300) });

        await Wait.UntilAsync(() => run.Reflector.Store.Get("a/p2") is not null, "the watch after the stall");
        stalled.SetResult();
        hold.SetResult();

        Assert.Equal(["added a/p1@5", "added a/p2@12"], run.Handler.Changes);
    }
}
