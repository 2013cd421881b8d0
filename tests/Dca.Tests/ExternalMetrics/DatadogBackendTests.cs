using System.Net;
using System.Text.Json;
using Dca.ExternalMetrics;
using Dca.Testing;
using Dca.Tests.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// The Datadog backend: metric names and selectors become Datadog queries, batched on the query API with the keys,
/// answered as Datadog's cluster agent reads them (query_index, the last complete point); against a stand-in of the
/// query API, in-process and through the external metrics API.
/// </summary>
public sealed class DatadogBackendTests
{
    private const string ApiKey = "test-api-key-0123456789abcdef";
    private const string AppKey = "test-app-key-fedcba9876543210";

    [Fact]
    public void MetricNamesAndSelectors_BecomeDatadogQueries()
    {
        Assert.Equal("avg:nginx.net.request_per_s{!env:dev,kube_container_name:nginx}.rollup(30)",
            DatadogBackend.Query("avg", 30, "nginx.net.request_per_s", MetricSelector.Parse("kube_container_name=nginx,env!=dev")).Query);
        Assert.Equal("max:queue.depth{*}.rollup(60)", DatadogBackend.Query("max", 60, "queue.depth", MetricSelector.Everything).Query);
        var (query, error) = DatadogBackend.Query("avg", 30, "queue.depth", MetricSelector.Parse("zone in (a,b)"));
        Assert.Null(query);
        Assert.Contains("k=v and k!=v requirements only", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("avg:a{x:1,y:2}.rollup(30)", null)]
    [InlineData("sum:a{*}.as_count() / sum:b{*}.as_count()", null)]
    [InlineData("avg:a{name:\"x,y\"}", null)]
    [InlineData("avg:a{*},avg:b{*}", "a comma outside brackets")]
    [InlineData("avg:a{x:1", "an unclosed '{'")]
    [InlineData("avg:a{x:1})", "unbalanced ')'")]
    [InlineData("avg:a{name:\"x}", "an unterminated quoted string")]
    [InlineData("  ", "the query is empty")]
    public void Queries_AreValidatedBeforeBatching(string query, string? error)
    {
        var why = DatadogQueryClient.Validate(query);
        if (error is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.StartsWith(error, why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Answers_AreMatchedByQueryIndex_AndTakeTheLastCompletePoint()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var t = now.AddSeconds(-90).ToUnixTimeMilliseconds();
        var body = $$$"""
            {"status":"ok","series":[
              {"query_index":1,"pointlist":[[{{{t}}},1.0],[{{{t + 30_000}}},2.0],[{{{t + 60_000}}},3.0]]},
              {"query_index":0,"pointlist":[[{{{t}}},5.0],[{{{t + 30_000}}},null]]},
              {"query_index":2,"pointlist":[[{{{t}}},null]]},
              {"query_index":3,"pointlist":[[{{{t}}},1.0]]},
              {"query_index":3,"pointlist":[[{{{t}}},2.0]]}
            ]}
            """;
        var result = DatadogQueryClient.Parse(body, ["q0", "q1", "q2", "q3", "q4"], now, TimeSpan.FromMinutes(5));
        Assert.Equal(5.0, result["q0"].Value);
        Assert.Equal(2.0, result["q1"].Value);
        Assert.Equal(now.AddSeconds(-60), result["q1"].Timestamp);
        Assert.StartsWith("only null values", result["q2"].Error, StringComparison.Ordinal);
        Assert.StartsWith("the query returns several series", result["q3"].Error, StringComparison.Ordinal);
        Assert.StartsWith("Datadog has no series for this query", result["q4"].Error, StringComparison.Ordinal);

        var unindexed = DatadogQueryClient.Parse("""{"series":[{"pointlist":[[1,1.0]]}]}""", ["a", "b"], now, TimeSpan.FromMinutes(5));
        Assert.All(unindexed.Values, p => Assert.Contains("without query_index", p.Error, StringComparison.Ordinal));
        var rejected = DatadogQueryClient.Parse("""{"status":"error","error":"Error parsing query"}""", ["a"], now, TimeSpan.FromMinutes(5));
        Assert.Equal("Datadog rejected the query: Error parsing query", rejected["a"].Error);
    }

    [Fact]
    public async Task Batches_HoldTheChunkSize_AndEveryQueryGetsItsOwnAnswer()
    {
        await using var api = await FakeDatadogQueryApi.StartAsync(ApiKey, AppKey);
        var queries = Enumerable.Range(0, 80).Select(i => $"avg:m{i}{{*}}.rollup(30)").ToList();
        foreach (var (q, i) in queries.Select((q, i) => (q, i)))
        {
            api.Values[q] = i;
        }
        using var client = Client(api.BaseUri);
        var answers = await client.QueryAsync(queries, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal([35, 35, 10], api.Requests.Select(r => r.Length).Order().Reverse());
        Assert.All(queries.Select((q, i) => (q, i)), x => Assert.Equal(x.i, answers[x.q].Value));
    }

    [Fact]
    public async Task RefusedKeys_RateLimitsAndOutages_AreClearErrors_WithoutTheKeys()
    {
        await using var api = await FakeDatadogQueryApi.StartAsync(ApiKey, "another-app-key");
        using var refused = Client(api.BaseUri);
        var error = (await refused.QueryAsync(["avg:a{*}"], TimeSpan.FromMinutes(5), CancellationToken.None))["avg:a{*}"].Error!;
        Assert.Contains("refused the API key or application key (403: Forbidden)", error, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error, StringComparison.Ordinal);
        Assert.DoesNotContain(AppKey, error, StringComparison.Ordinal);

        await using var limited = await FakeDatadogQueryApi.StartAsync(ApiKey, AppKey);
        limited.Failures.Enqueue(HttpStatusCode.TooManyRequests);
        using var client = Client(limited.BaseUri);
        Assert.Equal("rate limited by the Datadog query API (429: Rate limit of 1600 requests in 3600 seconds reached); the limit resets in 17 s",
            (await client.QueryAsync(["avg:a{*}"], TimeSpan.FromMinutes(5), CancellationToken.None))["avg:a{*}"].Error);

        using var down = Client(new Uri($"http://127.0.0.1:{FreePort.Next()}/"));
        Assert.Contains("is not reachable", (await down.QueryAsync(["avg:a{*}"], TimeSpan.FromMinutes(5), CancellationToken.None))["avg:a{*}"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DatadogMetricStatus_MovesItsConditionsAsKubernetesDoes()
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var valid = DatadogMetricController.NextStatus(null, new DatadogPoint(12.5, t0.AddSeconds(-30), null), null, TimeSpan.FromMinutes(2), t0);
        Assert.Equal("12.5", valid.CurrentValue);
        Assert.True(valid.Condition("Valid")!.IsTrue);
        Assert.False(valid.Condition("Error")!.IsTrue);
        Assert.True(valid.Condition("Active")!.IsTrue);

        var t1 = t0.AddSeconds(30);
        var failed = DatadogMetricController.NextStatus(valid, DatadogPoint.Failed("rate limited", t1), null, TimeSpan.FromMinutes(2), t1);
        Assert.Equal("12.5", failed.CurrentValue);
        Assert.False(failed.Condition("Valid")!.IsTrue);
        Assert.Equal(t1, failed.Condition("Valid")!.LastTransitionTime);
        Assert.Equal(t0, failed.Condition("Active")!.LastTransitionTime);
        Assert.Equal(t1, failed.Condition("Updated")!.LastUpdateTime);
        Assert.Equal(("Unable to fetch data from Datadog", "rate limited"), (failed.Condition("Error")!.Reason, failed.Condition("Error")!.Message));

        var old = DatadogMetricController.NextStatus(null, new DatadogPoint(1, t1.AddMinutes(-5), null), null, TimeSpan.FromMinutes(2), t1);
        Assert.Equal("the latest value is 300 s old (max age 120 s)", old.Condition("Error")!.Message);
        var invalid = DatadogMetricController.NextStatus(null, null, "a comma outside brackets", TimeSpan.FromMinutes(2), t1);
        Assert.Equal("Invalid query", invalid.Condition("Error")!.Reason);
    }

    [Fact]
    public async Task TheExternalMetricsApi_AnswersFromDatadog_RefreshesAndReportsFailures()
    {
        await using var datadog = await FakeDatadogQueryApi.StartAsync(ApiKey, AppKey);
        const string Query = "avg:nginx.net.request_per_s{kube_container_name:nginx}.rollup(30)";
        datadog.Values[Query] = 1500;
        var port = FreePort.Next();
        await using var agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ExternalMetrics = new ExternalMetricsSettings
            {
                Enabled = true, Port = port, AuthenticationRefresh = TimeSpan.FromMilliseconds(200),
                Backend = ExternalMetricsBackendKind.Datadog,
                Datadog = new DatadogQuerySettings { Endpoint = datadog.BaseUri, ApiKey = ApiKey, AppKey = AppKey, RefreshPeriod = TimeSpan.FromMilliseconds(200) },
            },
        }).WithTimeout();
        using var client = FrontProxy.Trust(agent);
        const string Path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/nginx.net.request_per_s?labelSelector=kube_container_name%3Dnginx";
        JsonElement body = default;
        await Wait.UntilAsync(async () =>
        {
            (var status, body) = await FrontProxy.GetAsync(port, client, Path);
            return status == HttpStatusCode.OK;
        }, "the first answer from Datadog");
        Assert.Equal("1500", body.GetProperty("items")[0].GetProperty("value").GetString());
        Assert.Equal("nginx", body.GetProperty("items")[0].GetProperty("metricLabels").GetProperty("kube_container_name").GetString());

        // The leader refreshes what autoscalers ask for.
        datadog.Values[Query] = 2.25;
        await Wait.UntilAsync(async () => (await FrontProxy.GetAsync(port, client, Path)).Body.GetProperty("items")[0].GetProperty("value").GetString() == "2250m",
            "the refreshed value");
        var (_, discovery) = await FrontProxy.GetAsync(port, client, "/apis/external.metrics.k8s.io/v1beta1");
        Assert.Contains(discovery.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "nginx.net.request_per_s");

        // A metric Datadog has no data for is a 500 naming the query; a selector Datadog cannot express a 400.
        var (missing, missingBody) = await FrontProxy.GetAsync(port, client, "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/no.such.metric");
        Assert.Equal(HttpStatusCode.InternalServerError, missing);
        Assert.Contains("avg:no.such.metric{*}.rollup(30): Datadog has no series for this query", missingBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        var (bad, _) = await FrontProxy.GetAsync(port, client, "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/m?labelSelector=zone+in+(a,b)");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
    }

    private static DatadogQueryClient Client(Uri endpoint) =>
        new(new DatadogQuerySettings { Endpoint = endpoint, ApiKey = ApiKey, AppKey = AppKey }, TimeProvider.System, NullLogger<DatadogQueryClient>.Instance);
}
