using System.Net;
using System.Text.Json;
using Dca.Sim.Api;
using Dca.Sim.Faults;
using Dca.Sim.Scenarios;
using Dca.Sim.Store;

namespace Dca.Sim.Kubelet;

/// <summary>
/// Every simulated node's kubelet behind one port: the connection's local address (127.1.x.y)
/// says which node was dialled. Serves <c>/pods</c>, <c>/stats/summary</c>, <c>/healthz</c> with
/// bearer-token authentication, like a kubelet with webhook authentication. Each authenticated request
/// goes into the audit record with the attributes the kubelet's webhook authorizer asks the API server
/// about (verb from the method, <c>nodes/&lt;subresource&gt;</c> from the path, the node's name).
/// </summary>
internal sealed class KubeletHandler(ClusterScenarioHolder scenario, TokenAuthenticator tokens, AuditLog audit, FaultInjector faults, TimeProvider time)
{
    public async Task HandleAsync(HttpContext ctx)
    {
        var local = ctx.Connection.LocalIpAddress ?? IPAddress.None;
        var index = ClusterModel.NodeIndex(local);
        var model = scenario.Scenario?.Model;
        if (model is null || index < 0 || index >= model.Nodes.Count)
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync($"no simulated node at {local}\n", ctx.RequestAborted);
            return;
        }
        if (tokens.Authenticate(ctx.Request) is not { } identity)
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("Unauthorized", ctx.RequestAborted);
            return;
        }
        var node = model.Nodes[index];
        var path = ctx.Request.Path.Value ?? "/";
        audit.Record(identity, ctx.Request.Headers.UserAgent.ToString(), Verb(ctx.Request.Method), "", "nodes/" + Subresource(path), "", node.Name);
        await ServeAsync(ctx, node, path);
    }

    /// <summary>Answers a kubelet path for a node (also used by the API server's nodes/proxy).</summary>
    public async Task ServeAsync(HttpContext ctx, NodeSpec node, string path)
    {
        var current = scenario.Scenario!;
        path = path.TrimEnd('/');
        if (path is "/pods" or "/stats/summary" && await InjectFaultAsync(ctx))
        {
            return;
        }
        switch (path)
        {
            case "/healthz":
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
                return;
            case "/pods":
                ctx.Response.ContentType = "application/json";
                using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true }))
                {
                    w.WriteStartObject();
                    w.WriteString("kind", "PodList");
                    w.WriteString("apiVersion", "v1");
                    w.WriteStartObject("metadata");
                    w.WriteEndObject();
                    w.WriteStartArray("items");
                    foreach (var pod in current.KubeletPods(node))
                    {
                        w.WriteRawValue(pod.Span, skipInputValidation: true);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
                return;
            case "/stats/summary":
                ctx.Response.ContentType = "application/json";
                using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true }))
                {
                    StatsSummaryWriter.Write(w, node, current.KubeletPodIdentities(node), time.GetUtcNow());
                }
                await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
                return;
            default:
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsync("404 page not found\n", ctx.RequestAborted);
                return;
        }
    }

    /// <summary>The kubelet's authorization verb for an HTTP method (as for API requests).</summary>
    private static string Verb(string method) => method switch
    {
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => "get",
    };

    /// <summary>
    /// The <c>nodes</c> subresource the kubelet authorizes a path as: <c>stats</c>, <c>metrics</c>, <c>log</c>
    /// and <c>checkpoint</c> by prefix, everything else (<c>/pods</c>, <c>/healthz</c>, ...) <c>proxy</c>.
    /// </summary>
    internal static string Subresource(string path)
    {
        foreach (var (prefix, subresource) in (ReadOnlySpan<(string, string)>)[("/stats", "stats"), ("/metrics", "metrics"), ("/logs", "log"), ("/checkpoint", "checkpoint")])
        {
            if (path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return subresource;
            }
        }
        return "proxy";
    }

    /// <summary>Answers with the kubelet fault in force, if any; true when it did.</summary>
    private async Task<bool> InjectFaultAsync(HttpContext ctx)
    {
        var f = faults.Settings;
        if (f.KubeletStall)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        }
        if (f.KubeletStatus != 0)
        {
            ctx.Response.StatusCode = f.KubeletStatus;
            ctx.Response.ContentType = "text/plain";
            // The kubelet's authorizer wording for a denied request.
            await ctx.Response.WriteAsync(f.KubeletStatus == 403
                ? $"Forbidden (user=dca-node, verb=get, resource=nodes, subresource={(ctx.Request.Path.Value?.Contains("stats", StringComparison.Ordinal) == true ? "stats" : "proxy")})"
                : $"injected fault {f.KubeletStatus}", ctx.RequestAborted);
            return true;
        }
        if (f.KubeletMalformed)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":", ctx.RequestAborted);
            return true;
        }
        return false;
    }

    /// <summary>The API server's <c>/api/v1/nodes/{name}/proxy/{path}</c>.</summary>
    public async Task ProxyAsync(HttpContext ctx, string nodeName, string path)
    {
        var node = scenario.Scenario?.Node(nodeName) ?? throw StatusException.NotFound(ResourceTypes.Nodes, nodeName);
        await ServeAsync(ctx, node, path);
    }
}

/// <summary>The scenario, set once loaded (the kubelet port must be bound before nodes can advertise it).</summary>
internal sealed class ClusterScenarioHolder
{
    public ClusterScenario? Scenario { get; set; }
}
