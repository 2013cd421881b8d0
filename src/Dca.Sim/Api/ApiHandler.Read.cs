using System.Globalization;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

internal sealed partial class ApiHandler
{
    private const int FlushThreshold = 64 * 1024;

    private async Task GetAsync(HttpContext ctx, ApiRoute route)
    {
        var obj = api.Store.Get(route.Type, route.Namespace, route.Name!)
            ?? throw StatusException.NotFound(route.Type, route.Name!);
        await WriteObjectAsync(ctx, Renderer(ctx, route.Type), obj, 200);
    }

    private async Task ListAsync(HttpContext ctx, ApiRoute route)
    {
        var query = ctx.Request.Query;
        var options = new ListOptions
        {
            Namespace = route.Namespace,
            Labels = LabelSelector.Parse(query["labelSelector"]),
            Fields = FieldSelector.Parse(query["fieldSelector"], route.Type),
            Limit = ParseInt(query["limit"], "limit"),
            Continue = query["continue"],
            ResourceVersion = query["resourceVersion"],
            ResourceVersionMatch = query["resourceVersionMatch"],
        };
        var result = api.Store.List(route.Type, options);
        var renderer = Renderer(ctx, route.Type);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = renderer.ContentType(list: true);
        var pipe = ctx.Response.BodyWriter;
        using var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        renderer.WriteListStart(w, result.ResourceVersion, result.Continue, result.RemainingItemCount);
        long flushed = 0;
        foreach (var obj in result.Items)
        {
            renderer.WriteItem(w, obj);
            // The writer hands full segments to the pipe on its own (BytesCommitted); flushing is what
            // applies the connection's backpressure, so a 700 MB list never sits in memory whole.
            if (w.BytesCommitted + w.BytesPending - flushed > FlushThreshold)
            {
                w.Flush();
                await pipe.FlushAsync(ctx.RequestAborted);
                flushed = w.BytesCommitted;
            }
        }
        ObjectRenderer.WriteListEnd(w);
        w.Flush();
        await pipe.FlushAsync(ctx.RequestAborted);
    }

    private static int ParseInt(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw StatusException.BadRequest($"invalid {name} \"{value}\"");
    }
}
