using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Testing;
using static Dca.Kubernetes.Tests.Client.FakeApiServer;
using static Dca.Kubernetes.Tests.Hostile.HostileResponses;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// The client against an API server (a Kestrel host on port 0) that answers broken bytes: each call ends in a
/// result or in one of the client's documented exceptions (JsonException for a body that is not a valid
/// answer, HttpRequestException for a broken connection, TimeoutException for a stalled body,
/// KubernetesApiException for an error status), with a message naming the request; never a hang.
/// </summary>
public class KubernetesClientHostileTests
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(20);

    private static KubernetesClientOptions Options(TimeSpan? requestTimeout = null, int maxObject = KubernetesClientOptions.DefaultMaxObjectBytes, long maxPage = KubernetesClientOptions.DefaultMaxListPageBytes, Action<ReadCountingHandler>? counting = null) => new()
    {
        WrapHandler = counting is null ? null : inner =>
        {
            var handler = new ReadCountingHandler(inner);
            counting(handler);
            return handler;
        },
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxAttempts = 2,
        Qps = 10_000,
        Burst = 10_000,
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
        MaxObjectBytes = maxObject,
        MaxListPageBytes = maxPage,
    };

    private static Task<KubeList<Pod>> ListPods(KubernetesClient client) =>
        client.ListPageAsync(Resources.Pods, new ListOptions(), CancellationToken.None).WithTimeout(s_testTimeout);

    private static async Task<List<WatchEvent<Pod>>> WatchPods(KubernetesClient client)
    {
        var events = new List<WatchEvent<Pod>>();
        await foreach (var e in client.WatchAsync(Resources.Pods, new ListOptions { ResourceVersion = "1" }, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            events.Add(e);
        }
        return events;
    }

    [Fact]
    public async Task ListPageAsync_BodyTruncatedAtSampledOffsets_JsonExceptionNamingTheList()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        var body = KubernetesSamples.PodList;
        for (var length = 0; length < body.Length; length += 23)
        {
            var cut = body[..length];
            server.EnqueueList(ctx => Respond(ctx, 200, cut));

            var e = await Assert.ThrowsAnyAsync<JsonException>(() => ListPods(client));

            Assert.Contains("list pods", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ListPageAsync_ConnectionCutMidBody_HttpRequestExceptionNamingTheList()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        server.EnqueueList(CutAfter(200, KubernetesSamples.PodList, 100));

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => ListPods(client));

        Assert.Contains("list pods", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html><body><h1>502 Bad Gateway</h1></body></html>")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""{"metadata":null,"items":[]}""")]
    [InlineData("""{"metadata":{"resourceVersion":"1"},"items":[null]}""")]
    [InlineData("""{"metadata":{"resourceVersion":"1"},"items":[{"metadata":null}]}""")]
    [InlineData("""{"metadata":{"resourceVersion":1},"items":[]}""")]
    [InlineData("""{"metadata":{"resourceVersion":"1"},"items":{}}""")]
    public async Task ListAllAsync_BodyThatIsNotAList_JsonExceptionNamingTheList(string body)
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        server.EnqueueList(ctx => Respond(ctx, 200, body));

        var e = await Assert.ThrowsAnyAsync<JsonException>(() => client.ListAllAsync(Resources.Pods, new ListOptions(), CancellationToken.None).WithTimeout(s_testTimeout));

        Assert.Contains("list pods", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAllAsync_SameContinueTokenAgain_JsonExceptionInsteadOfLoopingForever()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        server.WhenIdle = ctx => Respond(ctx, 200, PodList("10", "same", Pod("a", "p1", "5")));

        var e = await Assert.ThrowsAnyAsync<JsonException>(() => client.ListAllAsync(Resources.Pods, new ListOptions(), CancellationToken.None).WithTimeout(s_testTimeout));

        Assert.Contains("continue", e.Message, StringComparison.Ordinal);
        Assert.True(server.Requests.Count <= 3, $"{server.Requests.Count} requests");
    }

    [Fact]
    public async Task ListPageAsync_BodyStallsAfterTheHeaders_TimeoutExceptionAfterTheRequestTimeout()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options(requestTimeout: TimeSpan.FromMilliseconds(300)));
        server.EnqueueList(StallAfter(200, """{"metadata":{"resourceVersion":"1"},"items":[{"metadata":"""));

        var e = await Assert.ThrowsAsync<TimeoutException>(() => ListPods(client));

        Assert.Contains("list pods", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPageAsync_EndlessString_RejectedAtMaxListPageBytesWithoutBufferingTheRest()
    {
        await using var server = await StartAsync();
        ReadCountingHandler network = null!;
        using var client = server.Client(options: Options(maxPage: 1024 * 1024, counting: h => network = h));
        var written = new StrongBox<long>(0);
        server.EnqueueList(Endless("""{"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":" """.TrimEnd(), (byte)'a', 64L * 1024 * 1024, written));

        var e = await Assert.ThrowsAnyAsync<JsonException>(() => ListPods(client));

        Assert.Contains("1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(network.BytesRead < 2 * 1024 * 1024, $"the client read {network.BytesRead} bytes before it gave up");
    }

    [Fact]
    public async Task GetAsync_BodyLargerThanMaxObjectBytes_JsonExceptionNamingTheLimit()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options(maxObject: 4096));
        server.WhenIdle = ctx => Respond(ctx, 200, Pod("a", "p1", "5").Replace("node-1", new string('n', 10_000), StringComparison.Ordinal));

        var e = await Assert.ThrowsAnyAsync<JsonException>(() => client.GetAsync(Resources.Pods, "a", "p1", CancellationToken.None).WithTimeout(s_testTimeout));

        Assert.Contains("4096 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("get pods/p1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_EndlessLineWithoutNewline_RejectedAtMaxObjectBytes()
    {
        await using var server = await StartAsync();
        ReadCountingHandler network = null!;
        using var client = server.Client(options: Options(maxObject: 1024 * 1024, counting: h => network = h));
        var written = new StrongBox<long>(0);
        server.EnqueueWatch(Endless("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"", (byte)'a', 64L * 1024 * 1024, written));

        var e = await Assert.ThrowsAnyAsync<JsonException>(() => WatchPods(client).WithTimeout(s_testTimeout));

        Assert.Contains("watch pods", e.Message, StringComparison.Ordinal);
        Assert.Contains("1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(network.BytesRead < 2 * 1024 * 1024, $"the client read {network.BytesRead} bytes before it gave up");
    }

    [Fact]
    public async Task WatchAsync_LegalObjectNearTheLimit_IsRead()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options(maxObject: 1024 * 1024));
        var big = Pod("a", "p1", "5").Replace("node-1", new string('n', 900_000), StringComparison.Ordinal);
        server.EnqueueWatch(Stream([Event("ADDED", big), Event("DELETED", big)]));

        var events = await WatchPods(client).WithTimeout(s_testTimeout);

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted], events.Select(e => e.Type));
    }

    [Theory]
    [InlineData("<html>oops</html>\n")]
    [InlineData("{\"type\":\"ADDED\",\"object\":{\"metadata\":null}}\n")]
    [InlineData("{\"type\":42,\"object\":{}}\n")]
    [InlineData("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}\n")]
    public async Task WatchAsync_GarbageLineAfterAGoodOne_GoodEventThenJsonExceptionNamingTheWatch(string garbage)
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        server.EnqueueWatch(Stream([Event("ADDED", Pod("a", "p1", "5")), garbage, Event("ADDED", Pod("a", "p2", "6"))]));
        var seen = new List<WatchEvent<Pod>>();

        var e = await Assert.ThrowsAnyAsync<JsonException>(async () =>
        {
            await foreach (var change in client.WatchAsync(Resources.Pods, new ListOptions(), TimeSpan.FromSeconds(10), CancellationToken.None))
            {
                seen.Add(change);
            }
        }).WithTimeout(s_testTimeout);

        Assert.Single(seen);
        Assert.Contains("watch pods", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ErrorBodyCutMidway_KubernetesApiExceptionWithTheStatus()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options());
        server.WhenIdle = CutAfter(404, Status(404, "NotFound", "pods \\\"p1\\\" not found"), 20);

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync(Resources.Pods, "a", "p1", CancellationToken.None).WithTimeout(s_testTimeout));

        Assert.True(e.IsNotFound);
    }

    [Fact]
    public async Task GetAsync_ErrorBodyStalls_KubernetesApiExceptionAfterTheRequestTimeout()
    {
        await using var server = await StartAsync();
        using var client = server.Client(options: Options(requestTimeout: TimeSpan.FromMilliseconds(300)));
        server.WhenIdle = StallAfter(403, "{\"kind\":\"Status\",\"message\":\"forb");

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync(Resources.Pods, "a", "p1", CancellationToken.None).WithTimeout(s_testTimeout));

        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Contains("get pods/p1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorAsync_CorpusAndWrongTypedStatusBodies_KubernetesApiExceptionWithABoundedMessage()
    {
        var bodies = HostileJson.Corpus()
            .Concat(HostileJson.WithEachValueReplaced(KubernetesSamples.Bytes(KubernetesSamples.StatusJson)))
            .Append(("10 MB of text", Encoding.UTF8.GetBytes(new string('x', 10_000_000))));
        foreach (var (name, body) in bodies)
        {
            using var response = new HttpResponseMessage(HttpStatusCode.Conflict) { Content = new ByteArrayContent(body) };

            var e = await KubernetesClient.ErrorAsync(response, "update", "leases/dca", CancellationToken.None).WithTimeout(s_testTimeout);

            Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
            Assert.True(e.Message.Length < 2048, $"{name}: a {e.Message.Length}-character message");
            Assert.Contains("update leases/dca", e.Message, StringComparison.Ordinal);
        }
    }
}
