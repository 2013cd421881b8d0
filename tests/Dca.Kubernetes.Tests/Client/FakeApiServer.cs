using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Kubernetes.Tests.Client;

/// <summary>
/// A Kestrel host on a loopback port that answers each request with the next scripted response for
/// its kind (list or watch), so tests can make the API server stream lines, drop connections, stall,
/// and answer 410/429/500. Requests are recorded.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _lists = new();
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _watches = new();

    private FakeApiServer(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string?> Authorizations { get; } = new();

    public Uri Uri { get; private set; } = null!;

    /// <summary>What a list or watch gets when its script is empty.</summary>
    public Func<HttpContext, Task> WhenIdle { get; set; } = ctx => Respond(ctx, 500, Status(500, "InternalError", "no scripted response"));

    public static async Task<FakeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Uri = new Uri(app.Urls.First());
        return server;
    }

    public void EnqueueList(Func<HttpContext, Task> response) => _lists.Enqueue(response);

    public void EnqueueWatch(Func<HttpContext, Task> response) => _watches.Enqueue(response);

    public KubernetesClient Client(ICredentialSource? credentials = null, KubernetesClientOptions? options = null, TimeProvider? time = null) =>
        new(new ClusterEndpoint
        {
            Server = Uri,
            Credentials = credentials ?? new StaticCredentials(new Credentials("test-token", null)),
            Description = "fake API server",
        }, options ?? new KubernetesClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), Qps = 1000, Burst = 1000 },
        NullLoggerFactory.Instance, time ?? TimeProvider.System);

    private Task HandleAsync(HttpContext ctx)
    {
        Requests.Enqueue(ctx.Request.Path + ctx.Request.QueryString);
        Authorizations.Enqueue(ctx.Request.Headers.Authorization.ToString());
        var queue = ctx.Request.Query["watch"] == "true" ? _watches : _lists;
        return queue.TryDequeue(out var respond) ? respond(ctx) : WhenIdle(ctx);
    }

    public static string Status(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""";

    public static string Pod(string ns, string name, string rv, string? node = "node-1") =>
        "{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\",\"resourceVersion\":\"" + rv
        + "\",\"uid\":\"uid-" + name + "\",\"labels\":{\"app\":\"web\"},\"managedFields\":[{\"manager\":\"kubelet\"}]},"
        + "\"spec\":{\"nodeName\":\"" + node + "\"},\"status\":{\"phase\":\"Running\"}}";

    public static string PodList(string rv, string? continueToken, params string[] pods) =>
        $$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"{{rv}}"{{(continueToken is null ? "" : $",\"continue\":\"{continueToken}\"")}}},"items":[{{string.Join(",", pods)}}]}""";

    public static string Event(string type, string obj) => $$"""{"type":"{{type}}","object":{{obj}}}""" + "\n";

    public static Task Respond(HttpContext ctx, int code, string body, Action<HttpResponse>? headers = null)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        headers?.Invoke(ctx.Response);
        return ctx.Response.WriteAsync(body);
    }

    /// <summary>Streams watch lines, flushing each, then closes (or holds the stream open if <paramref name="hold"/>).</summary>
    public static Func<HttpContext, Task> Stream(IEnumerable<string> lines, TaskCompletionSource? hold = null) => async ctx =>
    {
        ctx.Response.ContentType = "application/json";
        foreach (var line in lines)
        {
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line));
            await ctx.Response.Body.FlushAsync();
        }
        if (hold is not null)
        {
            await hold.Task.WaitAsync(ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
