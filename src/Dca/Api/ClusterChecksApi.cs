using System.Text.Json;
using Dca.ClusterChecks;
using Dca.Leader;
using Dca.Protocol;
using Dca.Protocol.ClusterChecks;
using Dca.Telemetry;

namespace Dca.Api;

/// <summary>
/// The cluster-check routes (PROTOCOL.md §1.3, §7). Heartbeats, configurations, rebalancing and the endpoints
/// checks of a node are the leader's: a follower forwards them (<see cref="LeaderForwarder"/>). The state and the
/// list of every endpoints check are answered by each replica. With cluster checks off, every route answers
/// as Datadog's does then: an authenticated 404 <c>Cluster-checks are not enabled</c>.
/// </summary>
internal sealed class ClusterChecksApi(DcaOptions options, IServiceProvider services, LeadershipHolder leadership, TokenAuthenticator authenticator, MetricsRegistry metrics)
{
    /// <summary>Datadog's answer on the cluster-check routes while cluster checks are off.</summary>
    public const string Disabled = "Cluster-checks are not enabled";

    /// <summary>The largest heartbeat body accepted (the costs of a few thousand checks).</summary>
    public const int MaxStatusBody = 1 << 20;

    private static readonly byte[] s_upToDate = JsonSerializer.SerializeToUtf8Bytes(new StatusResponse(true), ProtocolJsonContext.Default.StatusResponse);
    private static readonly byte[] s_outdated = JsonSerializer.SerializeToUtf8Bytes(new StatusResponse(false), ProtocolJsonContext.Default.StatusResponse);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        if (!options.ClusterChecks.Enabled)
        {
            var disabled = ApiEndpoint.Wrap(static ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                return ctx.Response.WriteAsync(Disabled, ctx.RequestAborted);
            }, metrics.Route("clusterchecks_disabled"), authenticator);
            foreach (var pattern in (ReadOnlySpan<string>)["/api/v1/clusterchecks", "/api/v1/clusterchecks/{**rest}", "/api/v1/endpointschecks/{**rest}"])
            {
                endpoints.MapMethods(pattern, ["GET", "POST"], disabled).WithDisplayName("clusterchecks_disabled");
            }
            return;
        }
        var dispatcher = services.GetRequiredService<ClusterCheckDispatcher>();
        var forwarder = services.GetRequiredService<LeaderForwarder>();
        RequestDelegate Leader(string name, RequestDelegate handler) => ApiEndpoint.Wrap(forwarder.LeaderOnly(handler), metrics.Route(name), authenticator);
        RequestDelegate Local(string name, RequestDelegate handler) => ApiEndpoint.Wrap(handler, metrics.Route(name), authenticator);

        endpoints.MapPost(ClusterAgentRoutes.ClusterChecksStatus, Leader("clusterchecks_status", ctx => Status(ctx, dispatcher))).WithDisplayName("clusterchecks_status");
        endpoints.MapGet(ClusterAgentRoutes.ClusterChecksConfigs, Leader("clusterchecks_configs", ctx => Configs(ctx, dispatcher))).WithDisplayName("clusterchecks_configs");
        endpoints.MapPost(ClusterAgentRoutes.ClusterChecksRebalance, Leader("clusterchecks_rebalance", ctx =>
            ApiEndpoint.WriteJson(ctx, JsonSerializer.SerializeToUtf8Bytes([.. dispatcher.Rebalance()], ClusterChecksJsonContext.Default.RebalanceMoveArray))))
            .WithDisplayName("clusterchecks_rebalance");
        endpoints.MapGet(ClusterAgentRoutes.ClusterChecksState, Local("clusterchecks_state", ctx => ApiEndpoint.WriteJson(ctx, dispatcher.StateBody(NotRunning()))))
            .WithDisplayName("clusterchecks_state");
        endpoints.MapGet(ClusterAgentRoutes.EndpointsChecksConfigs, Leader("endpointschecks_configs", ctx =>
            ApiEndpoint.WriteJson(ctx, dispatcher.EndpointsBody(ApiEndpoint.Value(ctx, "node"))))).WithDisplayName("endpointschecks_configs");
        endpoints.MapGet(ClusterAgentRoutes.EndpointsChecksAll, Local("endpointschecks_all", ctx => ApiEndpoint.WriteJson(ctx, dispatcher.AllEndpointsBody())))
            .WithDisplayName("endpointschecks_all");
    }

    /// <summary>Datadog's <c>not_running</c>: empty on the leader.</summary>
    private string NotRunning() => leadership.Current switch
    {
        { IsLeader: true } => "",
        { State: LeaderState.Follower } => "currently follower",
        _ => "Startup in progress",
    };

    private static async Task Status(HttpContext ctx, ClusterCheckDispatcher dispatcher)
    {
        var node = ApiEndpoint.Value(ctx, "identifier");
        if (ctx.Request.Headers["X-Real-Ip"] is { Count: > 0 } realIp && realIp[0] is { Length: > 0 } ip && !System.Net.IPAddress.TryParse(ip, out _))
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status400BadRequest, $"X-Real-Ip is not an IP address: {ip}");
            return;
        }
        if (ctx.Request.ContentLength > MaxStatusBody)
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status413PayloadTooLarge, $"a node status is at most {MaxStatusBody} bytes");
            return;
        }
        // The body is a few dozen bytes: gathered by the request's pipe and parsed in one synchronous pass.
        NodeStatus? status = null;
        var reader = ctx.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(ctx.RequestAborted);
            var buffer = read.Buffer;
            if (buffer.Length > MaxStatusBody)
            {
                reader.AdvanceTo(buffer.End);
                await ApiEndpoint.WriteError(ctx, StatusCodes.Status413PayloadTooLarge, $"a node status is at most {MaxStatusBody} bytes");
                return;
            }
            if (!read.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            try
            {
                var json = new Utf8JsonReader(buffer);
                status = JsonSerializer.Deserialize(ref json, ProtocolJsonContext.Default.NodeStatus);
            }
            catch (JsonException e)
            {
                reader.AdvanceTo(buffer.End);
                await ApiEndpoint.WriteError(ctx, StatusCodes.Status400BadRequest, "the body is not a node status {\"last_change\":<int>,\"node_type\":<int>}: " + e.Message.Split(" Path:")[0]);
                return;
            }
            reader.AdvanceTo(buffer.End);
            break;
        }
        if (status is null || node.Length == 0)
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status400BadRequest, "a node status and a node name are required");
            return;
        }
        await ApiEndpoint.WriteJson(ctx, dispatcher.Heartbeat(node, status.LastChange, status.CheckCostsMs) ? s_upToDate : s_outdated);
    }

    private static Task Configs(HttpContext ctx, ClusterCheckDispatcher dispatcher)
    {
        var node = ApiEndpoint.Value(ctx, "identifier");
        return dispatcher.ConfigsBody(node) is { } body
            ? ApiEndpoint.WriteJson(ctx, body)
            : ApiEndpoint.WriteError(ctx, StatusCodes.Status500InternalServerError, $"node {node} is unknown");
    }
}
