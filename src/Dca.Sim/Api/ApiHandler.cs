using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The API server's request pipeline: public endpoints, bearer authentication, the admin and
/// discovery documents, then resource requests (audit record, injected faults, the verb).
/// </summary>
internal sealed partial class ApiHandler(ApiContext api)
{
    private readonly DiscoveryDocuments _discovery = new(api.Store, () => api.Aggregator?.Registered() ?? []);
    private readonly AdminEndpoints _admin = new(api);
    private readonly AccessReviewer _reviews = new(api);

    public async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        try
        {
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
                return;
            }
            if (path == "/version")
            {
                await DiscoveryDocuments.WriteVersionAsync(ctx);
                return;
            }
            var identity = api.Tokens.Authenticate(ctx.Request);
            if (identity is null && api.AllowAnonymous && ctx.Request.Headers.Authorization.Count == 0)
            {
                identity = "anonymous";
            }
            if (identity is null)
            {
                throw new StatusException(401, "Unauthorized", "Unauthorized");
            }
            if (path.StartsWith("/sim/", StringComparison.Ordinal))
            {
                await _admin.HandleAsync(ctx, path);
                return;
            }
            if (api.Aggregator is { } aggregator && await aggregator.TryHandleAsync(ctx, path, identity))
            {
                return;
            }
            if (await _reviews.TryHandleAsync(ctx, path, identity))
            {
                return;
            }
            if (await _discovery.TryHandleAsync(ctx, path))
            {
                return;
            }
            var route = ApiRoute.Parse(api.Store, path)
                ?? throw new StatusException(404, "NotFound", "the server could not find the requested resource");
            await HandleResourceAsync(ctx, route, identity);
        }
        catch (StatusException ex)
        {
            await StatusResponse.WriteAsync(ctx, ex);
        }
        catch (JsonException ex)
        {
            await StatusResponse.WriteAsync(ctx, StatusException.BadRequest("the object provided is unrecognized or malformed: " + ex.Message));
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || api.Stopping.IsCancellationRequested)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception ex) when (!ctx.Response.HasStarted)
        {
            // A bug in the simulator: say what it was, as a Status, rather than an empty 500.
            await StatusResponse.WriteAsync(ctx, new StatusException(500, "InternalError", $"{ex.GetType().Name}: {ex.Message}"));
        }
    }

    private async Task HandleResourceAsync(HttpContext ctx, ApiRoute route, string identity)
    {
        var method = ctx.Request.Method;
        var watch = route.WatchPath || IsTrue(ctx.Request.Query["watch"]);
        var verb = (method, route.IsCollection) switch
        {
            ("GET", true) => watch ? "watch" : "list",
            ("GET", false) => watch ? "watch" : "get",
            ("POST", true) => "create",
            ("POST", false) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", true) => "deletecollection",
            ("DELETE", false) => "delete",
            _ => throw new StatusException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource"),
        };
        var resource = route.Subresource is null ? route.Type.Plural : route.Type.Plural + "/" + route.Subresource;
        api.Audit.Record(identity, ctx.Request.Headers.UserAgent.ToString(), verb, route.Type.Group, resource, route.Namespace,
            route.Name ?? (verb is "list" or "watch" ? SelectedName(ctx.Request.Query["fieldSelector"].ToString()) : ""));

        var faults = api.Faults.Settings;
        if (faults.PartitionUserAgent is { Length: > 0 } partitioned
            && ctx.Request.Headers.UserAgent.ToString().Contains(partitioned, StringComparison.Ordinal))
        {
            // Cut off: nothing comes back until the client gives up.
            await Task.Delay(Timeout.InfiniteTimeSpan, api.Time, ctx.RequestAborted);
        }
        if (faults.LatencyMilliseconds > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMilliseconds), api.Time, ctx.RequestAborted);
        }
        if (api.Faults.Roll() is { } fault)
        {
            throw fault;
        }
        if (route.Subresource == "proxy" && route.Type == ResourceTypes.Nodes && api.NodeProxy is { } proxy)
        {
            await proxy(ctx, route.Name!, "/" + (route.SubPath ?? ""));
            return;
        }
        if (route.Subresource is not null and not "status"
            || (route.Subresource == "status" && route.Type.IsCustomResource && !route.Type.StatusSubresource))
        {
            // A custom resource has /status only when its CRD version declares subresources.status.
            throw new StatusException(404, "NotFound", "the server could not find the requested resource");
        }
        if (route.Subresource == "status" && route.Type.StatusSubresource && verb is not ("get" or "update" or "patch"))
        {
            throw new StatusException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
        switch (verb)
        {
            case "list":
                await ListAsync(ctx, route);
                break;
            case "watch":
                await WatchAsync(ctx, route);
                break;
            case "get":
                await GetAsync(ctx, route);
                break;
            case "create":
                await CreateAsync(ctx, route);
                break;
            case "update":
                await UpdateAsync(ctx, route);
                break;
            case "patch":
                await PatchAsync(ctx, route);
                break;
            case "delete":
                await DeleteAsync(ctx, route);
                break;
            default:
                await DeleteCollectionAsync(ctx, route);
                break;
        }
    }

    private static bool IsTrue(string? value) => value is "1" or "true" or "True";

    private ObjectRenderer Renderer(HttpContext ctx, ResourceType type)
    {
        var (representation, version) = AcceptHeader.Parse(ctx.Request.Headers.Accept.ToString());
        return new ObjectRenderer(representation, version, type, new TableContext(api.Time.GetUtcNow()));
    }

    private static async Task WriteObjectAsync(HttpContext ctx, ObjectRenderer renderer, StoredObject obj, int status)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = renderer.ContentType(list: false);
        using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter))
        {
            renderer.WriteObject(w, obj);
        }
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>
    /// The name a list or watch is narrowed to by a <c>metadata.name=</c> field selector: the real API server
    /// authorizes such a request as one on that name (RBAC <c>resourceNames</c> apply), and so does the audit.
    /// </summary>
    private static string SelectedName(string fieldSelector)
    {
        foreach (var part in fieldSelector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var op in (ReadOnlySpan<string>)["metadata.name==", "metadata.name="])
            {
                if (part.StartsWith(op, StringComparison.Ordinal))
                {
                    return part[op.Length..];
                }
            }
        }
        return "";
    }
}
