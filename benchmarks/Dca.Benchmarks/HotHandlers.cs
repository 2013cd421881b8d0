using BenchmarkDotNet.Attributes;
using Dca.Api;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Metadata;
using Dca.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Benchmarks;

/// <summary>
/// ISSUE 4 budget: the hot handlers (<c>tags/pod/{node}</c>, <c>tags/node/{node}</c>) allocate nothing
/// per request: token check, snapshot lookup, pre-serialized body write, metrics. Measured on the
/// complete route delegate with a reused context (the framework's own per-request objects excluded). The
/// request accepts gzip, as Go's HTTP client (the Datadog node agent's) and dca-node ask by default, so a
/// body stored compressed is written as it is; <see cref="PodTagsForNodeWithoutGzip"/> is a client that does
/// not (the body is decompressed for it, an allocation of the body's size).
/// </summary>
[MemoryDiagnoser]
public class HotHandlers
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private DefaultHttpContext _context = null!;
    private DefaultHttpContext _plainContext = null!;
    private RequestDelegate _podTags = null!;
    private RequestDelegate _nodeLabels = null!;

    [GlobalSetup]
    public void Setup()
    {
        var holder = new SnapshotHolder();
        holder.Publish(SyntheticSnapshot.Build(nodes: 5_000, podsPerNode: 30));
        // Logging settings are not used by the handlers (and the shared hosting types exist in two referenced assemblies).
        var options = new DcaOptions { Logging = null!, Token = Token };
        var client = new KubernetesClient(new ClusterEndpoint
        {
            Server = new Uri("https://127.0.0.1:1"),
            Credentials = new StaticCredentials(Credentials.None),
            Description = "unused",
        }, new KubernetesClientOptions(), NullLoggerFactory.Instance, TimeProvider.System);
        var identity = new ClusterIdentity(client, options, NullLogger<ClusterIdentity>.Instance);
        var api = new NodeAgentApi(holder, identity, new TokenAuthenticator(Token), new MetricsRegistry());
        _podTags = api.Handlers["tags_pod_node"];
        _nodeLabels = api.Handlers["tags_node"];
        _context = Context(acceptEncoding: "gzip");
        _plainContext = Context(acceptEncoding: null);
    }

    private static DefaultHttpContext Context(string? acceptEncoding)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpResponseFeature>()!.Headers = new KestrelLikeHeaders();
        context.Request.Headers.Authorization = "Bearer " + Token;
        if (acceptEncoding is not null)
        {
            context.Request.Headers.AcceptEncoding = acceptEncoding;
        }
        context.Request.RouteValues["node"] = "node-02500";
        context.Response.Body = Stream.Null;
        return context;
    }

    [Benchmark]
    public Task PodTagsForNode() => _podTags(_context);

    [Benchmark]
    public Task NodeLabels() => _nodeLabels(_context);

    [Benchmark]
    public Task PodTagsForNodeWithoutGzip() => _podTags(_plainContext);
}
