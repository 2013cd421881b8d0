using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.ExternalMetrics;
using Dca.Sim.Store;
using Dca.Testing;
using Dca.Tests.Api;

namespace Dca.Tests.ExternalMetrics;

/// <summary>
/// The external metrics API over HTTPS as the API server's aggregator calls it: a front-proxy client certificate
/// that chains to the CA in <c>kube-system/extension-apiserver-authentication</c> (created in the simulator), the
/// user in <c>X-Remote-User</c>; values from the series node agents push to the cluster agent.
/// </summary>
public sealed class ExternalMetricsApiTests : IAsyncLifetime, IDisposable
{
    private readonly int _port = FreePort.Next();
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _frontProxy;
    private readonly X509Certificate2 _otherName;
    private readonly X509Certificate2 _rogue;
    private AgentUnderTest _agent = null!;

    public ExternalMetricsApiTests()
    {
        _ca = TestCertificates.Authority("front-proxy-ca");
        _frontProxy = TestCertificates.Client("front-proxy-client", _ca);
        _otherName = TestCertificates.Client("someone-else", _ca);
        _rogue = TestCertificates.Client("front-proxy-client", null);
    }

    public async Task InitializeAsync()
    {
        _agent = await AgentUnderTest.StartAsync(configure: o => o with
        {
            ExternalMetrics = new ExternalMetricsSettings { Enabled = true, Port = _port, AuthenticationRefresh = TimeSpan.FromMilliseconds(200) },
        }).WithTimeout();
        // The simulator publishes its own front-proxy CA there, as kube-apiserver does: replaced by this test's.
        _agent.Sim.Update(ResourceTypes.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system" },
            ["data"] = new JsonObject
            {
                ["requestheader-client-ca-file"] = _ca.ExportCertificatePem(),
                ["requestheader-allowed-names"] = "[\"front-proxy-client\"]",
                ["requestheader-username-headers"] = "[\"X-Remote-User\"]",
                ["requestheader-group-headers"] = "[\"X-Remote-Group\"]",
                ["requestheader-extra-headers-prefix"] = "[\"X-Remote-Extra-\"]",
            },
        }.ToJsonString());
        await _agent.WaitReadyAsync();
        // The CA is read within one refresh period.
        await Wait.UntilAsync(async () => (await GetAsync("/apis", _frontProxy)).Status == HttpStatusCode.OK, "the front-proxy CA to be read");
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    public void Dispose()
    {
        _ca.Dispose();
        _frontProxy.Dispose();
        _otherName.Dispose();
        _rogue.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, X509Certificate2? certificate, string? user = "system:kube-controller-manager")
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (user is not null)
        {
            request.Headers.Add("X-Remote-User", user);
            request.Headers.Add("X-Remote-Group", "system:authenticated");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>What a node agent sends: Datadog's v2 series, gzip-compressed.</summary>
    private async Task<(HttpStatusCode, string)> PushAsync(string json)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }
        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _agent.Api.PostAsync(new Uri("/api/v2/series", UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Payload(params string[] series) => "{\"series\":[" + string.Join(',', series) + "]}";

    private static string Series(string metric, string host, long timestamp, double value, params string[] tags) => new JsonObject
    {
        ["metric"] = metric,
        ["type"] = 3,
        ["points"] = new JsonArray(new JsonObject { ["timestamp"] = timestamp, ["value"] = value }),
        ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode?)JsonValue.Create(t))]),
        ["resources"] = new JsonArray(new JsonObject { ["type"] = "host", ["name"] = host }),
    }.ToJsonString();

    [Fact]
    public async Task PushedSeries_AreServedAsExternalMetrics_AveragedAcrossNodes()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (status, body) = await PushAsync(Payload(
            Series("kubernetes.cpu.usage.total", "node-1", now - 5, 100, "kube_deployment:web", "kube_namespace:shop"),
            Series("kubernetes.cpu.usage.total", "node-2", now, 301.5, "kube_deployment:web", "kube_namespace:shop"),
            Series("kubernetes.cpu.usage.total", "node-2", now, 50, "kube_deployment:db", "kube_namespace:shop")));
        Assert.Equal((HttpStatusCode.Accepted, """{"errors":[]}"""), (status, body));

        var (code, list) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/kubernetes.cpu.usage.total?labelSelector=kube_deployment%3Dweb", _frontProxy);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(("ExternalMetricValueList", "external.metrics.k8s.io/v1beta1"), (list.GetProperty("kind").GetString(), list.GetProperty("apiVersion").GetString()));
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("kubernetes.cpu.usage.total", item.GetProperty("metricName").GetString());
        Assert.Equal("web", item.GetProperty("metricLabels").GetProperty("kube_deployment").GetString());
        // (100 + 301.5) / 2 = 200.75, as a Kubernetes quantity; the timestamp is the newest point's.
        Assert.Equal("200750m", item.GetProperty("value").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(now).UtcDateTime, item.GetProperty("timestamp").GetDateTime().ToUniversalTime());

        var (_, all) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/kubernetes.cpu.usage.total", _frontProxy);
        Assert.Equal("150500m", all.GetProperty("items")[0].GetProperty("value").GetString());
        var (_, byHost) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/kubernetes.cpu.usage.total?labelSelector=host%3Dnode-2,kube_deployment%20in%20(db)", _frontProxy);
        Assert.Equal("50", byHost.GetProperty("items")[0].GetProperty("value").GetString());

        // Discovery lists the group, its version and the metric.
        var (_, groups) = await GetAsync("/apis", _frontProxy);
        Assert.Equal("external.metrics.k8s.io/v1beta1", groups.GetProperty("groups")[0].GetProperty("preferredVersion").GetProperty("groupVersion").GetString());
        var (_, resources) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1", _frontProxy);
        Assert.Contains(resources.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "kubernetes.cpu.usage.total"
            && r.GetProperty("kind").GetString() == "ExternalMetricValueList");
    }

    [Theory]
    [InlineData("none", "no client certificate")]
    [InlineData("rogue", "does not verify against the front-proxy CA")]
    [InlineData("other-name", "someone-else is not among requestheader-allowed-names")]
    [InlineData("no-user", "no user in X-Remote-User")]
    public async Task AnythingButTheFrontProxy_IsRefused_WithAStatus(string who, string reason)
    {
        var (certificate, user) = who switch
        {
            "none" => (null, "alice"),
            "rogue" => (_rogue, "alice"),
            "other-name" => (_otherName, "alice"),
            _ => (_frontProxy, (string?)null),
        };
        var (code, status) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/anything", certificate, user);
        Assert.Equal(HttpStatusCode.Unauthorized, code);
        Assert.Equal(("Status", "Failure", "Unauthorized", 401), (status.GetProperty("kind").GetString(), status.GetProperty("status").GetString(),
            status.GetProperty("reason").GetString(), status.GetProperty("code").GetInt32()));
        Assert.Contains(reason, status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownStaleAndMalformed_GetStatusesAnOperatorCanActOn()
    {
        var (unknownCode, unknown) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/no.such.metric", _frontProxy);
        Assert.Equal((HttpStatusCode.NotFound, "NotFound"), (unknownCode, unknown.GetProperty("reason").GetString()));
        Assert.Contains("no node agent has reported no.such.metric", unknown.GetProperty("message").GetString(), StringComparison.Ordinal);

        var old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(Payload(Series("queue.depth", "node-1", old, 7, "queue:jobs")))).Item1);
        var (staleCode, stale) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue.depth", _frontProxy);
        Assert.Equal((HttpStatusCode.InternalServerError, "InternalError"), (staleCode, stale.GetProperty("reason").GetString()));
        Assert.Contains("older than 120 s", stale.GetProperty("message").GetString(), StringComparison.Ordinal);

        var (badCode, bad) = await GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue.depth?labelSelector=queue%20in%20jobs", _frontProxy);
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest"), (badCode, bad.GetProperty("reason").GetString()));

        var (pushCode, pushReason) = await PushAsync("""{"series":[{"metric":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, pushCode);
        Assert.Contains("series 0 has no metric name or no points", pushReason, StringComparison.Ordinal);
    }
}
