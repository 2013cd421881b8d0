using System.Buffers;
using System.Text.Json;
using Dca.Hosting;
using Dca.Metadata;
using Dca.Protocol;
using Dca.Telemetry;

namespace Dca.Api;

/// <summary>
/// The node-agent API (PROTOCOL.md §1.3), served by every replica from its own snapshot. Hot routes
/// write bytes the snapshot builder serialized; nothing is computed per request.
/// </summary>
internal sealed class NodeAgentApi(SnapshotHolder holder, ClusterIdentity clusterId, TokenAuthenticator authenticator, MetricsRegistry metrics)
{
    private readonly byte[] _version = JsonSerializer.SerializeToUtf8Bytes(
        AgentVersion.Compatible(AgentProgram.ProductVersion, Commit(AgentProgram.ProductVersion)), ProtocolJsonContext.Default.AgentVersion);

    private static readonly byte[] s_null = "null"u8.ToArray();

    /// <summary>The routes: pattern, metric name, handler (authentication and metrics not yet applied).</summary>
    private IEnumerable<(string Pattern, string Name, RequestDelegate Handler)> Routes() =>
    [
        (ClusterAgentRoutes.Version, "version", ctx => ApiEndpoint.WriteJson(ctx, _version)),
        (ClusterAgentRoutes.PodTagsForNode, "tags_pod_node", PodTagsForNode),
        (ClusterAgentRoutes.PodTagsForPod, "tags_pod_pod", PodTagsForPod),
        (ClusterAgentRoutes.PodTagsAllNodes, "tags_pod", PodTagsAllNodes),
        (ClusterAgentRoutes.NodeLabels, "tags_node", ctx => NodeBody(ctx, static m => m.LabelsBody)),
        (ClusterAgentRoutes.NodeAnnotations, "annotations_node", ctx => NodeBody(ctx, static m => m.AnnotationsBody)),
        (ClusterAgentRoutes.NodeUid, "uid_node", ctx => NodeBody(ctx, static m => m.UidBody)),
        (ClusterAgentRoutes.NamespaceLabels, "tags_namespace", ctx => NamespaceBody(ctx, static n => n.LabelsBody)),
        (ClusterAgentRoutes.NamespaceMetadata, "metadata_namespace", ctx => NamespaceBody(ctx, static n => n.MetadataBody)),
        (ClusterAgentRoutes.ClusterId, "cluster_id", ClusterId),
    ];

    /// <summary>Each route's complete delegate (authentication, metrics, handler), by metric name.</summary>
    public IReadOnlyDictionary<string, RequestDelegate> Handlers => _handlers ??= Routes().ToDictionary(
        r => r.Name, r => ApiEndpoint.Wrap(r.Handler, metrics.Route(r.Name), authenticator), StringComparer.Ordinal);

    private Dictionary<string, RequestDelegate>? _handlers;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        foreach (var (pattern, name, _) in Routes())
        {
            endpoints.MapGet(pattern, Handlers[name]).WithDisplayName(name);
        }
    }

    private Task PodTagsForNode(HttpContext ctx)
    {
        var node = ApiEndpoint.Value(ctx, "node");
        // The unknown-node answer lives in its own method: a lambda capturing "node" here would allocate
        // its closure on every request, the hot path included.
        return holder.Current.Nodes.TryGetValue(node, out var entry)
            ? ApiEndpoint.WriteJson(ctx, entry.PodTagsBody)
            : UnknownNode(ctx, node);
    }

    /// <summary>Datadog answers 200 with a warning; the node agent then reports "didn't return pods metadata".</summary>
    private static Task UnknownNode(HttpContext ctx, string node)
    {
        return ApiEndpoint.WriteJson(ctx, MetadataBodies.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Warnings");
            w.WriteStringValue($"Node {node} could not be added to the metadata map bundle: node {node} is not known to the cluster agent");
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private Task PodTagsForPod(HttpContext ctx)
    {
        var node = ApiEndpoint.Value(ctx, "node");
        var ns = ApiEndpoint.Value(ctx, "ns");
        var pod = ApiEndpoint.Value(ctx, "pod");
        var services = holder.Current.Nodes.TryGetValue(node, out var entry) ? MetadataBodies.ServicesOf(StoredBody.Json(entry.PodTagsBody), ns, pod) : null;
        if (services is null)
        {
            // Go marshals the nil slice of an unknown pod as null (PROTOCOL.md §1.3).
            return ApiEndpoint.WriteJson(ctx, s_null);
        }
        return ApiEndpoint.WriteJson(ctx, MetadataBodies.Write(w =>
        {
            w.WriteStartArray();
            foreach (var service in services)
            {
                w.WriteStringValue("kube_service:" + service);
            }
            w.WriteEndArray();
        }));
    }

    private Task PodTagsAllNodes(HttpContext ctx)
    {
        var snapshot = holder.Current;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write("{\"Nodes\":{"u8);
        var first = true;
        foreach (var (_, entry) in snapshot.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                buffer.Write(","u8);
            }
            buffer.Write(MetadataBodies.NodeMember(StoredBody.Json(entry.PodTagsBody)));
            first = false;
        }
        buffer.Write("}"u8);
        if (!snapshot.Synced)
        {
            buffer.Write(",\"Errors\":[\"the cluster agent has not finished listing nodes\"]"u8);
        }
        buffer.Write("}"u8);
        return ApiEndpoint.WriteJson(ctx, buffer.WrittenSpan.ToArray(), snapshot.Synced ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private Task NodeBody(HttpContext ctx, Func<NodeMetadataBodies, byte[]> body)
    {
        var node = ApiEndpoint.Value(ctx, "node");
        return holder.Current.Nodes.TryGetValue(node, out var entry) && entry.Metadata is { } metadata
            ? ApiEndpoint.WriteJson(ctx, body(metadata))
            : ApiEndpoint.WriteError(ctx, StatusCodes.Status500InternalServerError, $"could not find node {node} in the cluster agent's store");
    }

    private Task NamespaceBody(HttpContext ctx, Func<NamespaceEntry, byte[]> body)
    {
        var ns = ApiEndpoint.Value(ctx, "ns");
        return holder.Current.Namespaces.TryGetValue(ns, out var entry)
            ? ApiEndpoint.WriteJson(ctx, body(entry))
            : ApiEndpoint.WriteError(ctx, StatusCodes.Status500InternalServerError, $"could not find namespace {ns} in the cluster agent's store");
    }

    private Task ClusterId(HttpContext ctx) =>
        clusterId.Body is { } body
            ? ApiEndpoint.WriteJson(ctx, body)
            : ApiEndpoint.WriteError(ctx, StatusCodes.Status500InternalServerError, clusterId.Error ?? "the cluster id is not known yet");

    private static string Commit(string productVersion) =>
        productVersion.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 ? productVersion[(plus + 1)..] : "";
}
