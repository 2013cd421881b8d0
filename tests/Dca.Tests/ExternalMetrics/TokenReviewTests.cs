using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dca.ExternalMetrics;
using Dca.Sim;
using Dca.Testing;
using Dca.Tests.Api;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// Bearer tokens on the external metrics port (<c>DCA_EXTERNAL_METRICS_TOKEN_REVIEW=true</c>): the provider asks the
/// API server (the simulator) whose token it is (TokenReview) and whether that user may read the metric
/// (SubjectAccessReview), against RBAC objects applied with the real kubectl. A reader bound in one namespace reads
/// there and nowhere else, an unbound identity is forbidden with the reason, an unknown token is unauthorized.
/// </summary>
public sealed class TokenReviewTests : IAsyncLifetime
{
    private const string ReaderToken = "reader-token-0123456789abcdef0123456789";
    private const string NobodyToken = "nobody-token-0123456789abcdef0123456789";
    private readonly int _port = FreePort.Next();
    private AgentUnderTest _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = await AgentUnderTest.StartAsync(
            new SimulatorOptions
            {
                RunActivity = false, Kubelets = false,
                ExtraTokens = new Dictionary<string, string>
                {
                    ["system:serviceaccount:monitoring:reader"] = ReaderToken,
                    ["system:serviceaccount:monitoring:nobody"] = NobodyToken,
                },
            },
            o => o with { ExternalMetrics = new ExternalMetricsSettings { Enabled = true, Port = _port, TokenReview = true } }).WithTimeout();
        await _agent.WaitReadyAsync();
        await DatadogMetricTests.KubectlWithInput(_agent.Sim, """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: external-metrics-reader
            rules:
              - apiGroups: [external.metrics.k8s.io]
                resources: ["*"]
                verbs: [get, list, watch]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: reader-reads-shop
              namespace: shop
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: external-metrics-reader
            subjects:
              - kind: ServiceAccount
                name: reader
                namespace: monitoring
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: metrics-discovery
            rules:
              - nonResourceURLs: [/apis, /apis/*]
                verbs: [get]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: monitoring-discovers
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: metrics-discovery
            subjects:
              - kind: Group
                name: system:serviceaccounts:monitoring
                apiGroup: rbac.authorization.k8s.io
            """, "apply", "-f", "-");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var content = new StringContent($$"""{"series":[{"metric":"queue.depth","type":3,"points":[{"timestamp":{{now}},"value":42}],"tags":["kube_namespace:shop"],"resources":[{"type":"host","name":"node-1"}]}]}""",
            Encoding.UTF8, "application/json");
        using var pushed = await _agent.Api.PostAsync(new Uri("/api/v2/series", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, pushed.StatusCode);
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private async Task<(HttpStatusCode Code, JsonElement Body)> GetAsync(string path, string token)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task BearerTokens_AreReviewedAndAuthorizedByTheApiServer()
    {
        const string Shop = "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue.depth";
        var code = HttpStatusCode.ServiceUnavailable;
        JsonElement body = default;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                (code, body) = await GetAsync(Shop, ReaderToken);
                return true;
            }
            catch (HttpRequestException)
            {
                return false; // the port is not listening yet
            }
        }, "the external metrics port to answer");
        Assert.True(code == HttpStatusCode.OK, body.ToString());
        Assert.Equal("42", body.GetProperty("items")[0].GetProperty("value").GetString());

        // Bound in shop only: elsewhere forbidden, with the reason.
        var (otherCode, other) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue.depth", ReaderToken);
        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), (otherCode, other.GetProperty("reason").GetString()));
        Assert.Contains("user system:serviceaccount:monitoring:reader may not list queue.depth.external.metrics.k8s.io in namespace default",
            other.GetProperty("message").GetString(), StringComparison.Ordinal);

        // A known identity no binding names: forbidden; discovery (a non-resource URL bound to its group) allowed.
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(Shop, NobodyToken)).Code);
        var (discoveryCode, discovery) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1", NobodyToken);
        Assert.Equal(HttpStatusCode.OK, discoveryCode);
        Assert.Equal("APIResourceList", discovery.GetProperty("kind").GetString());

        // A token the API server does not know: unauthorized, and the token is not in the answer.
        var (unknownCode, unknown) = await GetAsync(Shop, "not-a-token-the-api-server-knows-000000");
        Assert.Equal((HttpStatusCode.Unauthorized, "Unauthorized"), (unknownCode, unknown.GetProperty("reason").GetString()));
        Assert.Contains("the bearer token is not valid", unknown.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-token", unknown.ToString(), StringComparison.Ordinal);

        // The reviews went to the API server as dca's identity would make them (system:auth-delegator's grants).
        var audit = _agent.Sim.Audit();
        Assert.Contains(audit, e => (e.Verb, e.Group, e.Resource) == ("create", "authentication.k8s.io", "tokenreviews"));
        Assert.Contains(audit, e => (e.Verb, e.Group, e.Resource) == ("create", "authorization.k8s.io", "subjectaccessreviews"));
    }
}
