using Dca.Kubernetes.Client;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Kubernetes.Tests.Client;
using Dca.Kubernetes.Tests.Informers;
using Dca.Testing;
using Microsoft.Extensions.Logging;
using static Dca.Kubernetes.Tests.Client.FakeApiServer;
using static Dca.Kubernetes.Tests.Hostile.HostileResponses;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// The reflector over real HTTP against an API server that sends garbage: every broken answer ends in a
/// logged (event 102, naming the resource and what failed), counted (<see cref="IReflector.Errors"/>) retry or
/// relist; the loop never dies, never spins, and the store ends equal to the server's objects.
/// </summary>
public class ReflectorHostileTests
{
    private static readonly ReflectorOptions s_fast = new()
    {
        PageSize = 10,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    private sealed class Run : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public Run(FakeApiServer server, TimeProvider? time = null, ReflectorOptions? options = null, KubernetesClientOptions? clientOptions = null)
        {
            Client = server.Client(options: clientOptions, time: time);
            Reflector = new Reflector<Pod>(Client, Resources.Pods, options ?? s_fast, Handler, Logs);
            Loop = Reflector.RunAsync(_stop.Token);
        }

        public KubernetesClient Client { get; }

        public Reflector<Pod> Reflector { get; }

        public Task Loop { get; }

        public RecordingHandler<Pod> Handler { get; } = new();

        public RecordingLoggerProvider Logs { get; } = new();

        public IEnumerable<string> Failures => Logs.Entries.Where(e => e.Id.Id == 102 && e.Level == LogLevel.Warning).Select(e => e.Message);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Loop.WaitAsync(TimeSpan.FromSeconds(10));
            Client.Dispose();
            _stop.Dispose();
        }
    }

    [Theory]
    [InlineData("<html><h1>502 Bad Gateway</h1></html>\n", "watch pods")]
    [InlineData("{\"type\":\"ADDED\",\"object\":{\"metadata\":null}}\n", "metadata")]
    [InlineData("{\"type\":\"ADDED\",\"object\":null}\n", "object")]
    [InlineData("{\"type\":[],\"object\":{}}\n", "type")]
    [InlineData("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":7}}}\n", "watch pods")]
    public async Task Run_GarbageLineMidStream_LoggedCountedAndTheWatchResumes(string garbage, string named)
    {
        await using var server = await StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        server.EnqueueWatch(Stream([Event("ADDED", Pod("a", "p2", "11")), garbage, Event("ADDED", Pod("a", "never", "12"))]));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([Event("ADDED", Pod("a", "p3", "13"))], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.Store.Get("a/p3") is not null, "the watch after the garbage");
        hold.SetResult();

        Assert.Equal(["added a/p1@5", "added a/p2@11", "added a/p3@13"], run.Handler.Changes);
        Assert.Equal(1, run.Reflector.Errors);
        Assert.Contains(named, run.Reflector.LastError, StringComparison.Ordinal);
        Assert.Contains(run.Failures, m => m.Contains("pods", StringComparison.Ordinal) && m.Contains(named, StringComparison.Ordinal));
        Assert.Contains(server.Requests, r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("resourceVersion=11", StringComparison.Ordinal));
        Assert.False(run.Loop.IsCompleted);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("wrong types")]
    [InlineData("null metadata")]
    [InlineData("null item")]
    [InlineData("html")]
    [InlineData("cut connection")]
    public async Task Run_BrokenListAnswer_LoggedCountedAndRelisted(string broken)
    {
        await using var server = await StartAsync();
        var good = PodList("10", null, Pod("a", "p1", "5"), Pod("a", "p2", "6"));
        server.EnqueueList(broken switch
        {
            "truncated" => ctx => Respond(ctx, 200, good[..(good.Length / 2)]),
            "wrong types" => ctx => Respond(ctx, 200, good.Replace("\"resourceVersion\":\"5\"", "\"resourceVersion\":5", StringComparison.Ordinal)),
            "null metadata" => ctx => Respond(ctx, 200, PodList("10", null, "{\"metadata\":null}")),
            "null item" => ctx => Respond(ctx, 200, PodList("10", null, "null")),
            "html" => ctx => Respond(ctx, 200, "<html>maintenance</html>"),
            _ => CutAfter(200, good, 60),
        });
        server.EnqueueList(ctx => Respond(ctx, 200, good));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        await using var run = new Run(server);

        await Wait.UntilAsync(() => run.Reflector.HasSynced, "the list after the broken one");
        hold.SetResult();

        Assert.Equal(["added a/p1@5", "added a/p2@6"], run.Handler.Changes);
        Assert.Equal(1, run.Reflector.Errors);
        Assert.Contains("list pods", run.Reflector.LastError, StringComparison.Ordinal);
        Assert.Single(run.Failures);
    }

    [Fact]
    public async Task Run_ServerAnswersOnlyGarbage_BacksOffOnTheClockAndStaysAlive()
    {
        await using var server = await StartAsync();
        server.WhenIdle = ctx => Respond(ctx, 200, "<html>not an API server</html>");
        var time = new ManualTimeProvider();
        var options = s_fast with { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(8), UnhealthyAfter = TimeSpan.FromSeconds(60) };
        await using var run = new Run(server, time, options);

        var advanced = TimeSpan.Zero;
        await Wait.UntilAsync(() =>
        {
            // The fake clock moves only here, a second per poll: each retry waits for its backoff on it.
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            return run.Reflector.Errors >= 6;
        }, "six failures");

        // No hidden retries: one request per counted failure, and at least half of each doubling delay between them
        // (0.5 + 1 + 2 + 4 + 4 s before the sixth).
        Assert.InRange(server.Requests.Count, run.Reflector.Errors, run.Reflector.Errors + 1);
        Assert.True(advanced >= TimeSpan.FromSeconds(11.5), $"six failures after {advanced.TotalSeconds} s of backoff");
        Assert.Equal(ReflectorState.Failing, run.Reflector.State);
        Assert.False(run.Reflector.IsHealthy);
        Assert.False(run.Loop.IsCompleted);
        Assert.Contains("list pods", run.Reflector.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WatchLineLargerThanTheLimit_LoggedCountedAndTheWatchResumes()
    {
        await using var server = await StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        server.EnqueueWatch(Endless("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"", (byte)'x', 64L * 1024 * 1024, new(0)));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([Event("ADDED", Pod("a", "p2", "12"))], hold));
        var clientOptions = new KubernetesClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), Qps = 1000, Burst = 1000, MaxObjectBytes = 256 * 1024 };
        await using var run = new Run(server, clientOptions: clientOptions);

        await Wait.UntilAsync(() => run.Reflector.Store.Get("a/p2") is not null, "the watch after the oversized line");
        hold.SetResult();

        Assert.Equal(1, run.Reflector.Errors);
        Assert.Contains("262144 bytes", run.Reflector.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StalledListBody_TimesOutCountedAndRelisted()
    {
        await using var server = await StartAsync();
        server.EnqueueList(StallAfter(200, """{"metadata":{"resourceVersion":"10"},"items":["""));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        var clientOptions = new KubernetesClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), Qps = 1000, Burst = 1000, RequestTimeout = TimeSpan.FromMilliseconds(300) };
        await using var run = new Run(server, clientOptions: clientOptions);

        await Wait.UntilAsync(() => run.Reflector.HasSynced, "the list after the stalled one");
        hold.SetResult();

        Assert.Equal(1, run.Reflector.Errors);
        Assert.Equal(["added a/p1@5"], run.Handler.Changes);
    }
}
