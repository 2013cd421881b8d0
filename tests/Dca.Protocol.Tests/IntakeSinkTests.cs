using System.Net;
using System.Text.Json;
using Dca.Protocol.Intake;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Protocol.Tests;

public class IntakeSinkTests
{
    private const string ApiKey = "0123456789abcdef0123456789abcdef";

    private static DatadogIntakeSink Sink(TestIntake intake, int maxQueued = 10_000) => new(
        new IntakeSinkOptions
        {
            ApiKey = ApiKey,
            BaseUri = intake.BaseUri,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxAttempts = 4,
            MaxQueuedServiceChecks = maxQueued,
        },
        TimeProvider.System, NullLogger<DatadogIntakeSink>.Instance);

    [Fact]
    public async Task SendServiceChecksAsync_PostsGzippedCheckRunArrayWithTheApiKey()
    {
        await using var intake = await TestIntake.StartAsync();
        using var sink = Sink(intake);

        await sink.SendServiceChecksAsync([new ServiceCheck { Check = "kube_apiserver_controlplane.up", Status = ServiceCheck.Ok, Timestamp = 1700000000, Tags = ["component:etcd-0"] }], CancellationToken.None);

        var request = Assert.Single(intake.Requests);
        Assert.Equal("/api/v1/check_run", request.Path);
        Assert.Equal(ApiKey, request.ApiKey);
        Assert.Equal("gzip", request.Encoding);
        var check = Assert.Single(JsonDocument.Parse(request.Body).RootElement.EnumerateArray().ToList());
        Assert.Equal("kube_apiserver_controlplane.up", check.GetProperty("check").GetString());
        Assert.Equal(0, check.GetProperty("status").GetInt32());
        Assert.Equal(1700000000, check.GetProperty("timestamp").GetInt64());
        Assert.Equal("component:etcd-0", check.GetProperty("tags")[0].GetString());
        Assert.Equal("", check.GetProperty("host_name").GetString());
        Assert.Equal(1, sink.Sent);
    }

    [Fact]
    public async Task SendEventsAsync_RetriesServerErrorsAndThrottling_ThenDeliversOnce()
    {
        await using var intake = await TestIntake.StartAsync();
        intake.Failures.Enqueue((HttpStatusCode.InternalServerError, null));
        intake.Failures.Enqueue((HttpStatusCode.TooManyRequests, 0));
        using var sink = Sink(intake);

        await sink.SendEventsAsync([new IntakeEvent { Title = "Events from the Pod shop/web-1", Text = "%%%\n1 **Pulled**: ok\n%%%", DateHappened = 1700000000, AggregationKey = "kubernetes_apiserver:uid-1", Tags = ["kube_kind:Pod"] }], CancellationToken.None);

        Assert.Equal(3, intake.Requests.Count);
        Assert.All(intake.Requests, r => Assert.Equal("/api/v1/events", r.Path));
        var e = JsonDocument.Parse(intake.Requests.Last().Body).RootElement;
        Assert.Equal("Events from the Pod shop/web-1", e.GetProperty("title").GetString());
        Assert.Equal("normal", e.GetProperty("priority").GetString());
        Assert.Equal("info", e.GetProperty("alert_type").GetString());
        Assert.Equal("kubernetes", e.GetProperty("source_type_name").GetString());
        Assert.Equal("kubernetes_apiserver:uid-1", e.GetProperty("aggregation_key").GetString());
        Assert.Equal(2, sink.Retries);
        Assert.Equal(1, sink.Sent);
    }

    [Fact]
    public async Task SendEventsAsync_ThrottledForAnHour_RetriesAfterTheLongestBackoff()
    {
        await using var intake = await TestIntake.StartAsync();
        intake.Failures.Enqueue((HttpStatusCode.TooManyRequests, 3600));
        using var sink = new DatadogIntakeSink(
            new IntakeSinkOptions { ApiKey = ApiKey, BaseUri = intake.BaseUri, RetryMaxDelay = TimeSpan.FromMilliseconds(50) },
            TimeProvider.System, NullLogger<DatadogIntakeSink>.Instance);

        // An hour-long Retry-After honoured as given would outlast the guard.
        await sink.SendEventsAsync([new IntakeEvent { Title = "t", Text = "x", DateHappened = 1700000000 }], CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, intake.Requests.Count);
        Assert.Equal(1, sink.Sent);
    }

    [Fact]
    public async Task SendEventsAsync_WrongKey_FailsWithoutRetryOrShowingTheKey()
    {
        await using var intake = await TestIntake.StartAsync();
        intake.Failures.Enqueue((HttpStatusCode.Forbidden, null));
        using var sink = Sink(intake);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => sink.SendEventsAsync([new IntakeEvent { Title = "t", Text = "x" }], CancellationToken.None));

        Assert.Contains("DD_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, ex.Message, StringComparison.Ordinal);
        Assert.Single(intake.Requests);
        Assert.Equal(1, sink.Failures);
    }

    [Fact]
    public async Task SendEventsAsync_IntakeDown_GivesUpAfterTheRetriesAndThrows()
    {
        await using var intake = await TestIntake.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            intake.Failures.Enqueue((HttpStatusCode.ServiceUnavailable, null));
        }
        using var sink = Sink(intake);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => sink.SendEventsAsync([new IntakeEvent { Title = "t", Text = "x" }], CancellationToken.None));

        Assert.StartsWith("gave up after 4 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, intake.Requests.Count);
        Assert.Equal(0, sink.Sent);
    }

    [Fact]
    public async Task SendServiceChecksAsync_MoreThanTheQueueHolds_DropsAndCounts()
    {
        await using var intake = await TestIntake.StartAsync();
        using var sink = Sink(intake, maxQueued: 2);

        await sink.SendServiceChecksAsync([.. Enumerable.Range(0, 3).Select(i => new ServiceCheck { Check = "c" + i })], CancellationToken.None);

        Assert.Empty(intake.Requests);
        Assert.Equal(3, sink.Dropped);
    }

    [Fact]
    public async Task JsonLinesSink_WritesOneLinePerItem()
    {
        using var writer = new StringWriter();
        using var sink = new JsonLinesSink(writer);

        await sink.SendEventsAsync([new IntakeEvent { Title = "t", Text = "x" }], CancellationToken.None);
        await sink.SendServiceChecksAsync([new ServiceCheck { Check = "c", Status = ServiceCheck.Critical }], CancellationToken.None);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("event", JsonDocument.Parse(lines[0]).RootElement.GetProperty("kind").GetString());
        Assert.Equal(2, JsonDocument.Parse(lines[1]).RootElement.GetProperty("service_check").GetProperty("status").GetInt32());
    }

    [Fact]
    public void Options_ForSite_BuildsTheApiBase()
    {
        Assert.Equal(new Uri("https://api.datadoghq.eu/"), IntakeSinkOptions.ForSite("datadoghq.eu", null));
        Assert.Equal(new Uri("https://intake.example.com/"), IntakeSinkOptions.ForSite("datadoghq.com", "https://intake.example.com/"));
        Assert.DoesNotContain(ApiKey, new IntakeSinkOptions { ApiKey = ApiKey, BaseUri = new Uri("https://x/") }.ToString(), StringComparison.Ordinal);
        Assert.Equal("IntakeSinkOptions { BaseUri = https://***@proxy.example.com:3128/intake, ApiKey = <redacted> }",
            new IntakeSinkOptions { ApiKey = ApiKey, BaseUri = new Uri("https://user:s3cret@proxy.example.com:3128/intake") }.ToString());
    }
}
