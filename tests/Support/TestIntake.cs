using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dca.Testing;

/// <summary>
/// A stand-in for Datadog's intake on a Kestrel port: records every request (path, API key header,
/// content encoding, decompressed body) and answers with the statuses queued in <see cref="Failures"/>
/// first, then 202.
/// </summary>
public sealed class TestIntake : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestIntake(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, string? ApiKey, string? Encoding, string Body)> Requests { get; } = new();

    /// <summary>Answers to give before succeeding: (status, Retry-After seconds or null).</summary>
    public ConcurrentQueue<(HttpStatusCode Status, int? RetryAfter)> Failures { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<TestIntake> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var intake = new TestIntake(app);
        app.MapPost("/api/{**path}", intake.HandleAsync);
        await app.StartAsync();
        intake.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");
        return intake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        Stream body = context.Request.Body;
        if (encoding == "gzip")
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }
        using var reader = new StreamReader(body);
        Requests.Enqueue((context.Request.Path, context.Request.Headers["DD-API-KEY"].ToString(), encoding, await reader.ReadToEndAsync()));
        if (Failures.TryDequeue(out var failure))
        {
            context.Response.StatusCode = (int)failure.Status;
            if (failure.RetryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return;
        }
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("{\"status\":\"ok\"}");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
