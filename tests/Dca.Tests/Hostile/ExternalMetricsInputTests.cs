using System.Text;
using System.Text.Json;
using Dca.ExternalMetrics;
using FsCheck;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// The external metrics API (8443) as the aggregator calls it, with hostile label selectors, metric names, paths,
/// methods and credentials: every answer is a Kubernetes <c>Status</c> naming the reason (or the value), never a bare 5xx.
/// </summary>
public sealed class ExternalMetricsInputTests(HostileAgent fixture) : IClassFixture<HostileAgent>, IAsyncLifetime
{
    private const string Values = "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/";
    private const string User = "X-Remote-User: system:kube-controller-manager";

    public async Task InitializeAsync()
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var payload = $$"""{"series":[{"metric":"hostile.metric","points":[{"timestamp":{{now}},"value":5}],"tags":["a:1","b","c:x y"],"resources":[{"type":"host","name":"node-1"}]}]}""";
        var pushed = await RawHttp.SendAsync(fixture.CommandPort, tls: true,
            RawHttp.Request("POST", "/api/v2/series", [HostileAgent.Authorization], Encoding.UTF8.GetByteCount(payload)), new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        Assert.Equal(202, pushed.Status);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<RawResponse> GetAsync(string target, string method = "GET", string[]? headers = null, bool certificate = true) =>
        RawHttp.SendAsync(fixture.ExternalMetricsPort, tls: true, RawHttp.Request(method, target, headers ?? [User]), clientCertificate: certificate ? fixture.FrontProxy : null);

    /// <summary>The body is a Kubernetes object (a value list, a discovery document, or a <c>Status</c> whose code is the HTTP status).</summary>
    private static void AssertKubernetesAnswer(RawResponse response, string request, bool head = false)
    {
        Answers.AssertHandled(response, request, head);
        Assert.True(response.Status < 500, $"{request} -> {response}");
        if (head)
        {
            return;
        }
        using var body = JsonDocument.Parse(response.Body);
        if (body.RootElement.GetProperty("kind").GetString() == "Status")
        {
            Assert.Equal(response.Status, body.RootElement.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("message").GetString()));
        }
    }

