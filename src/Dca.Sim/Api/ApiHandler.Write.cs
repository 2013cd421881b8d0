using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

internal sealed partial class ApiHandler
{
    private const int MaxBodyBytes = 3 * 1024 * 1024;

    private async Task CreateAsync(HttpContext ctx, ApiRoute route)
    {
        if (route.Name is not null)
        {
            throw new StatusException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
        var body = await ReadObjectAsync(ctx);
        RequireNamespace(route);
        var created = api.Store.Create(route.Type, route.Namespace, body, IsDryRun(ctx));
        await WriteObjectAsync(ctx, Renderer(ctx, route.Type), created, 201);
    }

    private async Task UpdateAsync(HttpContext ctx, ApiRoute route)
    {
        var body = await ReadObjectAsync(ctx);
        var updated = IsStatusWrite(route)
            ? api.Store.UpdateStatus(route.Type, route.Namespace, route.Name!, body, IsDryRun(ctx))
            : api.Store.Update(route.Type, route.Namespace, route.Name!, body, IsDryRun(ctx));
        await WriteObjectAsync(ctx, Renderer(ctx, route.Type), updated, 200);
    }

    private async Task PatchAsync(HttpContext ctx, ApiRoute route)
    {
        var contentType = ctx.Request.ContentType ?? "";
        var patch = JsonNode.Parse(await ReadBodyAsync(ctx)) ?? throw StatusException.BadRequest("empty patch");
        var dryRun = IsDryRun(ctx);
        StoredObject result;
        var status = 200;
        try
        {
            result = IsStatusWrite(route)
                ? api.Store.PatchStatus(route.Type, route.Namespace, route.Name!, obj => MergePatch.Apply(obj, patch, contentType), dryRun)
                : api.Store.Patch(route.Type, route.Namespace, route.Name!, obj => MergePatch.Apply(obj, patch, contentType), dryRun);
        }
        catch (StatusException ex) when (ex.Code == 404 && route.Subresource is null && contentType.StartsWith("application/apply-patch", StringComparison.Ordinal))
        {
            // Server-side apply creates what does not exist yet.
            RequireNamespace(route);
            var obj = patch as JsonObject ?? throw StatusException.BadRequest("an apply patch must be a JSON object");
            result = api.Store.Create(route.Type, route.Namespace, (JsonObject)obj.DeepClone(), dryRun);
            status = 201;
        }
        await WriteObjectAsync(ctx, Renderer(ctx, route.Type), result, status);
    }

    private async Task DeleteAsync(HttpContext ctx, ApiRoute route)
    {
        string? uid = null;
        long? rv = null;
        if (ctx.Request.ContentLength is > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            var bytes = await ReadBodyAsync(ctx);
            if (bytes.Length > 0 && JsonNode.Parse(bytes) is JsonObject options && options["preconditions"] is JsonObject pre)
            {
                uid = ObjectStore.Text(pre["uid"]);
                rv = long.TryParse(ObjectStore.Text(pre["resourceVersion"]), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
            }
        }
        var deleted = api.Store.Delete(route.Type, route.Namespace, route.Name!, uid, rv, IsDryRun(ctx));
        await WriteObjectAsync(ctx, Renderer(ctx, route.Type), deleted, 200);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, ApiRoute route)
    {
        var query = ctx.Request.Query;
        var result = api.Store.List(route.Type, new ListOptions
        {
            Namespace = route.Namespace,
            Labels = LabelSelector.Parse(query["labelSelector"]),
            Fields = FieldSelector.Parse(query["fieldSelector"], route.Type),
        });
        var renderer = Renderer(ctx, route.Type);
        var deleted = new List<StoredObject>();
        foreach (var obj in result.Items)
        {
            try
            {
                deleted.Add(api.Store.Delete(route.Type, obj.Namespace, obj.Name, dryRun: IsDryRun(ctx)));
            }
            catch (StatusException ex) when (ex.Code == 404)
            {
                // Deleted concurrently: nothing left to do.
            }
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = renderer.ContentType(list: true);
        using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter))
        {
            renderer.WriteListStart(w, api.Store.ResourceVersion, null, null);
            foreach (var obj in deleted)
            {
                renderer.WriteItem(w, obj);
            }
            ObjectRenderer.WriteListEnd(w);
        }
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
    }

    private void RequireNamespace(ApiRoute route)
    {
        if (route.Type.Namespaced && route.Namespace.Length > 0 && api.Store.Get(ResourceTypes.Namespaces, "", route.Namespace) is null)
        {
            throw StatusException.NotFound(ResourceTypes.Namespaces, route.Namespace);
        }
    }

    /// <summary>A write to <c>/status</c> of a resource with the status split (built-ins without it keep treating it as the object).</summary>
    private static bool IsStatusWrite(ApiRoute route) => route.Subresource == "status" && route.Type.StatusSubresource;

    private static bool IsDryRun(HttpContext ctx) => ctx.Request.Query["dryRun"] is { Count: > 0 } d && d.ToString() == "All";

    private static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var bytes = await ReadBodyAsync(ctx);
        var reader = new Utf8JsonReader(bytes);
        return JsonNode.Parse(ref reader) as JsonObject ?? throw StatusException.BadRequest("the body must be a JSON object");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        if (buffer.Length > MaxBodyBytes)
        {
            throw new StatusException(413, "RequestEntityTooLarge", "the request body is too large");
        }
        return buffer.ToArray();
    }
}
