using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dca.Testing;

/// <summary>
/// A stand-in for Datadog's query API (<c>GET /api/v1/query?from&amp;to&amp;query</c>) on a Kestrel port: it checks the
/// <c>DD-API-KEY</c> and <c>DD-APPLICATION-KEY</c> headers (403 <c>{"errors":["Forbidden"]}</c> otherwise), splits a
/// batch at its top-level commas, and answers each query whose value is set in <see cref="Values"/> with one series
/// carrying its <c>query_index</c>: three 30 s buckets of the value, the newest one partial (null), as Datadog does.
/// Queries without a value get no series. <see cref="Failures"/> are answered first.
/// </summary>
public sealed class FakeDatadogQueryApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _apiKey;
    private readonly string _appKey;

    private FakeDatadogQueryApi(WebApplication app, string apiKey, string appKey) => (_app, _apiKey, _appKey) = (app, apiKey, appKey);

    /// <summary>The value each query answers (by its exact text).</summary>
    public ConcurrentDictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request's batch of queries, in order.</summary>
    public ConcurrentQueue<string[]> Requests { get; } = new();

    /// <summary>Statuses to answer before answering normally (with Datadog's error body).</summary>
    public ConcurrentQueue<HttpStatusCode> Failures { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FakeDatadogQueryApi> StartAsync(string apiKey, string appKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new FakeDatadogQueryApi(app, apiKey, appKey);
        app.MapGet("/api/v1/query", api.HandleAsync);
        await app.StartAsync();
        api.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");
        return api;
    }

    /// <summary>A batch split at its top-level commas (commas inside braces, parentheses or brackets stay).</summary>
    public static string[] Split(string batch)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            switch (batch[i])
            {
                case '(' or '{' or '[':
                    depth++;
                    break;
                case ')' or '}' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(batch[start..i]);
                    start = i + 1;
                    break;
            }
        }
        parts.Add(batch[start..]);
        return [.. parts];
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        if (context.Request.Headers["DD-API-KEY"] != _apiKey || context.Request.Headers["DD-APPLICATION-KEY"] != _appKey)
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("{\"errors\":[\"Forbidden\"]}");
            return;
        }
        var queries = Split(context.Request.Query["query"].ToString());
        Requests.Enqueue(queries);
        if (Failures.TryDequeue(out var failure))
        {
            context.Response.StatusCode = (int)failure;
            if (failure == HttpStatusCode.TooManyRequests)
            {
                context.Response.Headers["X-RateLimit-Reset"] = "17";
            }
            await context.Response.WriteAsync("{\"errors\":[\"" + (failure == HttpStatusCode.TooManyRequests ? "Rate limit of 1600 requests in 3600 seconds reached" : "Internal error") + "\"]}");
            return;
        }
        var to = long.Parse(context.Request.Query["to"].ToString(), CultureInfo.InvariantCulture);
        var json = new StringBuilder("{\"status\":\"ok\",\"res_type\":\"time_series\",\"series\":[");
        var first = true;
        for (var i = 0; i < queries.Length; i++)
        {
            if (!Values.TryGetValue(queries[i], out var value))
            {
                continue;
            }
            if (!first)
            {
                json.Append(',');
            }
            first = false;
            var v = value.ToString("R", CultureInfo.InvariantCulture);
            var t = (to - 90) * 1000;
            json.Append(CultureInfo.InvariantCulture, $"{{\"metric\":\"m\",\"scope\":\"*\",\"query_index\":{i},\"interval\":30,\"pointlist\":[[{t},{v}],[{t + 30_000},{v}],[{t + 60_000},null]]}}");
        }
        json.Append("]}");
        await context.Response.WriteAsync(json.ToString());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