    [Theory]
    [InlineData("a=1", 200, "")]
    [InlineData("a%20in%20(b", 400, "a set is written (a,b)")]
    [InlineData("!", 400, "invalid key")]
    [InlineData(",,,", 400, "empty requirement")]
    [InlineData("a%20notin", 400, "invalid key")]
    [InlineData("a%3D1,a%3D%3D1", 200, "")]
    [InlineData("a%20in%20()", 404, "no series of hostile.metric matches")]
    [InlineData("%ff%fe", 404, "no series")]
    [InlineData("%c0%af%ed%a0%80", 404, "no series")]
    [InlineData("a%00%3Db", 404, "no series")]
    [InlineData("c%3Dx%20y", 200, "")]
    [InlineData("((((((((((", 404, "no series")]
    [InlineData("))))))),a", 400, "unbalanced closing parenthesis at 0")]
    [InlineData("{long}", 200, "")]
    [InlineData("a&labelSelector=zz", 404, "no series")]
    public async Task Value_HostileLabelSelector_IsAnsweredWithAStatus(string selector, int status, string reason)
    {
        selector = selector.Replace("{long}", string.Join(',', Enumerable.Repeat("a", 3000)), StringComparison.Ordinal);
        var response = await GetAsync(Values + "hostile.metric?labelSelector=" + selector);
        AssertKubernetesAnswer(response, selector);
        Assert.Equal(status, response.Status);
        Assert.Contains(reason, response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("an unknown metric", "GET", Values + "no.such", 404, "the external metric no.such is not known")]
    [InlineData("an invalid escape in the metric", "GET", Values + "%ff%zz", 404, "is not known")]
    [InlineData("a 4,000-character metric", "GET", Values + "{long}", 404, "is not known")]
    [InlineData("encoded dot segments", "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/%2e%2e/hostile.metric", 0, "")]
    [InlineData("dot segments", "GET", "/apis/x/../external.metrics.k8s.io/v1beta1", 200, "APIResourceList")]
    [InlineData("an unknown path", "GET", "/apis/external.metrics.k8s.io/v1beta2", 404, "the server could not find the requested resource")]
    [InlineData("a deeper path", "GET", Values + "hostile.metric/extra", 404, "the server could not find the requested resource")]
    [InlineData("POST", "POST", "/apis", 405, "not allowed")]
    [InlineData("PUT on a value", "PUT", Values + "hostile.metric", 405, "not allowed")]
    [InlineData("OPTIONS", "OPTIONS", "/apis/external.metrics.k8s.io", 405, "not allowed")]
    [InlineData("HEAD", "HEAD", "/apis", 405, "")]
    public async Task Request_HostilePathOrMethod_IsAnsweredWithAStatus(string name, string method, string target, int status, string reason)
    {
        target = target.Replace("{long}", new string('m', 4000), StringComparison.Ordinal);
        var response = await GetAsync(target, method);
        AssertKubernetesAnswer(response, name, head: method == "HEAD");
        Assert.True(status == 0 || status == response.Status, $"{name} -> {response}");
        Assert.Contains(reason, response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no certificate", false, User, 401)]
    [InlineData("no user", true, "", 401)]
    [InlineData("an empty user", true, "X-Remote-User: ", 401)]
    [InlineData("the user twice", true, User + "|X-Remote-User: mallory", 200)]
    [InlineData("a 6 KB user", true, "X-Remote-User: {long}", 200)]
    [InlineData("a bearer token and no certificate", false, "Authorization: Bearer x", 401)]
    public async Task Request_HostileCredentials_AreRefusedWithAStatus(string name, bool certificate, string headers, int status)
    {
        string[] lines = headers.Length == 0 ? [] : [.. headers.Replace("{long}", new string('u', 6000), StringComparison.Ordinal).Split('|')];
        var response = await GetAsync("/apis", headers: lines, certificate: certificate);
        AssertKubernetesAnswer(response, name);
        Assert.Equal(status, response.Status);
    }

    [Fact]
    public void Parse_AnySelector_GivesRequirementsOrAFormatException()
    {
        var tags = HostileInput.Text.ArrayOf();
        Check.One(HostileInput.Runs(1000), Prop.ForAll(Gen.Zip(Gen.OneOf(HostileInput.Text, HostileInput.Mutated("a=1,b!=2,c in (x, y),d notin (z),e,!f")), tags,
            static (s, t) => (s, t)).ToArbitrary(), c =>
        {
            MetricSelector selector;
            try
            {
                selector = MetricSelector.Parse(c.s);
            }
            catch (FormatException e)
            {
                Assert.Contains("label selector", e.Message, StringComparison.Ordinal);
                return;
            }
            _ = selector.Matches(c.t);
            Assert.All(selector.Requirements, r => Assert.False(string.IsNullOrWhiteSpace(r.Key)));
        }));
    }

    [Fact]
    public async Task Value_AnySelectorOrMetric_IsAnsweredWithAStatus_AndTheAgentKeepsServing()
    {
        static string Escape(string s) => Uri.EscapeDataString(s.Replace("\0", "", StringComparison.Ordinal));
        var requests = Gen.Zip(Gen.OneOf(Gen.Constant("hostile.metric"), HostileInput.Text.Where(static t => t.Length > 0)),
            Gen.OneOf(HostileInput.Text, HostileInput.Mutated("a=1,b,c in (x y),!d")), static (m, s) => (m, s));
        foreach (var (metric, selector) in HostileInput.Sample(requests, 200))
        {
            string target;
            try
            {
                target = Values + Escape(metric) + "?labelSelector=" + Escape(selector);
            }
            catch (UriFormatException)
            {
                continue;
            }
            var response = await GetAsync(target);
            AssertKubernetesAnswer(response, target);
        }
        await fixture.AssertStillServingAsync();
    }
}
