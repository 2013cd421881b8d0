using System.Diagnostics;
using System.Globalization;
using Dca.Sim.Faults;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Faults;

public sealed class FaultTests
{
    [Fact]
    public Task ErrorRateOne_ResourceRequests_Answer5xxStatusButDiscoveryWorks() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Faults = new FaultSettings { ErrorRate = 1 } });
        using var client = SimHttp.Client(sim);
        var reasons = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var (status, body) = await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct);
            Assert.Contains(status, new[] { 500, 503 });
            reasons.Add(body.RootElement.GetProperty("reason").GetString()!);
        }
        Assert.Equal(["InternalError", "ServiceUnavailable"], reasons.Order(StringComparer.Ordinal));
        Assert.Equal(200, (await SimHttp.GetJsonAsync(client, "/api/v1", ct)).Status);
        sim.SetFaults(FaultSettings.None);
        Assert.Equal(200, (await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct)).Status);
    });

    [Fact]
    public Task ThrottleRateOne_Answers429WithRetryAfter() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Faults = new FaultSettings { ThrottleRate = 1, RetryAfterSeconds = 3 } });
        using var client = SimHttp.Client(sim);
        using var response = await client.GetAsync("/api/v1/nodes", ct);
        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("TooManyRequests", body.RootElement.GetProperty("reason").GetString());
        Assert.Equal(3, body.RootElement.GetProperty("details").GetProperty("retryAfterSeconds").GetInt32());
    });

    [Fact]
    public Task WatchDrop_AbortsStreamWithoutCleanEnd() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Faults = new FaultSettings { WatchDropSeconds = 1 } });
        using var client = SimHttp.Client(sim);
        var rv = sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var _ in SimHttp.WatchAsync(client, $"/api/v1/pods?watch=1&resourceVersion={rv}", ct))
            {
            }
        });
        Assert.True(ex is IOException or HttpRequestException, $"expected a broken stream, got {ex?.GetType().Name ?? "a clean end"}");
    });

    [Fact]
    public Task WatchStall_KeepsConnectionOpenWithoutEvents() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var rv = sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        sim.SetFaults(new FaultSettings { WatchStall = true });
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quiet.CancelAfter(TimeSpan.FromSeconds(1.5));
        var received = 0;
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var _ in SimHttp.WatchAsync(client, $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}", quiet.Token))
            {
                received++;
            }
        });
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"unseen","namespace":"default"}}""");
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.Equal(0, received);
        Assert.False(ct.IsCancellationRequested);
    });

    [Fact]
    public Task Latency_DelaysResourceRequests() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { Faults = new FaultSettings { LatencyMilliseconds = 300 } });
        using var client = SimHttp.Client(sim);
        await SimHttp.GetJsonAsync(client, "/api/v1/namespaces", ct);
        var watch = Stopwatch.StartNew();
        Assert.Equal(200, (await SimHttp.GetJsonAsync(client, "/api/v1/namespaces", ct)).Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered in {watch.Elapsed}");
    });
}
