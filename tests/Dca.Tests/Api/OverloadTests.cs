using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Dca.Api;
using Dca.Telemetry;
using Dca.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.Api;

/// <summary>
/// Load shedding on the HTTPS ports: a connection limit, a request rate per connection (429) and a limit on
/// requests in flight (503), each refusal with Retry-After, counted, and never in the way of the next client.
/// </summary>
public sealed class OverloadTests
{
    private static HttpClient OneConnection(Uri baseAddress, bool token = true)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { BaseAddress = baseAddress };
        if (token)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AgentUnderTest.Token);
        }
        return client;
    }

    private static async Task<string> Metrics(AgentUnderTest agent) => await agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    [Fact]
    public async Task Requests_FasterThanTheConnectionRate_429WithRetryAfter_OtherConnectionsUnaffected()
    {
        await using var agent = await AgentUnderTest.StartAsync(configure: o => o with { Admission = new AdmissionSettings { RequestsPerConnectionPerSecond = 1 } }).WithTimeout();
        await agent.WaitReadyAsync();
        using var client = OneConnection(agent.Api.BaseAddress!);

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await client.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout());
        }

        Assert.Equal(HttpStatusCode.OK, statuses[0].StatusCode);
        var refused = statuses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After in seconds");
        Assert.Contains("too many requests on this connection", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var other = OneConnection(agent.Api.BaseAddress!);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout()).StatusCode);
        Assert.Matches("dca_api_shed_requests_total\\{port=\"cmd\",reason=\"connection_rate\"\\} [1-9]", await Metrics(agent));
        foreach (var response in statuses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Connections_BeyondTheLimit_ClosedAtOnce_CountedAndAdmittedOnceOneCloses()
    {
        await using var agent = await AgentUnderTest.StartAsync(configure: o => o with { Admission = new AdmissionSettings { MaxConnections = 2 } }).WithTimeout();
        await agent.WaitReadyAsync();
        var first = OneConnection(agent.Api.BaseAddress!);
        using var second = OneConnection(agent.Api.BaseAddress!);
        using var third = OneConnection(agent.Api.BaseAddress!);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout()).StatusCode);

        await Assert.ThrowsAsync<HttpRequestException>(() => third.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout());

        var metrics = await Metrics(agent);
        Assert.Contains("dca_api_open_connections{port=\"cmd\"} 2", metrics, StringComparison.Ordinal);
        Assert.Matches("dca_api_refused_connections_total\\{port=\"cmd\"\\} [1-9]", metrics);
        // The health port is not part of the budget: the kubelet's probes still get through.
        Assert.True((await agent.Health.GetAsync(new Uri("/live", UriKind.Relative)).WithTimeout()).IsSuccessStatusCode);

        first.Dispose();
        await Wait.UntilAsync(async () => (await Metrics(agent)).Contains("dca_api_open_connections{port=\"cmd\"} 1", StringComparison.Ordinal), "the closed connection to be counted out");
        Assert.Equal(HttpStatusCode.OK, (await third.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout()).StatusCode);
    }

    [Fact]
    public async Task Connections_PastNinetyPercentOfTheLimit_Answered503WithRetryAfter()
    {
        await using var agent = await AgentUnderTest.StartAsync(configure: o => o with { Admission = new AdmissionSettings { MaxConnections = 10 } }).WithTimeout();
        await agent.WaitReadyAsync();
        var clients = Enumerable.Range(0, 10).Select(_ => OneConnection(agent.Api.BaseAddress!)).ToList();
        try
        {
            var answers = new List<HttpResponseMessage>();
            foreach (var client in clients)
            {
                answers.Add(await client.GetAsync(new Uri("/version", UriKind.Relative)).WithTimeout());
            }

            Assert.All(answers.Take(9), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
            var shed = answers[9];
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
            Assert.InRange(shed.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 5, 10);
            Assert.Contains("connections open", await shed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Matches("dca_api_shed_requests_total\\{port=\"cmd\",reason=\"connections\"\\} 1", await Metrics(agent));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Requests_BeyondTheInFlightLimit_503WithJitteredRetryAfter_AndAdmittedAgainAfter()
    {
        var admission = new ApiAdmission(new AdmissionSettings { MaxInFlight = 1, RetryAfter = TimeSpan.FromSeconds(5) }, "cmd",
            new ManualTimeProvider(), NullLogger.Instance);
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = admission.Requests(context => context.Request.Path == "/slow" ? slow.Task : Task.CompletedTask);
        var held = pipeline(new DefaultHttpContext { Request = { Path = "/slow" } });

        var refused = new DefaultHttpContext();
        refused.Response.Body = new MemoryStream();
        await pipeline(refused).WithTimeout();

        Assert.False(held.IsCompleted);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, refused.Response.StatusCode);
        var retryAfter = int.Parse(refused.Response.Headers.RetryAfter.ToString(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 5, 10);
        Assert.Contains("overloaded", System.Text.Encoding.UTF8.GetString(((MemoryStream)refused.Response.Body).ToArray()), StringComparison.Ordinal);
        Assert.Equal(1, admission.ShedInFlight);

        slow.SetResult();
        await held.WithTimeout();
        Assert.Equal(0, admission.InFlight);
        var admitted = new DefaultHttpContext();
        await pipeline(admitted).WithTimeout();
        Assert.Equal(StatusCodes.Status200OK, admitted.Response.StatusCode);
    }

    [Fact]
    public void Collect_WritesEveryFamilyWithThePort()
    {
        var admission = new ApiAdmission(new AdmissionSettings(), "external_metrics", TimeProvider.System, NullLogger.Instance);
        var text = new System.Text.StringBuilder();

        admission.Collect(new MetricsWriter(text));

        foreach (var family in new[] { "dca_api_open_connections", "dca_api_inflight_requests", "dca_api_refused_connections_total" })
        {
            Assert.Contains($"{family}{{port=\"external_metrics\"}} 0", text.ToString(), StringComparison.Ordinal);
        }
        Assert.Contains("dca_api_shed_requests_total{port=\"external_metrics\",reason=\"inflight\"} 0", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("dca_api_shed_requests_total{port=\"external_metrics\",reason=\"connection_rate\"} 0", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("dca_api_shed_requests_total{port=\"external_metrics\",reason=\"connections\"} 0", text.ToString(), StringComparison.Ordinal);
    }
}
