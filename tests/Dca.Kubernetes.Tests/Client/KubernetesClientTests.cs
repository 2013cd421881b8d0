using System.Net;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Kubernetes.Models;
using Dca.Testing;
using static Dca.Kubernetes.Tests.Client.FakeApiServer;

namespace Dca.Kubernetes.Tests.Client;

public class KubernetesClientTests
{
    [Fact]
    public async Task ListPage_TooManyRequests_WaitsRetryAfterThenSucceeds()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 429, Status(429, "TooManyRequests", "slow down"), r => r.Headers.RetryAfter = "1"));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("a", "p1", "5"))));
        using var client = server.Client();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var list = await client.ListPageAsync(Resources.Pods, new ListOptions(), CancellationToken.None).WithTimeout();

        Assert.Single(list.Items!);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before Retry-After");
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task ListPage_Forbidden_ErrorNamesVerbAndResource()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 403, Status(403, "Forbidden", "pods is forbidden: User cannot list resource")));
        using var client = server.Client();

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            client.ListPageAsync(Resources.Pods, new ListOptions(), CancellationToken.None)).WithTimeout();

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Contains("not allowed to list pods in all namespaces", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pods is forbidden", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Get_NotFound_TryGetReturnsNull()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 404, Status(404, "NotFound", "configmaps \"x\" not found")));
        using var client = server.Client();

        var result = await client.TryGetAsync(Resources.ConfigMaps, "default", "x", CancellationToken.None).WithTimeout();

        Assert.Null(result);
        Assert.Equal("/api/v1/namespaces/default/configmaps/x", server.Requests.Single());
    }

    [Fact]
    public async Task Send_Unauthorized_RefreshesCredentialsOnce()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 401, Status(401, "Unauthorized", "token expired")));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null)));
        var credentials = new RotatingCredentials();
        using var client = server.Client(credentials);

        await client.ListPageAsync(Resources.Pods, new ListOptions(), CancellationToken.None).WithTimeout();

        Assert.Equal(["Bearer token-1", "Bearer token-2"], server.Authorizations);
    }

    [Fact]
    public async Task Create_ServerError_IsNotRetried()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 500, Status(500, "InternalError", "boom")));
        using var client = server.Client();
        var map = new ConfigMap { Metadata = new ObjectMeta { Name = "x", Namespace = "default" } };

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => client.CreateAsync(Resources.ConfigMaps, map, CancellationToken.None)).WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ListPage_MetadataOnly_SendsPartialObjectMetadataAccept()
    {
        await using var server = await FakeApiServer.StartAsync();
        string? accept = null;
        server.EnqueueList(ctx =>
        {
            accept = ctx.Request.Headers.Accept.ToString();
            return Respond(ctx, 200, """{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"3"},"items":[{"metadata":{"name":"n1","labels":{"zone":"a"}}}]}""");
        });
        using var client = server.Client();

        var list = await client.ListPageAsync(Resources.NodeMetadata, new ListOptions(), CancellationToken.None).WithTimeout();

        Assert.Equal("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", accept);
        Assert.Equal("a", list.Items![0].Metadata.Labels!["zone"]);
    }

    [Fact]
    public async Task ListPage_ValuesLongerThanTheReadSegments_AreReadWhole()
    {
        // A 1 MiB annotation and a long label, with escapes, spread over a page of small objects: the body
        // is read in 16 KiB segments and the long values in unpooled buffers (AnswerMemoryPool).
        var blob = string.Concat(Enumerable.Repeat("0123456789\\\"abcdef", 1024 * 1024 / 16));
        var items = string.Join(",", Enumerable.Range(0, 200).Select(i => i == 100
            ? $$$$"""{"metadata":{"name":"n{{{{i}}}}","labels":{"zone":"{{{{new string('z', 63)}}}}"},"annotations":{"example.com/blob":"{{{{blob}}}}"}}}"""
            : $$$$"""{"metadata":{"name":"n{{{{i}}}}","labels":{"zone":"a"}}}"""));
        await using var server = await FakeApiServer.StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, $$"""{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"3"},"items":[{{items}}]}"""));
        using var client = server.Client();

        var list = await client.ListPageAsync(Resources.NodeMetadata, new ListOptions(), CancellationToken.None).WithTimeout();

        Assert.Equal(200, list.Items!.Count);
        var annotated = list.Items[100].Metadata;
        Assert.Equal(blob.Replace("\\\"", "\"", StringComparison.Ordinal), annotated.Annotations!["example.com/blob"]);
        Assert.Equal(new string('z', 63), annotated.Labels!["zone"]);
        Assert.Equal("n199", list.Items[199].Metadata.Name);
    }

    private sealed class RotatingCredentials : ICredentialSource
    {
        private int _generation = 1;

        public ValueTask<Credentials> GetAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new Credentials($"token-{_generation}", null));

        public void Invalidate() => _generation++;
    }
}
