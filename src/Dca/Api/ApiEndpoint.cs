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

    private static readonly Microsoft.Extensions.Primitives.StringValues s_gzip = "gzip";
    private static readonly Microsoft.Extensions.Primitives.StringValues s_acceptEncoding = "Accept-Encoding";

    /// <summary>
    /// Writes a pre-serialized JSON body. A body stored gzip-compressed (<see cref="Metadata.StoredBody"/>) goes as it
    /// is, with <c>Content-Encoding: gzip</c>, to a client that accepts gzip, and decompressed to the others.
    /// </summary>
    public static Task WriteJson(HttpContext context, byte[] body, int status = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (Metadata.StoredBody.IsGzip(body))
        {
            response.Headers.Vary = s_acceptEncoding;
            if (AcceptsGzip(context.Request.Headers.AcceptEncoding))
            {
                response.Headers.ContentEncoding = s_gzip;
            }
            else
            {
                body = Metadata.StoredBody.Json(body);
            }
        }
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>
    /// Whether an <c>Accept-Encoding</c> header accepts gzip (RFC 9110 §12.5.3): <c>gzip</c> (or <c>x-gzip</c>) with a
    /// weight above zero, or else <c>*</c> with a weight above zero. Reads the header in place.
    /// </summary>
    internal static bool AcceptsGzip(Microsoft.Extensions.Primitives.StringValues header)
    {
        int gzip = -1, any = -1;
        foreach (var value in header)
        {
            var rest = (value ?? "").AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var item = comma < 0 ? rest : rest[..comma];
                rest = comma < 0 ? default : rest[(comma + 1)..];
                var semicolon = item.IndexOf(';');
                var coding = (semicolon < 0 ? item : item[..semicolon]).Trim();
                var weight = semicolon >= 0 && IsZeroWeight(item[(semicolon + 1)..]) ? 0 : 1;
                if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    gzip = Math.Max(gzip, weight);
                }
                else if (coding is "*")
                {
                    any = Math.Max(any, weight);
                }
            }
        }
        return gzip >= 0 ? gzip > 0 : any > 0;
    }

    /// <summary>Whether the parameters of one coding say <c>q=0</c> (also <c>0.</c>, <c>0.0</c> up to <c>0.000</c>).</summary>
    private static bool IsZeroWeight(ReadOnlySpan<char> parameters)
    {
        while (!parameters.IsEmpty)
        {
            var semicolon = parameters.IndexOf(';');
            var parameter = (semicolon < 0 ? parameters : parameters[..semicolon]).Trim();
            parameters = semicolon < 0 ? default : parameters[(semicolon + 1)..];
            if (parameter.Length >= 2 && (parameter[0] | 0x20) == 'q' && parameter[1] == '=')
            {
                var q = parameter[2..].Trim();
                return q.Length > 0 && q[0] == '0' && (q.Length == 1 || (q[1] == '.' && q[2..].TrimStart('0').IsEmpty));
            }
        }
        return false;
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
