using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>Broken API server answers for the fake server's scripts: cut, stalled, endless.</summary>
internal static class HostileResponses
{
    /// <summary>Announces the whole body's length and sends <paramref name="sent"/> bytes of it: Kestrel then drops the connection.</summary>
    public static Func<HttpContext, Task> CutAfter(int status, string body, int sent) => async ctx =>
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes.AsMemory(0, sent));
        await ctx.Response.Body.FlushAsync();
    };

    /// <summary>Sends the headers and <paramref name="prefix"/>, then nothing until the client goes away.</summary>
    public static Func<HttpContext, Task> StallAfter(int status, string prefix) => async ctx =>
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(prefix));
        await ctx.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    /// <summary>
    /// Sends <paramref name="prefix"/> then <paramref name="filler"/> bytes until <paramref name="total"/> bytes or
    /// until the client stops reading; <paramref name="written"/> counts what went out.
    /// </summary>
    public static Func<HttpContext, Task> Endless(string prefix, byte filler, long total, StrongBox<long> written) => async ctx =>
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, filler);
        try
        {
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(prefix), ctx.RequestAborted);
            // Kestrel drops writes silently once the client is gone: stop counting then.
            while (Interlocked.Read(ref written.Value) < total && !ctx.RequestAborted.IsCancellationRequested)
            {
                await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                Interlocked.Add(ref written.Value, chunk.Length);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client gave up: what we measure.
        }
    };
}
