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
/// complete route delegate with a reused context (the framework's own per-request objects excluded).
/// </summary>
[MemoryDiagnoser]
public class HotHandlers
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private DefaultHttpContext _context = null!;
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
        _context = new DefaultHttpContext();
        _context.Features.Get<IHttpResponseFeature>()!.Headers = new KestrelLikeHeaders();
        _context.Request.Headers.Authorization = "Bearer " + Token;
        _context.Request.RouteValues["node"] = "node-02500";
        _context.Response.Body = Stream.Null;
    }

    [Benchmark]
    public Task PodTagsForNode() => _podTags(_context);

    [Benchmark]
    public Task NodeLabels() => _nodeLabels(_context);
}
