using System.Buffers;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>The <c>Status</c> bodies the API server answers errors with (and some successes).</summary>
internal static class StatusResponse
{
    public static byte[] Failure(StatusException ex)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteFailure(w, ex);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteFailure(Utf8JsonWriter w, StatusException ex)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        if (ex.Continue is not null)
        {
            w.WriteString("continue", ex.Continue);
        }
        w.WriteEndObject();
        w.WriteString("status", "Failure");
        w.WriteString("message", ex.Message);
        w.WriteString("reason", ex.Reason);
        if (ex.Name is not null || ex.Type is not null || ex.RetryAfterSeconds is not null)
        {
            w.WriteStartObject("details");
            if (ex.Name is not null)
            {
                w.WriteString("name", ex.Name);
            }
            if (ex.Type is not null)
            {
                if (ex.Type.Group.Length > 0)
                {
                    w.WriteString("group", ex.Type.Group);
                }
                w.WriteString("kind", ex.DetailsKind ?? ex.Type.Plural);
            }
            if (ex.Causes.Count > 0)
            {
                w.WriteStartArray("causes");
                foreach (var c in ex.Causes)
                {
                    w.WriteStartObject();
                    w.WriteString("reason", c.Reason);
                    w.WriteString("message", c.Message);
                    w.WriteString("field", c.Field);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (ex.RetryAfterSeconds is { } retry)
            {
                w.WriteNumber("retryAfterSeconds", retry);
            }
            w.WriteEndObject();
        }
        w.WriteNumber("code", ex.Code);
        w.WriteEndObject();
    }

    public static async Task WriteAsync(HttpContext ctx, StatusException ex)
    {
        if (ctx.Response.HasStarted)
        {
            ctx.Abort();
            return;
        }
        ctx.Response.StatusCode = ex.Code;
        ctx.Response.ContentType = "application/json";
        if (ex.RetryAfterSeconds is { } retry)
        {
            ctx.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await ctx.Response.Body.WriteAsync(Failure(ex), ctx.RequestAborted);
    }
}
