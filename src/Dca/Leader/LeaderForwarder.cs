using System.Net.Security;
using Dca.Api;

namespace Dca.Leader;

/// <summary>
/// Leader-only routes (PROTOCOL.md §1.4): the leader handles them; a follower reverse-proxies them to
/// the leader's pod on the command port with <c>X-DCA-Follower-Forwarded: true</c> and marks the
/// response <c>X-DCA-Forwarded: true</c>; a follower that receives an already forwarded request
/// answers 508 (two replicas each believing the other leads would otherwise bounce it forever); while
/// leadership is unknown, 503 <c>Startup in progress</c>. Reads every replica serves from its own
/// snapshot never come here.
/// </summary>
internal sealed partial class LeaderForwarder : IDisposable
{
    public const string ForwardedRequestHeader = "X-DCA-Follower-Forwarded";
    public const string ForwardedResponseHeader = "X-DCA-Forwarded";

    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly LeadershipHolder _leadership;
    private readonly ILeaderAddressResolver _resolver;
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359:Do Not Disable Certificate Validation",
        Justification = "Each replica presents a self-signed certificate generated at start, so none can be verified; as in Datadog's forwarder, trust rests on the bearer token forwarded, and the target is a pod IP read from the agent's own Service.")]
    public LeaderForwarder(LeadershipHolder leadership, ILeaderAddressResolver resolver, ILogger<LeaderForwarder> logger, int maxConnections = 100)
    {
        _leadership = leadership;
        _resolver = resolver;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Datadog's forwarder: dial 1 s, TLS handshake 2 s, idle 30 s; replicas trust each other
            // through the bearer token they forward, not the self-signed certificates.
            ConnectTimeout = TimeSpan.FromSeconds(1),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = maxConnections,
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
        })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Wraps a leader-only handler.</summary>
    public RequestDelegate LeaderOnly(RequestDelegate handler) => context => HandleAsync(context, handler);

    private async Task HandleAsync(HttpContext context, RequestDelegate handler)
    {
        var leadership = _leadership.Current;
        if (leadership.IsLeader)
        {
            await handler(context);
            return;
        }
        if (context.Request.Headers.ContainsKey(ForwardedRequestHeader))
        {
            await ApiEndpoint.WriteError(context, StatusCodes.Status508LoopDetected,
                "Query was already forwarded from: " + context.Connection.RemoteIpAddress);
            return;
        }
        if (leadership.State == LeaderState.Unknown || leadership.Holder is not { Length: > 0 } holder)
        {
            await ApiEndpoint.WriteError(context, StatusCodes.Status503ServiceUnavailable, "Startup in progress");
            return;
        }
        string? address;
        try
        {
            address = await _resolver.ResolveAsync(holder, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ResolveFailed(_logger, holder, ex.Message);
            address = null;
        }
        if (address is null)
        {
            await ApiEndpoint.WriteError(context, StatusCodes.Status503ServiceUnavailable, "failed to retrieve leader ip");
            return;
        }
        await ProxyAsync(context, holder, address);
    }

    private async Task ProxyAsync(HttpContext context, string holder, string address)
    {
        var request = context.Request;
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method),
            new Uri($"https://{address}{request.PathBase}{request.Path}{request.QueryString}"));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            outgoing.Content = new StreamContent(request.Body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (s_hopByHop.Contains(name))
            {
                continue;
            }
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        outgoing.Headers.TryAddWithoutValidation(ForwardedRequestHeader, "true");

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            _resolver.Forget(holder);
            Log.ForwardFailed(_logger, holder, address, ex.Message);
            await ApiEndpoint.WriteError(context, StatusCodes.Status503ServiceUnavailable, "leader forwarder is not available: " + ex.Message);
            return;
        }
        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!s_hopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
            context.Response.Headers[ForwardedResponseHeader] = "true";
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(520, LogLevel.Warning, "Cannot find the address of leader {Leader}: {Error}")]
        public static partial void ResolveFailed(ILogger logger, string leader, string error);

        [LoggerMessage(521, LogLevel.Warning, "Forwarding to leader {Leader} at {Address} failed: {Error}")]
        public static partial void ForwardFailed(ILogger logger, string leader, string address, string error);
    }
}
