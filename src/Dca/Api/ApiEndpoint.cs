using System.Diagnostics;
using Dca.Telemetry;

namespace Dca.Api;

/// <summary>
/// Wraps a route handler with the bearer-token check (only on matched routes, as Datadog's mux
/// middleware) and per-route metrics. Nothing here allocates on a request that completes synchronously.
/// </summary>
internal static class ApiEndpoint
{
    public static RequestDelegate Wrap(RequestDelegate handler, RouteMetrics metrics, TokenAuthenticator? authenticator)
    {
        return authenticator is null ? Timed : Authenticated;

        async Task Authenticated(HttpContext context)
        {
            var start = Stopwatch.GetTimestamp();
            if (await authenticator.AuthorizeAsync(context))
            {
                await Run(handler, context);
            }
            metrics.Record(context.Response.StatusCode, Stopwatch.GetTimestamp() - start);
        }

        async Task Timed(HttpContext context)
        {
            var start = Stopwatch.GetTimestamp();
            await Run(handler, context);
            metrics.Record(context.Response.StatusCode, Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>
    /// Kestrel refuses a body it will not read (past the route's size limit, malformed chunks, cut short) by throwing
    /// from the read. Unhandled, the client would get the status without a word and the log an application error: the
    /// refusal is answered here with Kestrel's reason.
    /// </summary>
    private static async Task Run(RequestDelegate handler, HttpContext context)
    {
        try
        {
            await handler(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await WriteError(context, e.StatusCode, e.Message);
        }
    }

    /// <summary>Writes a pre-serialized JSON body.</summary>
    public static Task WriteJson(HttpContext context, byte[] body, int status = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>A plain-text error, as Go's <c>http.Error</c> writes it.</summary>
    public static Task WriteError(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    /// <summary>A route value, which routing has already extracted (no allocation).</summary>
    public static string Value(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? "";
}
