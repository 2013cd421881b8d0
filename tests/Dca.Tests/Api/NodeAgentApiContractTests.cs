using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using Dca.Sim.Store;
using Dca.Testing;

namespace Dca.Tests.Api;

/// <summary>Every route's shape, headers and status codes, pinned to PROTOCOL.md §1.</summary>
public sealed class NodeAgentApiContractTests : IAsyncLifetime
{
    private AgentUnderTest _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = await AgentUnderTest.StartAsync().WithTimeout();
        await _agent.WaitReadyAsync();
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private async Task<(HttpStatusCode Code, string Body, HttpResponseMessage Response)> Get(string path, HttpClient? client = null)
    {
        var response = await (client ?? _agent.Api).GetAsync(new Uri(path, UriKind.Relative)).WithTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private string FirstNode => _agent.Sim.NodeNames[0];

    [Fact]
    public async Task Version_AnswersGoStructShape()
    {
        var (code, body, response) = await Get("/version");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(["Major", "Minor", "Patch", "Pre", "Meta", "Commit"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(7, doc.RootElement.GetProperty("Major").GetInt32());
    }

    [Fact]
    public async Task PodTagsForNode_EqualsTheSimulatorsEndpointSlices()
    {
        var truth = GroundTruth.PodServices(_agent.Sim);

        foreach (var node in _agent.Sim.NodeNames)
        {
            var (code, body, _) = await Get($"/api/v1/tags/pod/{node}");
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Equal(GroundTruth.NodeBody(node, truth[node]), body);
        }
    }

    [Fact]
    public async Task PodTagsForNode_ClientAcceptsGzip_TheSameBodiesCompressed()
    {
        var truth = GroundTruth.PodServices(_agent.Sim);
        var compressed = 0;

        foreach (var node in _agent.Sim.NodeNames)
        {
            // As Go's HTTP client (the Datadog node agent's) asks by default.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/tags/pod/{node}", UriKind.Relative));
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await _agent.Api.SendAsync(request).WithTimeout();
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var gzip = response.Content.Headers.ContentEncoding.SequenceEqual(["gzip"]);
            if (gzip)
            {
                compressed++;
                using var unzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
                using var json = new MemoryStream();
                await unzip.CopyToAsync(json);
                bytes = json.ToArray();
                Assert.Contains("Accept-Encoding", response.Headers.Vary);
            }
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(GroundTruth.NodeBody(node, truth[node]), System.Text.Encoding.UTF8.GetString(bytes));
        }
        Assert.True(compressed > 0, "no node body was sent compressed");
    }

    [Fact]
    public async Task PodTagsForNode_ClientRefusesGzip_PlainJson()
    {
        var node = GroundTruth.PodServices(_agent.Sim).MaxBy(n => n.Value.Sum(ns => ns.Value.Count)).Key;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/tags/pod/{node}", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip;q=0, *");

        using var response = await _agent.Api.SendAsync(request).WithTimeout();

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.StartsWith("{\"Nodes\":", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodTagsForNode_UnknownNode_Answers200WithWarning()
    {
        var (code, body, _) = await Get("/api/v1/tags/pod/no-such-node");

        Assert.Equal(HttpStatusCode.OK, code);
        using var doc = JsonDocument.Parse(body);
        Assert.False(doc.RootElement.TryGetProperty("Nodes", out _));
        Assert.StartsWith("Node no-such-node could not be added to the metadata map bundle", doc.RootElement.GetProperty("Warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodTagsForPod_KnownPod_AnswersKubeServiceTags()
    {
        var truth = GroundTruth.PodServices(_agent.Sim);
        var (node, namespaces) = truth.First(n => n.Value.Count > 0);
        var (ns, pods) = namespaces.First();
        var (pod, services) = pods.First();

        var (code, body, _) = await Get($"/api/v1/tags/pod/{node}/{ns}/{pod}");
        var (unknownCode, unknownBody, _) = await Get($"/api/v1/tags/pod/{node}/{ns}/no-such-pod");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(services.Select(s => "kube_service:" + s), JsonSerializer.Deserialize(body, TestJson.Default.StringArray)!);
        Assert.Equal(HttpStatusCode.OK, unknownCode);
        Assert.Equal("null", unknownBody);
    }

    [Fact]
    public async Task PodTagsAllNodes_ListsEveryNode()
    {
        var (code, body, _) = await Get("/api/v1/tags/pod");

        Assert.Equal(HttpStatusCode.OK, code);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(_agent.Sim.NodeNames.Order(StringComparer.Ordinal), doc.RootElement.GetProperty("Nodes").EnumerateObject().Select(n => n.Name));
    }

    [Fact]
    public async Task NodeLabels_AnswersTheNodesLabelsAsAnObject()
    {
        var (code, body, _) = await Get($"/api/v1/tags/node/{FirstNode}");
        var (missing, _, _) = await Get("/api/v1/tags/node/no-such-node");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(Normalize(GroundTruth.Label(_agent.Sim, ResourceTypes.Nodes, "", FirstNode)!), Normalize(body));
        Assert.Equal(HttpStatusCode.InternalServerError, missing);
    }

    [Fact]
    public async Task NodeAnnotations_OnlyHostAliasAnnotations()
    {
        var (code, body, _) = await Get($"/api/v1/annotations/node/{FirstNode}");

        Assert.Equal(HttpStatusCode.OK, code);
        using var doc = JsonDocument.Parse(body);
        Assert.All(doc.RootElement.EnumerateObject(), p => Assert.Equal("cluster.k8s.io/machine", p.Name));
    }

    [Fact]
    public async Task NodeUid_AnswersUidObject()
    {
        var uid = _agent.Sim.Store.Get(ResourceTypes.Nodes, "", FirstNode)!.Uid;

        var (code, body, _) = await Get($"/api/v1/uid/node/{FirstNode}");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal($$"""{"uid":"{{uid}}"}""", body);
    }

    [Fact]
    public async Task Namespace_LabelsAndMetadata()
    {
        var (labelsCode, labels, _) = await Get("/api/v1/tags/namespace/kube-system");
        var (metaCode, meta, _) = await Get("/api/v1/metadata/namespace/kube-system");
        var (missing, _, _) = await Get("/api/v1/tags/namespace/no-such-namespace");

        Assert.Equal(HttpStatusCode.OK, labelsCode);
        Assert.Equal(Normalize(GroundTruth.Label(_agent.Sim, ResourceTypes.Namespaces, "", "kube-system")!), Normalize(labels));
        Assert.Equal(HttpStatusCode.OK, metaCode);
        using var doc = JsonDocument.Parse(meta);
        Assert.Equal("kube-system", doc.RootElement.GetProperty("Name").GetString());
        Assert.Equal(_agent.Sim.Store.Get(ResourceTypes.Namespaces, "", "kube-system")!.Uid, doc.RootElement.GetProperty("UID").GetString());
        Assert.Equal(HttpStatusCode.InternalServerError, missing);
    }

    [Fact]
    public async Task ClusterId_IsKubeSystemUidAndPersisted()
    {
        var kubeSystemUid = _agent.Sim.Store.Get(ResourceTypes.Namespaces, "", "kube-system")!.Uid;
        await Wait.UntilAsync(async () => (await Get("/api/v1/cluster/id")).Code == HttpStatusCode.OK, "the cluster id");

        var (_, body, response) = await Get("/api/v1/cluster/id");

        Assert.Equal($"\"{kubeSystemUid}\"", body);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var map = _agent.Sim.Store.Get(ResourceTypes.ConfigMaps, "default", "datadog-cluster-id");
        Assert.NotNull(map);
        Assert.Contains(kubeSystemUid, System.Text.Encoding.UTF8.GetString(map.Json.Span), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "no session token provided")]
    [InlineData("Basic dXNlcjpwYXNz", HttpStatusCode.Unauthorized, "unsupported authorization scheme: Basic")]
    // The token without "Bearer" is a one-word "scheme": Datadog would echo it; only registered scheme names are.
    [InlineData(AgentUnderTest.Token, HttpStatusCode.Unauthorized, "unsupported authorization scheme")]
    [InlineData("X" + AgentUnderTest.Token + " x", HttpStatusCode.Unauthorized, "unsupported authorization scheme")]
    [InlineData("Bearer wrong-token", HttpStatusCode.Forbidden, "invalid session token")]
    [InlineData("Bearer " + AgentUnderTest.Token + " extra", HttpStatusCode.Forbidden, "invalid session token")]
    public async Task Authentication_BadCredentials_AreRefusedLikeDatadog(string? header, HttpStatusCode expected, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tags/pod/" + FirstNode);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }

        using var response = await _agent.Anonymous.SendAsync(request).WithTimeout();
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(message, body);
        Assert.DoesNotContain(AgentUnderTest.Token, body, StringComparison.Ordinal);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer realm=\"Datadog Agent\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task UnknownPath_Answers404BeforeAuthentication()
    {
        var (code, body, _) = await Get("/api/v1/nothing-here", _agent.Anonymous);

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("404 page not found\n", body);
    }

    [Theory]
    [InlineData("GET", "/api/v1/clusterchecks")]
    [InlineData("GET", "/api/v1/clusterchecks/configs/node-00001")]
    [InlineData("POST", "/api/v1/clusterchecks/status/node-00001")]
    [InlineData("POST", "/api/v1/clusterchecks/rebalance")]
    [InlineData("GET", "/api/v1/endpointschecks/configs/node-00001")]
    public async Task ClusterCheckRoutes_WhileDisabled_AnswerAsDatadogsDisabledHandler(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("""{"last_change":0,"node_type":2}""", System.Text.Encoding.UTF8, "application/json") : null,
        };
        using var response = await _agent.Api.SendAsync(request).WithTimeout();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Cluster-checks are not enabled", await response.Content.ReadAsStringAsync());
        // Authenticated like every node-agent route.
        using var anonymous = await _agent.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)).WithTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Tls_Http2IsNegotiatedAndTls12Refused()
    {
        using var h2 = new HttpRequestMessage(HttpMethod.Get, "/version") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await _agent.Api.SendAsync(h2).WithTimeout();
        Assert.Equal(HttpVersion.Version20, response.Version);

        var handler = new SocketsHttpHandler();
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var legacy = new HttpClient(handler) { BaseAddress = _agent.Api.BaseAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => legacy.GetAsync(new Uri("/version", UriKind.Relative))).WithTimeout();
    }

    [Fact]
    public async Task Metrics_CountRequestsByRouteAndCode()
    {
        await Get("/version");

        var text = await _agent.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative)).WithTimeout();

        Assert.Contains("dca_api_requests_total{route=\"version\",code=\"200\"}", text, StringComparison.Ordinal);
        Assert.Contains("dca_informer_objects{resource=\"nodes\"}", text, StringComparison.Ordinal);
        Assert.Contains("dca_snapshot_age_seconds", text, StringComparison.Ordinal);
        Assert.Contains("dca_api_request_duration_seconds_bucket{route=\"version\",le=\"+Inf\"}", text, StringComparison.Ordinal);
    }

    private static string Normalize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return string.Join(",", doc.RootElement.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + "=" + p.Value.GetString()));
    }
}
